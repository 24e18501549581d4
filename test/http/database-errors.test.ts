import { afterAll, beforeAll, expect, it } from 'vitest';
import { DatabaseFailedError, type Db } from '../../src/storage/db.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { createTestApp, seedTenant, type Tenant } from '../support/http.js';

// What a client gets when the database cannot serve: PostgreSQL out of disk (507, the body of the
// upload pre-check), out of memory or connections (503 with Retry-After), an embedded database
// that failed (503 saying the server is stopping). A full disk is tested for real in
// test/storage/pg-disk-full.test.ts and test/e2e/embedded-disk-full.test.ts; memory and
// connection exhaustion cannot be brought about here, so those errors are injected the way
// PostgreSQL reports them. Every answer is checked against /openapi.json.

/** `db` whose queries on batches fail with `error()`; the others go through. */
function failing(db: Db, error: () => unknown): Db {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return (text: string, params?: readonly unknown[]) =>
          /FROM batches/.test(text) ? Promise.reject(error()) : target.query(text, params);
      }
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const pgError = (message: string, code: string) =>
  Object.assign(new Error(message), { code, severity: 'ERROR' });

describeEachDb('database trouble, as a client sees it', (backend) => {
  let t: TestDb;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await createTestDb(backend);
    tenant = await seedTenant(t.db, Date.now());
  });
  afterAll(async () => t?.close());

  const answer = async (error: () => unknown) => {
    const h = await createTestApp(failing(t.db, error), {}, undefined, { checkAnswers: true });
    try {
      return await h.app.inject({
        method: 'GET',
        url: '/v1/api/batch-calls',
        headers: tenant.headers,
      });
    } finally {
      await h.app.close();
    }
  };

  it('disk_full (53100) is a 507: nothing stored, no retry before space is freed', async () => {
    const res = await answer(() =>
      pgError('could not extend file "base/16384/16400": No space left on device', '53100'),
    );
    expect(res.statusCode).toBe(507);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.json()).toEqual({
      error: 'Insufficient storage',
      message:
        "The database server's disk is full: nothing of this request was stored. Retry once " +
        'space has been freed there',
    });
  });

  it('out of memory (53200) or of connections (53300) is a 503 to retry', async () => {
    const memory = await answer(() => pgError('out of memory', '53200'));
    expect(memory.statusCode).toBe(503);
    expect(memory.headers['retry-after']).toBe('5');
    expect(memory.json()).toEqual({
      error: 'Database unavailable',
      message: 'The database server is out of memory; retry shortly',
    });
    const connections = await answer(() => pgError('sorry, too many clients already', '53300'));
    expect(connections.statusCode).toBe(503);
    expect(connections.json()).toEqual({
      error: 'Database unavailable',
      message: 'The database server is out of resources (connections, memory); retry shortly',
    });
  });

  it('a failed embedded database is a 503 that says the server is stopping', async () => {
    const failure = { reason: 'disk_full' as const, detail: 'ENOSPC', at: Date.now() };
    const res = await answer(() => new DatabaseFailedError(failure));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({
      error: 'Database unavailable',
      message:
        'The embedded database stopped (its disk is full) and the server is stopping to be ' +
        'restarted: nothing of this request was stored. Retry once it is back',
    });
  });
});
