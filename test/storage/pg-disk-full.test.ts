// PostgreSQL with a full disk: the test database lives in a tablespace on a small tmpfs, filled
// for real. A write that needs space is a 507 with nothing of it stored, reads go on, and a
// dispatch engine stops claiming (saying so once) until space is freed, then resumes and
// finishes the batch.
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startEngine } from '../../src/engine/engine.js';
import type { Runtime } from '../../src/runtime.js';
import { migrate } from '../../src/storage/migrate.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { SteppingClock } from '../engine/stepping-clock.js';
import { postgresReachable, TEST_DATABASE_URL } from '../support/databases.js';
import { canMountSmallDisk, mountSmallDisk, type SmallDisk } from '../support/disk-mount.js';
import { quiesce, type TrackedDb, trackDb } from '../support/engine-fixtures.js';
import {
  createTestApp,
  multipart,
  seedTenant,
  type Tenant,
  type TestApp,
} from '../support/http.js';

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

/** A tablespace directory must be on this machine and owned by the server's user. */
const local = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(TEST_DATABASE_URL).hostname);
const runs = (await postgresReachable()) && canMountSmallDisk();
if (runs && !local) {
  const why = `TEST_DATABASE_URL is not on this machine (${new URL(TEST_DATABASE_URL).host})`;
  if (process.env['CI'] === 'true') throw new Error(`the PostgreSQL disk-full test needs ${why}`);
  console.warn(`\n*** SKIPPING the PostgreSQL disk-full test: ${why} ***\n`);
}

const csv = (phones: string[]) =>
  `phone_number,first_name\n${phones.map((p) => `${p},Pat`).join('\n')}\n`;
/** The simulator's numbers that answer at once (range 0): each call completes on its first try. */
const answering = (n: number) =>
  Array.from({ length: n }, (_, i) => `+150055500${String(10 + i).padStart(2, '0')}`);
/** Ordinary numbers, never dialed in this test. */
const plain = (n: number) =>
  Array.from({ length: n }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);

describe.skipIf(!runs || !local)('PostgreSQL whose disk is full', () => {
  const name = `outdial_t_disk_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  let disk: SmallDisk;
  let db: TrackedDb;
  let h: TestApp;
  let tenant: Tenant;
  const clock = new SteppingClock(T0, () => quiesce(db));
  const logs: Array<{ level: number; msg: string; err?: { code?: string } }> = [];

  beforeAll(async () => {
    disk = mountSmallDisk(24, 'postgres');
    await admin.connect();
    await admin.query(`CREATE TABLESPACE ${name} LOCATION '${disk.dir}'`);
    await admin.query(`CREATE DATABASE ${name} TABLESPACE ${name}`);
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    db = trackDb(await openPostgres(url.toString(), { max: 5 }));
    await migrate(db);
    tenant = await seedTenant(db, T0);
    h = await createTestApp(db, {}, clock, { checkAnswers: true });
  });

  afterAll(async () => {
    await h?.app.close();
    await db?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.query(`DROP TABLESPACE IF EXISTS ${name}`).catch(() => {});
    await admin.end();
    disk?.remove();
  });

  const upload = (phones: string[]) => {
    const body = multipart({ agentId: tenant.agentId }, { content: csv(phones) });
    return h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: { ...tenant.headers, ...body.headers },
      payload: body.payload,
    });
  };
  const get = (url: string) => h.app.inject({ method: 'GET', url, headers: tenant.headers });
  const counts = async () => {
    const [row] = await db.query<{ batches: number; calls: number }>(
      'SELECT (SELECT count(*) FROM batches)::int AS batches, (SELECT count(*) FROM calls)::int AS calls',
    );
    return row!;
  };

  /** Fills the tablespace with a table of its own until PostgreSQL reports disk_full. */
  async function fill(): Promise<void> {
    await db.query('CREATE TABLE filler (body text)');
    for (let i = 0; ; i++) {
      try {
        // Random text, so that TOAST cannot compress it: every MB takes a MB.
        await db.query(
          `INSERT INTO filler SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 32768)`,
        );
      } catch (err) {
        expect((err as { code?: string }).code).toBe('53100');
        return;
      }
      if (i > 1000) throw new Error('the tablespace never filled');
    }
  }

  it('answers 507 to a write that needs space, stores nothing of it, and a dispatch engine pauses until space is freed', async () => {
    const first = await upload(answering(10));
    expect(first.statusCode).toBe(200);
    const batchId: string = first.json().batchId;

    await fill();
    const before = await counts();
    const refused = await upload(plain(2_000));
    expect(refused.statusCode).toBe(507);
    expect(refused.json()).toEqual({
      error: 'Insufficient storage',
      message: expect.stringContaining("The database server's disk is full"),
    });
    expect(await counts()).toEqual(before);
    // Reads go on.
    expect((await get(`/v1/api/batch-calls/${batchId}/status`)).statusCode).toBe(200);

    // The engine's claims need space too: it stops claiming and says so once, however long.
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const rt: Runtime = {
      config: { ...loadConfig({ DATABASE_URL: 'memory://' }), pollMs: 1_000 },
      db,
      clock,
      log: pino({ level: 'info' }, sink),
      wake: () => {},
    };
    const engine = await startEngine(rt);
    try {
      await clock.advance(120_000);
      const says = (msg: RegExp) => logs.filter((e) => msg.test(e.msg));
      const paused = says(/^claiming paused: the database cannot serve/);
      expect(paused).toHaveLength(1);
      expect(paused[0]!.err?.code).toBe('53100');
      expect(says(/^claim failed/)).toEqual([]);
      expect((await get(`/v1/api/batch-calls/${batchId}/status`)).json()).toMatchObject({
        waiting: 10,
        active: 0,
      });

      // Space freed: claims succeed again, once said, and the batch runs to its end.
      disk.resize(64);
      await clock.runUntil(
        async () => (await get(`/v1/api/batch-calls/${batchId}`)).json().isComplete === true,
        600_000,
      );
      expect(says(/^claiming resumed/)).toHaveLength(1);
      expect(says(/^claiming paused/)).toHaveLength(1);
      const done = (await get(`/v1/api/batch-calls/${batchId}`)).json();
      expect(done).toMatchObject({ status: 'completed' });
      expect(done.progress).toMatchObject({ completed: 10, failed: 0, waiting: 0, active: 0 });

      // And the upload refused before now goes in.
      expect((await upload(plain(2_000))).statusCode).toBe(200);
    } finally {
      await engine.stop(0);
    }
  });
});
