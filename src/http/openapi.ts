import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { OPERATION_DOCS } from './openapi-operations.js';
import { operationResponses } from './openapi-responses.js';
import { ROUTE_DOCS, type RouteDoc, TAGS } from './openapi-routes.js';

// The OpenAPI 3 document is generated from the routes' own schemas (@fastify/swagger collects
// them as routes are registered, so this must run before any route); the transform below only
// adds what a schema cannot say: tags, summaries, security, the answers every route shares and
// multipart form fields. Each operation is documented once, under the primary prefix; the same
// routes under the other prefix are served but hidden, so no client sees two of everything.

/** The prefixes the API is served under; the first is the contract's primary one. */
export interface OpenApiOptions {
  prefixes: readonly string[];
}

const packageJson = (): { version: string; license: string } =>
  // src/http and dist/http are both two levels below package.json.
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

const SECURITY_SCHEMES = {
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: 'An API key of the workspace named in x-workspace-id (401 when missing or wrong)',
  } as const,
  workspaceId: {
    type: 'apiKey',
    in: 'header',
    name: 'x-workspace-id',
    description:
      'The workspace (ws_…) the API key belongs to; sent with x-api-key on every /v1 request. ' +
      'Missing: 400 {"error":"Missing x-workspace-id header"}; another workspace: 403.',
  } as const,
  reportToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      "An attempt's report token, which its agent receives with the call: good for that " +
      'attempt only, for 24 hours.',
  } as const,
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'Only when the server sets OUTDIAL_METRICS_TOKEN: GET /metrics then needs ' +
      '`Authorization: Bearer <token>`; otherwise it is open.',
  } as const,
};

const DOCS: Record<string, RouteDoc> = { ...ROUTE_DOCS, ...OPERATION_DOCS };

/** Both headers together, on every operation under the API prefixes. */
const API_SECURITY = [{ apiKey: [], workspaceId: [] }];

/** The route's path without its API prefix, parameters as `{}`: the key of its RouteDoc. */
export function routeDocKey(
  method: string,
  url: string,
  prefixes: readonly string[],
): { key: string; prefix?: string } {
  // Longest first: a route under /v1/api must not be read as /api/… under /v1.
  const prefix = [...prefixes]
    .sort((x, y) => y.length - x.length)
    .find((p) => url === p || url.startsWith(`${p}/`));
  let path = prefix === undefined ? url : url.slice(prefix.length);
  path = path.replace(/:[^/]+/g, '{}').replace(/\/+$/, '') || '/';
  return { key: `${method} ${path}`, ...(prefix === undefined ? {} : { prefix }) };
}

type Schema = FastifySchema & Record<string, unknown>;

function mergeHeaders(existing: unknown, extra: Record<string, unknown>): Record<string, unknown> {
  const base = (existing ?? { type: 'object', properties: {} }) as Record<string, unknown>;
  return {
    ...base,
    type: 'object',
    properties: { ...(base['properties'] as object), ...(extra['properties'] as object) },
    required: [
      ...((base['required'] as string[] | undefined) ?? []),
      ...((extra['required'] as string[] | undefined) ?? []),
    ],
  };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function documented(schema: Schema, doc: RouteDoc | undefined, method: string, api: boolean) {
  const { hide: _hide, produces: _produces, ...out } = schema as Schema & { produces?: unknown };
  if (doc) {
    out['tags'] = [doc.tag];
    out['summary'] = doc.summary;
    out['operationId'] = doc.operationId;
    if (doc.description) out['description'] = doc.description;
    if (doc.bodies && out.body === undefined) {
      const types = (out['consumes'] as string[] | undefined) ?? Object.keys(doc.bodies);
      const content: Record<string, { schema: unknown }> = {};
      for (const type of types) {
        const body = doc.bodies[type];
        if (body) content[type] = { schema: body };
      }
      out.body = { content };
    }
    if (doc.headers) out.headers = mergeHeaders(out.headers, doc.headers);
  }
  out['security'] = api ? API_SECURITY : (doc?.security ?? []);
  // The upload routes list what they consume; they read any other body and answer it with 400.
  const jsonBody = BODY_METHODS.has(method) && out['consumes'] === undefined;
  out.response = operationResponses(out.response as Record<string, Schema> | undefined, doc, {
    api,
    jsonBody,
  });
  return out;
}

/** Registers @fastify/swagger, Swagger UI at /docs and `GET /openapi.json` (no auth). */
export async function registerOpenApi(app: FastifyInstance, opts: OpenApiOptions): Promise<void> {
  const [primary] = opts.prefixes;
  const pkg = packageJson();
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Outdial API',
        version: pkg.version,
        description:
          "Batch outbound calls by AI voice agents; wire-compatible with Trillet's Batch Calls " +
          `API. Every operation under ${primary} is also served under ` +
          `${opts.prefixes.slice(1).join(' and ')} (same handlers, not listed twice). Requests ` +
          'there need x-api-key and x-workspace-id and are rate limited per workspace (429 ' +
          'with Retry-After). Times are epoch milliseconds, durations seconds; fields that do ' +
          'not apply are absent, not null. Error bodies are JSON: {"error", "message"?, ' +
          '"code"?}, but for 429: {"error": {"code", "message", "reset_at"}}.',
        license: {
          name: pkg.license,
          url: `https://spdx.org/licenses/${pkg.license}.html`,
        },
      },
      // Relative: clients resolve it against where they fetched this document, so it stays
      // right behind any proxy or host name without trusting the request's Host header.
      servers: [{ url: '/', description: 'the server this document was fetched from' }],
      tags: TAGS,
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: ({ schema, url: routeUrl, route }) => {
      // A plugin's '/' route answers at `/v1/api/agents` and `/v1/api/agents/`; Fastify reports
      // it once, and the object swagger kept ends up with the slashed URL. Document the plain one.
      const url = routeUrl.length > 1 ? routeUrl.replace(/\/+$/, '') : routeUrl;
      const method = String(Array.isArray(route.method) ? route.method[0] : route.method);
      const { key, prefix } = routeDocKey(method, url, opts.prefixes);
      const given = (schema ?? {}) as Schema;
      if (prefix !== undefined && prefix !== primary) {
        return { schema: { ...given, hide: true }, url };
      }
      const doc = DOCS[key];
      // Swagger UI's own routes stay hidden, but for the page itself (a route doc names it).
      if (given['hide'] === true && doc === undefined) return { schema: given, url };
      // A route under the prefixes that declares its own security (a carrier's signed callback)
      // takes no API key.
      const api = prefix !== undefined && doc?.security === undefined;
      return { schema: documented(given, doc, method, api), url };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
  app.get('/openapi.json', async () => app.swagger());
}
