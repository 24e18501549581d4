import { readFileSync } from 'node:fs';
import type { FastifyInstance, RouteOptions } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { API_PREFIXES, buildApp } from '../../src/http/app.js';
import type { Runtime } from '../../src/runtime.js';
import { createTestDb, type TestDb } from '../support/databases.js';
import { FakeClock } from '../support/fake-clock.js';

// §16 `/openapi.json` and `/docs`. The document must cover every route the app registers — the
// list is collected from the app itself, so routes added later are checked without editing this.

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

// Every operation of the contract (§1–§16); each /v1 one under both prefixes.
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
const OPERATIONS = ['/healthz', '/readyz', '/metrics', '/openapi.json'];

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

  it('is an OpenAPI 3 document of this version, with the API key scheme', () => {
    expect(doc['openapi']).toMatch(/^3\./);
    expect(doc['info']).toMatchObject({ title: 'Outdial API', version: pkg.version });
    expect(doc['components'].securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
    });
  });

  it('lists every registered route with its method, under both prefixes', () => {
    const documented = seen.filter((r) => r.method !== 'head' && !r.hidden);
    expect(documented.length).toBeGreaterThan(30);
    const missing = documented.filter((r) => !doc['paths'][openApiPath(r.url)]?.[r.method]);
    expect(missing.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    // Both prefixes register the same operations.
    const under = (prefix: string) =>
      documented
        .filter((r) => r.url.startsWith(`${prefix}/`))
        .map((r) => `${r.method} ${openApiPath(r.url.slice(prefix.length))}`)
        .sort();
    expect(under('/v1/api')).toEqual(under('/v1').filter((k) => !k.includes(' /api/')));
  });

  it('documents every response status a route declares, from its schema', () => {
    for (const r of seen.filter((x) => x.method !== 'head' && !x.hidden)) {
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
    for (const prefix of API_PREFIXES) {
      for (const [method, path] of CONTRACT) {
        if (!find(method, `${prefix}${path}`)) missing.push(`${method} ${prefix}${path}`);
      }
    }
    for (const path of OPERATIONS) if (!paths[path]?.get) missing.push(`get ${path}`);
    expect(missing).toEqual([]);
  });

  it('describes auth on every /v1 operation and none on the operations endpoints', () => {
    for (const [path, ops] of Object.entries(doc['paths'] as Json)) {
      for (const [method, op] of Object.entries(ops as Json)) {
        const where = `${method} ${path}`;
        if (path.startsWith('/v1/')) {
          expect(op.security, where).toEqual([{ apiKey: [] }]);
          const ws = op.parameters.find(
            (p: Json) => p.in === 'header' && p.name === 'x-workspace-id',
          );
          expect(ws, where).toMatchObject({ required: true });
          expect(op.responses, where).toHaveProperty('401');
          expect(
            op.responses['429'].content['application/json'].schema.properties.error.required,
          ).toEqual(['code', 'message', 'reset_at']);
          expect(op.tags?.length, where).toBe(1);
        } else {
          expect(op.security, where).toBeUndefined();
          expect(op.tags, where).toEqual(['Operations']);
        }
      }
    }
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
    expect(get.summary).toContain('§2');
    expect(doc['paths']['/v1/batch-calls/{batchId}'].get.operationId).toBe('getBatchV1');
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
    for (const path of ['/v1/api/batch-calls/validate', '/v1/batch-calls/preview']) {
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
