import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  errorCodes,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type RouteOptions,
} from 'fastify';
import { newId } from '../domain/ids.js';
import { EventRecorder } from '../engine/event-recorder.js';
import type { Runtime } from '../runtime.js';
import { resolveKeySecret } from '../security/key-secret.js';
import { KEYS_CHANNEL } from '../storage/api-keys-repo.js';
import { ApiKeyCache } from './api-key-cache.js';
import { authHook } from './auth.js';
import { AuthFailureLimit } from './auth-failure-limit.js';
import { DEFAULT_DASHBOARD_DIR } from './dashboard/dashboard-files.js';
import { dashboardRoutes, isDashboardRequest } from './dashboard/dashboard-routes.js';
import { errorHandler, isUploadRoute } from './error-handler.js';
import { installMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { workspaceRateLimit } from './rate-limit.js';
import { OneLineRequestLog } from './request-log.js';
import { agentAttemptsRoutes } from './routes/agent-attempts.js';
import { agentsRoutes } from './routes/agents.js';
import { batchActivityRoutes } from './routes/batch-activity.js';
import { batchAppendRoutes } from './routes/batch-append.js';
import { batchCancelRoutes } from './routes/batch-cancel.js';
import { batchControlRoutes } from './routes/batch-control.js';
import { batchCreateRoutes } from './routes/batch-create.js';
import { batchEstimateRoutes } from './routes/batch-estimate.js';
import { batchExportRoutes } from './routes/batch-export.js';
import { batchListRoutes } from './routes/batch-list.js';
import { batchReadRoutes } from './routes/batch-read.js';
import { csvToolsRoutes } from './routes/csv-tools.js';
import { dncRoutes } from './routes/dnc.js';
import { healthRoutes } from './routes/health.js';
import { telephonyCallbackRoutes } from './routes/telephony-callbacks.js';
import { telephonyConnectionsRoutes } from './routes/telephony-connections.js';
import { webhooksRoutes } from './routes/webhooks.js';
import { workspaceRoutes } from './routes/workspace.js';
import { workspacePauseRoutes } from './routes/workspace-pause.js';
import { deploymentKeys } from './twilio-dial.js';

// The contract's documents use both prefixes; they route to the same handlers.
export const API_PREFIXES = ['/v1/api', '/v1'] as const;

// On every response, /docs included (Swagger UI is never framed, so DENY does not hurt it). The
// set helmet sends by default; HSTS is ignored by browsers over plain HTTP, so it costs nothing
// until a TLS proxy is in front, and then it is what that proxy should send anyway.
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

// Everything but Swagger UI (/docs, which needs its scripts and styles) is data, not a page.
const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

// API answers hold contacts' numbers and transcripts: no cache may keep them.
const API_HEADERS = { 'cache-control': 'no-store' };

/** The largest JSON body of a route that takes no file: agents' prompts are the longest field. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/**
 * Request ids only correlate log lines, so they need to be unique, not unguessable: a random
 * per-process prefix and a counter, far cheaper than a random id per request.
 */
function requestIds(): () => string {
  const prefix = newId('call').slice(-8);
  let n = 0;
  return () => `req_${prefix}${(n++).toString(36)}`;
}

export interface BuildAppOptions {
  /** Sees every route as it is added (tests use it to check the OpenAPI document covers all). */
  onRoute?: (route: RouteOptions) => void;
  /** Where the built dashboard is (default dist/web of this package). */
  dashboardDir?: string;
}

export async function buildApp(rt: Runtime, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: rt.log as FastifyBaseLogger,
    genReqId: requestIds(),
    logController: new OneLineRequestLog(),
    bodyLimit: JSON_BODY_LIMIT,
    return503OnClosing: true,
    trustProxy: rt.config.trustProxy,
    // A client that trickles its request (slowloris) is cut off; 20 MB uploads get 2 minutes.
    requestTimeout: 120_000,
    // The router's default (100 characters) answered a longer id with its own 414, before auth;
    // an id of any length must get the route's 404, as unknown ids do.
    routerOptions: { maxParamLength: 8 * 1024 },
    // Errors raised before routing (a malformed %-escape in the path) get the flat 400 and the
    // usual headers instead of the framework's answer, which echoed the URL back.
    frameworkErrors: (_err, req, raw) => {
      // Typed for a route's reply generics, which an unrouted request does not have.
      const reply = raw as unknown as FastifyReply;
      reply
        .code(400)
        .headers({
          ...SECURITY_HEADERS,
          'content-security-policy': DATA_CSP,
          'x-request-id': req.id,
        })
        .send({ error: 'Bad Request', message: 'The request URL is malformed' });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  app.decorateRequest('workspaceId', '');
  // Some clients send `content-type: application/json` with an empty body on DELETE; accept that.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    return json(req, body as string, done);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: 'Not Found', message: `Route ${req.method} ${req.url} not found` }),
  );
  app.addHook('onSend', async (req, reply) => {
    reply.headers(SECURITY_HEADERS);
    // The dashboard's files carry their own page policy (dashboard-routes.ts).
    const ownPolicy = isDashboardRequest(req) && reply.hasHeader('content-security-policy');
    if (!req.url.startsWith('/docs') && !ownPolicy) {
      reply.header('content-security-policy', DATA_CSP);
    }
    // The id every log line of this request carries: a client can quote it in a support ticket.
    reply.header('x-request-id', req.id);
  });
  // A declared length over the route's limit is refused before anything reads the body or looks
  // the key up: Fastify itself enforces the limit only on bodies it parses, and it does not parse
  // the body of a GET. Uploads are left to the multipart reader, which limits the file itself
  // (the form's framing and fields come on top) and names the file in its 413.
  app.addHook('onRequest', async (req) => {
    if (isUploadRoute(req)) return;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > (req.routeOptions.bodyLimit ?? JSON_BODY_LIMIT)) {
      throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
    }
  });
  // Both collect from routes as they are added, so they come before every route.
  await registerOpenApi(app, { prefixes: API_PREFIXES });
  installMetrics(app, rt);
  await app.register(multipart, {
    limits: { fileSize: rt.config.maxUploadBytes, files: 1, fields: 20, fieldSize: 64 * 1024 },
  });

  await app.register(healthRoutes, { rt });
  await app.register(dashboardRoutes, { dir: opts.dashboardDir ?? DEFAULT_DASHBOARD_DIR });
  // One limiter for both prefixes: they are one API, and a workspace gets one budget.
  const rateLimit = workspaceRateLimit({ limit: rt.config.rateLimitPerMin, clock: rt.clock });
  // Read on the first request that needs it, not here: an app may be built on a database that is
  // not migrated yet (then /readyz says 503). `outdial serve` resolves it at start, so a wrong
  // OUTDIAL_KEY_SECRET still stops the process before it listens.
  let secret: Promise<Buffer> | undefined;
  const keySecret = () => {
    secret ??= resolveKeySecret(rt.db, rt.config).catch((err) => {
      secret = undefined;
      throw err;
    });
    return secret;
  };
  const keys = new ApiKeyCache(rt.clock);
  const failures = new AuthFailureLimit(rt.config.authFailuresPerMin, rt.clock);
  const unlisten = await rt.db.listen(KEYS_CHANNEL, () => keys.clear());
  app.addHook('onClose', async () => unlisten());
  // Carrier callbacks (§21): no API key, no workspace limit; each is checked by its signature.
  // Their events take the one recording path; an ended attempt wakes the dispatchers.
  const events = new EventRecorder(rt, rt.log, (outcomes) => {
    if (outcomes.some((o) => o.status === 'ended')) rt.wake();
  });
  app.addHook('onClose', async () => events.flush());
  const keysOnce = deploymentKeys(rt);
  for (const prefix of API_PREFIXES) {
    await app.register(async (open) => {
      // No API key here either, but the same answers: a call's variables must not be cached.
      open.addHook('onSend', async (_req, reply) => {
        reply.headers(API_HEADERS);
      });
      await open.register(telephonyCallbackRoutes, {
        rt,
        events,
        keys: keysOnce,
        prefix: `${prefix}/telephony`,
      });
      // The user's agent, with its attempt's report token (§21).
      await open.register(agentAttemptsRoutes, {
        rt,
        keys: keysOnce,
        prefix: `${prefix}/agent/attempts`,
      });
    });
  }
  for (const prefix of API_PREFIXES) {
    await app.register(
      async (v1) => {
        // Order matters: the limit is keyed by the workspace the auth hook establishes.
        v1.addHook('onRequest', authHook({ rt, keys, failures, keySecret }));
        v1.addHook('onRequest', rateLimit);
        v1.addHook('onSend', async (_req, reply) => {
          reply.headers(API_HEADERS);
        });
        await v1.register(agentsRoutes, { rt, prefix: '/agents' });
        await v1.register(batchCreateRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(batchReadRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(batchActivityRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(batchListRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(batchCancelRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(batchExportRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(csvToolsRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(batchEstimateRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(workspaceRoutes, { rt, prefix: '/workspace' });
        await v1.register(webhooksRoutes, { rt, prefix: '/webhooks' });
        await v1.register(telephonyConnectionsRoutes, { rt, prefix: '/telephony/connections' });
        await v1.register(batchControlRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(workspacePauseRoutes, { rt, prefix: '/workspace' });
        await v1.register(dncRoutes, { rt, prefix: '/dnc' });
        await v1.register(batchAppendRoutes, { rt, prefix: '/batch-calls' });
      },
      { prefix },
    );
  }
  return app;
}
