// The free-space check of uploads on the embedded database, on its real data directory: with
// OUTDIAL_MIN_FREE_DISK_MB above what the disk has, every upload (CSV or JSON) is refused with
// 507 before anything is stored; /readyz and /metrics report the disk. Every answer is checked
// against the app's own /openapi.json.
import { statfsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { Db } from '../../src/storage/db.js';
import { openDatabase } from '../../src/storage/open-database.js';
import { tempDir } from '../support/cli.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { createTestApp, multipart, seedTenant, type Tenant } from '../support/http.js';

const MB = 1024 * 1024;
const CSV = 'phone_number,first_name\n+14155550100,Ann\n+14155550101,Bob\n';
const RECIPIENTS = [{ phone_number: '+14155550102', first_name: 'Cy' }];

describe('free-space check of uploads (embedded database on disk)', () => {
  const tmp = tempDir('outdial-precheck-');
  let db: Db;
  let tenant: Tenant;
  const free = () => {
    const s = statfsSync(tmp.dir);
    return s.bavail * s.bsize;
  };
  /** An app on this data directory, keeping `reserveMb` free. */
  const appKeeping = (reserveMb: number, extra: Partial<Config> = {}) =>
    createTestApp(
      db,
      { database: { kind: 'pglite-dir', dataDir: tmp.dir }, minFreeDiskMb: reserveMb, ...extra },
      undefined,
      { checkAnswers: true },
    );
  // Far more than any disk here has: every upload is refused, with no disk to fill.
  const ABOVE_THE_DISK = 100_000_000;

  beforeAll(async () => {
    db = await openDatabase({ kind: 'pglite-dir', dataDir: tmp.dir });
    tenant = await seedTenant(db, Date.now());
  });
  afterAll(async () => {
    await db?.close();
    tmp.remove();
  });

  const count = async () => {
    const [row] = await db.query<{ batches: number; calls: number }>(
      'SELECT (SELECT count(*) FROM batches)::int AS batches, (SELECT count(*) FROM calls)::int AS calls',
    );
    return row!;
  };

  it('refuses a CSV and a JSON upload with 507, stores nothing, and remembers no Idempotency-Key', async () => {
    const tight = await appKeeping(ABOVE_THE_DISK);
    const before = await count();
    const form = multipart({ agentId: tenant.agentId }, { content: CSV });
    const headers = { ...tenant.headers, ...form.headers, 'idempotency-key': 'disk-retry-1' };
    const csv = await tight.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers,
      payload: form.payload,
    });
    expect(csv.statusCode).toBe(507);
    const body = csv.json();
    expect(body).toEqual({ error: 'Insufficient storage', message: expect.any(String) });
    const m =
      /^Not enough disk space for this upload: it needs about (\d+) MB, (\d+) MB free in (\S+) \(2 contacts, and (\d+) MB kept free: a WAL segment and OUTDIAL_MIN_FREE_DISK_MB\)\. Nothing was stored/.exec(
        body.message,
      );
    expect(m, body.message).not.toBeNull();
    expect(Number(m![1])).toBe(ABOVE_THE_DISK + 16 + 1);
    expect(Math.abs(Number(m![2]) * MB - free())).toBeLessThan(64 * MB);
    expect(m![3]).toBe(tmp.dir);
    expect(Number(m![4])).toBe(ABOVE_THE_DISK + 16);

    const json = await tight.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: tenant.headers,
      payload: { agentId: tenant.agentId, recipients: RECIPIENTS },
    });
    expect(json.statusCode).toBe(507);
    expect(json.json().error).toBe('Insufficient storage');
    expect(await count()).toEqual(before);

    // Checking a file stores nothing: not refused.
    const check = multipart({ agentId: tenant.agentId }, { content: CSV });
    const validated = await tight.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls/validate',
      headers: { ...tenant.headers, ...check.headers },
      payload: check.payload,
    });
    expect(validated.statusCode).toBe(200);
    await tight.app.close();

    // With room, the same request and key create the batch: the refusal was not remembered.
    const roomy = await appKeeping(1);
    const retried = await roomy.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers,
      payload: form.payload,
    });
    expect(retried.statusCode).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await count()).toEqual({ batches: before.batches + 1, calls: before.calls + 2 });
    await roomy.app.close();
  });

  it('OUTDIAL_MIN_FREE_DISK_MB=0 turns the check off', async () => {
    const off = await appKeeping(0);
    const res = await off.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: tenant.headers,
      payload: { agentId: tenant.agentId, recipients: RECIPIENTS },
    });
    expect(res.statusCode).toBe(200);
    await off.app.close();
  });

  it('/readyz reports the disk low while uploads are refused, ok with room; /metrics exports it', async () => {
    const tight = await appKeeping(ABOVE_THE_DISK);
    const low = await tight.app.inject({ method: 'GET', url: '/readyz' });
    expect(low.statusCode).toBe(200);
    expect(low.json()).toEqual({
      status: 'ready',
      disk: {
        status: 'low',
        path: tmp.dir,
        freeBytes: expect.any(Number),
        minFreeBytes: (ABOVE_THE_DISK + 16) * MB,
      },
    });
    expect(Math.abs(low.json().disk.freeBytes - free())).toBeLessThan(64 * MB);

    const metrics = (await tight.app.inject({ method: 'GET', url: '/metrics' })).body;
    const gauge = (name: string) =>
      Number(new RegExp(`^${name}\\{path="${tmp.dir}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(Math.abs(gauge('outdial_data_dir_free_bytes') - free())).toBeLessThan(64 * MB);
    expect(gauge('outdial_data_dir_min_free_bytes')).toBe((ABOVE_THE_DISK + 16) * MB);
    await tight.app.close();

    const roomy = await appKeeping(1);
    const ok = await roomy.app.inject({ method: 'GET', url: '/readyz' });
    expect(ok.json()).toMatchObject({
      status: 'ready',
      disk: { status: 'ok', minFreeBytes: 17 * MB },
    });
    await roomy.app.close();
  });
});

describeEachDb('without a local disk (memory://, PostgreSQL)', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(backend);
  });
  afterAll(async () => t?.close());

  it('no check, no disk in /readyz, no disk series in /metrics', async () => {
    const database: Config['database'] =
      backend === 'postgres' ? { kind: 'postgres', url: t.url! } : { kind: 'pglite-memory' };
    const h = await createTestApp(t.db, { database, minFreeDiskMb: 100_000_000 }, undefined, {
      checkAnswers: true,
    });
    const tenant = await seedTenant(t.db, Date.now());
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: tenant.headers,
      payload: { agentId: tenant.agentId, recipients: RECIPIENTS },
    });
    expect(res.statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
    });
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).not.toMatch(/^outdial_data_dir_free_bytes/m);
    expect(metrics).toContain('# TYPE outdial_data_dir_free_bytes gauge');
    await h.app.close();
  });
});
