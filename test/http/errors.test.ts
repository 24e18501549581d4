import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import type { Runtime } from '../../src/runtime.js';
import type { Db } from '../../src/storage/db.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { FakeClock } from '../support/fake-clock.js';
import { closeApp, seedTenant, type Tenant } from '../support/http.js';

// The one error handler: every 4xx/5xx in the flat `{error, message?}` shape, framework errors
// included; 5xx bodies never carry stack traces, SQL or driver text; a lost database is a 503.

const SQL_MESSAGE =
  'syntax error at or near "FROM" in SELECT id, workspace_id, secret_hash FROM batches WHERE id = $1';

/** A database whose queries matching `match` fail with `error()`; the others go through. */
function failing(db: Db, match: RegExp, error: () => unknown): Db {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return (text: string, params?: readonly unknown[]) =>
          match.test(text) ? Promise.reject(error()) : target.query(text, params);
      }
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const pgError = (message: string, code: string) =>
  Object.assign(new Error(message), { code, severity: 'ERROR', routine: 'scanner_yyerror' });

interface LoggedApp {
  app: FastifyInstance;
  logs: string[];
}

async function appOn(db: Db, overrides: Partial<Runtime['config']> = {}): Promise<LoggedApp> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const rt: Runtime = {
    config: { ...loadConfig({ DATABASE_URL: 'memory://' }), ...overrides },
    db,
    clock: new FakeClock(),
    log: pino({ level: 'warn' }, sink),
    wake: () => {},
  };
  const app = await buildApp(rt);
  await app.ready();
  return { app, logs };
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function expectJsonError(res: LightMyRequestResponse, status: number) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers).toMatchObject(SECURITY_HEADERS);
  expect(res.headers['x-powered-by']).toBeUndefined();
  const body = res.json();
  expect(typeof body.error).toBe('string');
  if ('message' in body) expect(typeof body.message).toBe('string');
  return body;
}

describeEachDb('error handling', (backend) => {
  let t: TestDb;
  let h: LoggedApp;
  let a: Tenant;

  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await appOn(t.db);
    a = await seedTenant(t.db, Date.UTC(2026, 0, 5));
  });
  afterAll(() => closeApp(h, t));

  const inject = (opts: InjectOptions, app = h.app): Promise<LightMyRequestResponse> =>
    app.inject(opts);

  it('a 500 says nothing of the SQL, the driver or the stack; the log keeps it', async () => {
    const broken = await appOn(failing(t.db, /FROM batches/, () => pgError(SQL_MESSAGE, '42601')));
    try {
      for (const url of ['/v1/api/batch-calls/batch_x', '/v1/batch-calls/batch_x/status']) {
        const res = await inject({ method: 'GET', url, headers: a.headers }, broken.app);
        expect(expectJsonError(res, 500)).toEqual({
          error: 'Internal Server Error',
          message: 'An unexpected error occurred',
        });
        for (const leak of ['SELECT', 'batches', 'secret_hash', 'syntax', '42601', 'at ']) {
          expect(res.body).not.toContain(leak);
        }
      }
      const logged = broken.logs.map((line) => JSON.parse(line));
      expect(logged.map((l) => [l.msg, l.err?.message, l.err?.code])).toEqual([
        ['unhandled error', SQL_MESSAGE, '42601'],
        ['unhandled error', SQL_MESSAGE, '42601'],
      ]);
    } finally {
      await broken.app.close();
    }
  });

  it('a lost database is a 503 to retry, in the auth hook as in a route', async () => {
    const lost = (code: string) => () =>
      Object.assign(new Error(`terminating connection (${code})`), { code });
    for (const [match, code] of [
      [/FROM batches/, '57P01'],
      [/api_keys/, 'ECONNREFUSED'],
      [/FROM batches/, '08006'],
    ] as const) {
      const down = await appOn(failing(t.db, match, lost(code)));
      try {
        const res = await inject(
          { method: 'GET', url: '/v1/api/batch-calls/batch_x', headers: a.headers },
          down.app,
        );
        expect(expectJsonError(res, 503)).toEqual({
          error: 'Database unavailable',
          message: 'The database cannot be reached; retry shortly',
        });
        expect(res.headers['retry-after']).toBe('5');
      } finally {
        await down.app.close();
      }
    }
  });

  it("Fastify's own errors come out in the flat shape", async () => {
    const post = (headers: Record<string, string>, payload: string) =>
      inject({
        method: 'POST',
        url: '/v1/api/agents',
        headers: { ...a.headers, ...headers },
        payload,
      });

    const media = await post({ 'content-type': 'application/xml' }, '<agent/>');
    expect(expectJsonError(media, 415)).toEqual({
      error: 'Unsupported Media Type',
      message: expect.any(String),
      code: 'unsupported_media_type',
    });

    const json = await post({ 'content-type': 'application/json' }, '{"name": "Ava",');
    expect(expectJsonError(json, 400)).toEqual({
      error: 'Bad Request',
      message: 'The body is not valid JSON',
      code: 'invalid_json',
    });

    const big = JSON.stringify({ name: 'Ava', prompt: 'x'.repeat(1024 * 1024) });
    const large = await post({ 'content-type': 'application/json' }, big);
    expect(expectJsonError(large, 413)).toEqual({
      error: 'Payload Too Large',
      message: 'The request body is larger than the limit of 1048576 bytes',
      code: 'payload_too_large',
    });
    // On an upload route the JSON body stands for the file: §1's "File too large".
    const small = await appOn(t.db, { maxUploadBytes: 1024 });
    try {
      const recipients = Array.from({ length: 60 }, (_, i) => ({
        phone_number: `+1500555${1000 + i}`,
      }));
      const upload = await inject(
        {
          method: 'POST',
          url: '/v1/batch-calls',
          headers: { ...a.headers, 'content-type': 'application/json' },
          payload: JSON.stringify({ agentId: a.agentId, recipients }),
        },
        small.app,
      );
      expect(expectJsonError(upload, 413)).toEqual({
        error: 'File too large',
        message: 'The request body is larger than the limit of 1024 bytes',
        code: 'payload_too_large',
      });
    } finally {
      await small.app.close();
    }

    const invalid = await post({ 'content-type': 'application/json' }, '{"name": 42}');
    expect(expectJsonError(invalid, 400)).toEqual({
      error: 'Bad Request',
      message: expect.any(String),
      code: 'invalid_request',
    });
    const query = await inject({
      method: 'GET',
      url: '/v1/api/batch-calls/batch_x/calls?limit=101',
      headers: a.headers,
    });
    expect(expectJsonError(query, 400)).toMatchObject({
      error: 'Bad Request',
      code: 'invalid_request',
    });
    expect(query.json().message).toContain('limit');
  });

  it('unknown routes are a flat 404, without auth', async () => {
    for (const [method, url] of [
      ['GET', '/v1/api/nope'],
      ['PATCH', '/v1/api/batch-calls/batch_x'],
      ['GET', '/nope'],
    ] as const) {
      const res = await inject({ method, url });
      expect(expectJsonError(res, 404)).toEqual({
        error: 'Not Found',
        message: `Route ${method} ${url} not found`,
      });
    }
  });

  it('auth errors keep their documented bodies', async () => {
    const noWs = await inject({
      method: 'GET',
      url: '/v1/api/agents',
      headers: { 'x-api-key': a.apiKey },
    });
    expect(expectJsonError(noWs, 400)).toEqual({ error: 'Missing x-workspace-id header' });
    const noKey = await inject({ method: 'GET', url: '/v1/api/agents' });
    expect(expectJsonError(noKey, 401)).toEqual({
      error: 'Unauthorized',
      message: 'Missing x-api-key header',
    });
  });

  it('sends the security headers on every response and never x-powered-by', async () => {
    const urls = [
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/docs',
      '/docs/static/swagger-ui.css',
    ];
    for (const url of urls) {
      const res = await inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers, url).toMatchObject(SECURITY_HEADERS);
      expect(res.headers['x-powered-by'], url).toBeUndefined();
    }
    const ok = await inject({ method: 'GET', url: '/v1/api/agents', headers: a.headers });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers).toMatchObject(SECURITY_HEADERS);
    expect(ok.headers['x-powered-by']).toBeUndefined();
  });
});
