import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/storage/db.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { openPglite } from '../../src/storage/pglite-adapter.js';
import {
  createPostgresDatabase,
  createTestDb,
  describeEachDb,
  type TestDb,
} from '../support/databases.js';
import { closeApp, createTestApp, type TestApp } from '../support/http.js';
import { answersDuringShutdown, gatedDb } from '../support/shutdown-answer.js';
import { unreachable } from '../support/unreachable-db.js';

// Contract §16, operations (no auth): /healthz, /readyz, /metrics, /docs, /openapi.json.

describeEachDb('contract §16: operations', (backend) => {
  let t: TestDb;
  let h: TestApp;

  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
  });
  afterAll(() => closeApp(h, t));

  // Every answer of this suite goes through the app's own /openapi.json (test/support/http.ts).
  it('every answer of the contract suite is checked against /openapi.json', async () => {
    expect(h.conformance).toBeDefined();
    const before = h.conformance!.checked;
    await get('/healthz');
    expect(h.conformance!.checked).toBe(before + 1);
  });

  // Bogus credentials change nothing: these endpoints do not look at them.
  const get = (url: string, app = h.app) =>
    app.inject({ method: 'GET', url, headers: { 'x-api-key': 'od_bogus' } });

  it('GET /healthz: 200 {"status":"ok"}', async () => {
    const res = await get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"status":"ok"}');
    expect((await h.app.inject({ method: 'HEAD', url: '/healthz' })).statusCode).toBe(200);
  });

  it('GET /readyz: 200 when the database answers and is migrated, else 503', async () => {
    const ready = await get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });

    const down = await createTestApp(unreachable(t.db));
    try {
      const res = await get('/readyz', down.app);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', error: 'Database unreachable' });
      // The process itself is still alive.
      expect((await get('/healthz', down.app)).statusCode).toBe(200);
    } finally {
      await down.app.close();
    }

    // A database nobody migrated.
    let blank: Db;
    let drop = async () => {};
    if (backend === 'pglite') {
      blank = await openPglite();
    } else {
      const created = await createPostgresDatabase();
      blank = await openPostgres(created.url, { max: 2 });
      drop = created.drop;
    }
    const fresh = await createTestApp(blank);
    try {
      const res = await get('/readyz', fresh.app);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', error: 'Database not migrated' });
    } finally {
      await fresh.app.close();
      await blank.close();
      await drop();
    }
  });

  it('GET /metrics: Prometheus text', async () => {
    await get('/healthz');
    const res = await get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toContain('# TYPE outdial_http_request_duration_seconds histogram');
    expect(res.body).toMatch(
      /^outdial_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} \d+$/m,
    );
    expect(res.body).toContain('# TYPE outdial_calls gauge');
    expect(res.body).toContain('outdial_database_up 1');
  });

  it('GET /metrics with OUTDIAL_METRICS_TOKEN set: 401 {error, message} without the bearer token', async () => {
    const guarded = await createTestApp(t.db, { metricsToken: 'scrape-me' });
    try {
      for (const authorization of [undefined, 'Bearer wrong', 'scrape-me']) {
        const res = await guarded.app.inject({
          method: 'GET',
          url: '/metrics',
          headers: authorization === undefined ? {} : { authorization },
        });
        expect(res.statusCode, authorization).toBe(401);
        expect(res.json()).toEqual({
          error: 'Unauthorized',
          message: 'GET /metrics needs its bearer token',
        });
      }
      const ok = await guarded.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: 'Bearer scrape-me' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('outdial_database_up 1');
    } finally {
      await guarded.app.close();
    }
  });

  it('while the server shuts down: 503 {error, message}, Connection: close', async () => {
    const gate = gatedDb(t.db);
    const closing = await createTestApp(gate.db);
    const [busy, refused] = await answersDuringShutdown(closing.app, gate, '/readyz', '/healthz');
    expect(busy.statusCode).toBe(200);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['connection']).toBe('close');
    expect(JSON.parse(refused.body)).toMatchObject({
      error: 'Service Unavailable',
      message: expect.any(String),
    });
    // Not through inject: checked against the document here.
    expect(closing.conformance?.problems('GET', '/readyz', busy)).toEqual([]);
    expect(closing.conformance?.problems('GET', '/healthz', refused)).toEqual([]);
  });

  it('GET /openapi.json: the OpenAPI 3 document; GET /docs: Swagger UI', async () => {
    const doc = await get('/openapi.json');
    expect(doc.statusCode).toBe(200);
    expect(doc.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(doc.json().openapi).toMatch(/^3\./);
    expect(Object.keys(doc.json().paths)).toContain('/v1/api/batch-calls/{batchId}');
    const ui = await get('/docs');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ui.body).toContain('<title>Swagger UI</title>');
  });
});
