import { readFileSync } from 'node:fs';
import type { FastifyInstance, RouteOptions } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { API_PREFIXES, buildApp, JSON_BODY_LIMIT } from '../../src/http/app.js';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from '../../src/http/routes/batch-create.js';
import type { Runtime } from '../../src/runtime.js';
import { createTestDb, type TestDb } from '../support/databases.js';
import { FakeClock } from '../support/fake-clock.js';

// §16 `/openapi.json` and `/docs`. The document must cover every route the app registers — the
// list is collected from the app itself, so routes added later are checked without editing this.
// Routes under the alias prefix are served (test/security/tenant-isolation.test.ts probes them)
// but documented once, under the primary prefix.

interface SeenRoute {
  method: string;
  url: string;
  responses: string[];
  hidden: boolean;
}

type Json = Record<string, any>;

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

/** Fastify's `/users/:id` as OpenAPI's `/users/{id}`, without a trailing slash. */
const openApiPath = (url: string) =>
  (url.length > 1 ? url.replace(/\/+$/, '') : url).replace(/:([A-Za-z0-9_]+)/g, '{$1}');

// Every operation of the contract (§1–§16); each /v1 one registered under both prefixes.
const CONTRACT: Array<[string, string]> = [
  ['post', '/batch-calls'],
  ['get', '/batch-calls/{batchId}'],
  ['get', '/batch-calls/{batchId}/status'],
  ['get', '/batch-calls/{batchId}/calls'],
  ['get', '/batch-calls/{batchId}/calls/{jobId}'],
  ['delete', '/batch-calls/{batchId}'],
  ['delete', '/batch-calls/{batchId}/calls/{jobId}'],
  ['delete', '/batch-calls/{batchId}/contacts/{}'],
  ['get', '/batch-calls/{batchId}/export-results'],
  ['get', '/batch-calls/template'],
  ['post', '/batch-calls/validate'],
  ['post', '/batch-calls/preview'],
  ['get', '/batch-calls'],
  ['post', '/agents'],
  ['get', '/agents'],
  ['get', '/agents/{agentId}'],
  ['put', '/agents/{agentId}'],
  ['delete', '/agents/{agentId}'],
  ['get', '/workspace'],
  ['patch', '/workspace'],
];
const OPERATIONS = ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'];

describe('OpenAPI document and Swagger UI (§16)', () => {
  let t: TestDb;
  let app: FastifyInstance;
  let doc: Json;
  const seen: SeenRoute[] = [];

  beforeAll(async () => {
    t = await createTestDb('pglite');
    const rt: Runtime = {
      // A limit of 1 shows the operations endpoints are outside the rate limit.
      config: { ...loadConfig({ DATABASE_URL: 'memory://' }), rateLimitPerMin: 1 },
      db: t.db,
      clock: new FakeClock(),
      log: pino({ level: 'silent' }),
      wake: () => {},
    };
    const collect = (r: RouteOptions) => {
      const schema = (r.schema ?? {}) as Json;
      for (const method of [r.method].flat()) {
        seen.push({
          method: String(method).toLowerCase(),
          // Copied now: Fastify reuses the options object for a plugin's '/' route.
          url: r.url,
          responses: Object.keys(schema['response'] ?? {}),
          hidden: schema['hide'] === true,
        });
      }
    };
    app = await buildApp(rt, { onRoute: collect });
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });

  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('is an OpenAPI 3 document of this version: license, servers, both auth headers as schemes', () => {
    expect(doc['openapi']).toMatch(/^3\./);
    expect(doc['info']).toMatchObject({
      title: 'Outdial API',
      version: pkg.version,
      license: { name: pkg.license },
    });
    expect(pkg.license).toBe('Apache-2.0');
    expect(doc['servers']).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(doc['components'].securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
      workspaceId: expect.objectContaining({
        type: 'apiKey',
        in: 'header',
        name: 'x-workspace-id',
      }),
      metricsToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      reportToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
  });

  /** The registered route's prefix, longest first (a /v1/api route is not /api/… under /v1). */
  const prefixOf = (url: string): string | undefined =>
    [...API_PREFIXES]
      .sort((x, y) => y.length - x.length)
      .find((p) => url === p || url.startsWith(`${p}/`));
  const [primary, ...rest] = API_PREFIXES;
  const aliases: readonly string[] = rest;
  const isAlias = (r: SeenRoute) => aliases.includes(prefixOf(r.url) ?? '');

  it('lists every registered route once, under the primary prefix; the alias serves the same', () => {
    const listed = seen.filter((r) => r.method !== 'head' && !r.hidden && !isAlias(r));
    expect(listed.length).toBeGreaterThan(20);
    const missing = listed.filter((r) => !doc['paths'][openApiPath(r.url)]?.[r.method]);
    expect(missing.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    // Nothing under an alias prefix is listed…
    const aliasPaths = Object.keys(doc['paths']).filter((p) => aliases.includes(prefixOf(p) ?? ''));
    expect(aliasPaths).toEqual([]);
    // …and every alias route is registered (served) for an operation the document lists.
    const under = (prefix: string) =>
      seen
        .filter((r) => r.method !== 'head' && prefixOf(r.url) === prefix)
        .map((r) => `${r.method} ${openApiPath(r.url.slice(prefix.length))}`)
        .sort();
    expect(under(primary!).length).toBeGreaterThan(15);
    for (const alias of aliases) expect(under(alias)).toEqual(under(primary!));
  });

  it('documents every response status a route declares, from its schema', () => {
    for (const r of seen.filter((x) => x.method !== 'head' && !x.hidden && !isAlias(x))) {
      const op = doc['paths'][openApiPath(r.url)][r.method];
      for (const status of r.responses) {
        expect(op.responses, `${r.method} ${r.url} ${status}`).toHaveProperty(status);
      }
    }
    // The schema itself, not just the status: §2's required fields, absent ones optional.
    const batch =
      doc['paths']['/v1/api/batch-calls/{batchId}'].get.responses['200'].content['application/json']
        .schema;
    expect(batch.required).toEqual(
      expect.arrayContaining(['id', 'status', 'isComplete', 'totalCalls', 'progress']),
    );
    expect(batch.properties.progress.required).not.toContain('startTime');
    expect(batch.properties.progress.properties.completedTime.nullable).toBe(true);
    const notFound =
      doc['paths']['/v1/api/batch-calls/{batchId}/calls/{jobId}'].get.responses['404'].content[
        'application/json'
      ].schema;
    expect(notFound.properties.status.enum ?? [notFound.properties.status.const]).toEqual([
      'not_found',
    ]);
  });

  it('covers every operation of the contract (§1–§16)', () => {
    const paths = doc['paths'] as Json;
    const find = (method: string, path: string) => {
      const pattern = new RegExp(`^${path.replace(/[{][^}]*[}]/g, '[{][^}/]+[}]')}$`);
      return Object.keys(paths).find((p) => pattern.test(p) && paths[p][method]);
    };
    const missing: string[] = [];
    for (const [method, path] of CONTRACT) {
      if (!find(method, `${primary}${path}`)) missing.push(`${method} ${primary}${path}`);
    }
    for (const path of OPERATIONS) if (!paths[path]?.get) missing.push(`get ${path}`);
    expect(missing).toEqual([]);
    // The alias serves each of them (the routes are registered; the document lists them once).
    const served = seen.map((r) => `${r.method} ${openApiPath(r.url)}`);
    const notServed: string[] = [];
    for (const alias of aliases) {
      for (const [method, path] of CONTRACT) {
        const pattern = new RegExp(
          `^${method} ${`${alias}${path}`.replace(/[{][^}]*[}]/g, '[{][^}/]+[}]')}$`,
        );
        if (!served.some((k) => pattern.test(k))) notServed.push(`${method} ${alias}${path}`);
      }
    }
    expect(notServed).toEqual([]);
  });

  it('describes auth on every /v1 operation, none on the operations endpoints but /metrics', () => {
    for (const [path, ops] of Object.entries(doc['paths'] as Json)) {
      for (const [method, op] of Object.entries(ops as Json)) {
        const where = `${method} ${path}`;
        if (op.operationId === 'twilioEvents') {
          // Called by Twilio: its signature, not an API key (§21).
          expect(op.security, where).toEqual([]);
        } else if (['getAgentAttempt', 'reportAgentAttempt'].includes(op.operationId)) {
          // Called by the user's agent with its attempt's report token (§21).
          expect(op.security, where).toEqual([{ reportToken: [] }]);
        } else if (path.startsWith('/v1/')) {
          // Both headers together: Swagger UI's Authorize fills both, and asks for neither again.
          expect(op.security, where).toEqual([{ apiKey: [], workspaceId: [] }]);
          const authHeaders = (op.parameters ?? []).filter(
            (p: Json) => p.in === 'header' && ['x-api-key', 'x-workspace-id'].includes(p.name),
          );
          expect(authHeaders, where).toEqual([]);
          expect(op.responses['400'].description, where).toContain(
            '{"error":"Missing x-workspace-id header"}',
          );
          expect(op.responses, where).toHaveProperty('401');
          expect(op.responses, where).toHaveProperty('403');
          expect(
            op.responses['429'].content['application/json'].schema.properties.error.required,
          ).toEqual(['code', 'message', 'reset_at']);
          expect(op.responses['429'].headers, where).toHaveProperty('Retry-After');
          expect(op.tags?.length, where).toBe(1);
        } else if (path === '/metrics') {
          // Open unless OUTDIAL_METRICS_TOKEN is set: anonymous, or the bearer token.
          expect(op.security, where).toEqual([{}, { metricsToken: [] }]);
          expect(op.responses['401'].content, where).toHaveProperty('application/json');
          expect(Object.keys(op.responses['200'].content)).toEqual(['text/plain']);
        } else {
          expect(op.security, where).toEqual([]);
          expect(op.tags, where).toEqual(['Operations']);
        }
      }
    }
  });

  it('documents the CSV answers as text/csv and their errors as JSON', () => {
    const template = doc['paths']['/v1/api/batch-calls/template'].get.responses;
    const results = doc['paths']['/v1/api/batch-calls/{batchId}/export-results'].get.responses;
    for (const responses of [template, results]) {
      expect(Object.keys(responses['200'].content)).toEqual(['text/csv']);
      expect(responses['200'].headers).toHaveProperty('Content-Disposition');
      for (const status of Object.keys(responses).filter((s) => s !== '200')) {
        expect(Object.keys(responses[status].content), status).toEqual(['application/json']);
      }
    }
    expect(results['404'].content['application/json'].schema.required).toEqual([
      'error',
      'message',
      'id',
    ]);
  });

  it('documents 413 and 415 on the operations that take a JSON body, with the real limit', () => {
    const limit = `${JSON_BODY_LIMIT / 1024 / 1024} MB`;
    for (const [path, method] of [
      ['/v1/api/agents', 'post'],
      ['/v1/api/agents/{agentId}', 'put'],
      ['/v1/api/workspace', 'patch'],
    ] as const) {
      const responses = doc['paths'][path][method].responses;
      expect(responses['413'].description, path).toContain(limit);
      expect(Object.keys(responses['415'].content), path).toEqual(['application/json']);
    }
    // The uploads take any body (other than multipart or JSON: §1's 400) and have their own limit.
    expect(doc['paths']['/v1/api/batch-calls'].post.responses).not.toHaveProperty('415');
    expect(doc['paths']['/v1/api/batch-calls'].post.responses['413'].description).not.toContain(
      limit,
    );
  });

  it('takes the Idempotency-Key rule of the server: 1 to 255 characters', () => {
    const create = doc['paths']['/v1/api/batch-calls'].post;
    const key = create.parameters.find((p: Json) => p.name === 'idempotency-key');
    expect(key).toMatchObject({
      in: 'header',
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH },
    });
  });

  it('gives every operation a unique operationId and every contract operation a summary', () => {
    const ids: string[] = [];
    for (const ops of Object.values(doc['paths'] as Json)) {
      for (const op of Object.values(ops as Json)) ids.push(op.operationId);
    }
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const get = doc['paths']['/v1/api/batch-calls/{batchId}'].get;
    expect(get.operationId).toBe('getBatch');
    expect(get.summary).toBe("Get a batch's status, progress counters and most recent calls");
    // Summaries say what the route does; no section of a contract the document does not ship.
    expect(JSON.stringify(doc)).not.toContain('§');
  });

  it('describes the multipart upload fields the streamed routes read', () => {
    const create = doc['paths']['/v1/api/batch-calls'].post;
    const form = create.requestBody.content['multipart/form-data'].schema;
    expect(form.required).toEqual(['file', 'agentId']);
    expect(form.properties.file).toMatchObject({ type: 'string', format: 'binary' });
    expect(Object.keys(form.properties)).toEqual(
      expect.arrayContaining([
        'scheduledAt',
        'smartCallbackConfig',
        'name',
        'maxConcurrency',
        'callingWindow',
        'skipInvalidRows',
        'defaultCountry',
      ]),
    );
    expect(create.parameters.map((p: Json) => p.name)).toContain('idempotency-key');
    for (const path of ['/v1/api/batch-calls/validate', '/v1/api/batch-calls/preview']) {
      const body = doc['paths'][path].post.requestBody.content['multipart/form-data'].schema;
      expect(body.required).toEqual(['file']);
      expect(body.properties.file.format).toBe('binary');
    }
  });

  it('serves Swagger UI and its assets offline, without auth or rate limit', async () => {
    for (let i = 0; i < 3; i++) {
      const json = await app.inject({ method: 'GET', url: '/openapi.json' });
      expect(json.statusCode).toBe(200);
      expect(json.headers['x-ratelimit-limit']).toBeUndefined();
    }
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('swagger-ui');
    for (const asset of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-initializer.js']) {
      const res = await app.inject({ method: 'GET', url: `/docs/static/${asset}` });
      expect(res.statusCode, asset).toBe(200);
      expect(res.body.length, asset).toBeGreaterThan(100);
    }
    // The UI loads the same document.
    const uiDoc = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(uiDoc.json().paths).toEqual(doc['paths']);
  });
});
