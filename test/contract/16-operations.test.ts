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

// Contract §16, operations (no auth): /healthz, /readyz, /metrics, /docs, /openapi.json.

/** A database whose every query fails as a dropped connection does. */
function unreachable(db: Db): Db {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return () =>
          Promise.reject(
            Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
          );
      }
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describeEachDb('contract §16: operations', (backend) => {
  let t: TestDb;
  let h: TestApp;

  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
  });
  afterAll(() => closeApp(h, t));

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
