import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { DNC_CANCELLED_ERROR } from '../../src/domain/call-state.js';
import { claimCalls } from '../../src/engine/claim.js';
import { createTestDb, postgresReachable, type TestDb } from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  engineRuntime,
  expectCountersMatchCalls,
  insertQueuedBatch,
  reserved,
} from '../support/engine-fixtures.js';
import { FakeClock } from '../support/fake-clock.js';
import { createTestApp, seedTenant, type TestApp } from '../support/http.js';
import { T0 } from './harness.js';

// Ext §18 at claim vs a concurrent do-not-call listing (PostgreSQL; PGlite runs one transaction
// at a time). A listing committed before the claim's transaction is seen by it: the lookup is a
// statement of its own, run after the due calls are locked, under READ COMMITTED (see
// cancelListedDueCalls in src/storage/transitions/cancel.ts). This holds the claim open at its
// carrier-bucket lock — after its transaction began, before its lookup — lists a number through
// the API meanwhile, and lets the claim go on: even that listing is honoured.

const pgOk = await postgresReachable();

(pgOk ? describe : describe.skip)('do-not-call listing vs a claim in flight [postgres]', () => {
  let t: TestDb | undefined;
  let api: TestApp | undefined;
  let admin: pg.Client | undefined;
  let monitor: pg.Client | undefined;
  afterEach(async () => {
    await admin?.end();
    await monitor?.end();
    await api?.app.close();
    await t?.close();
    t = api = admin = monitor = undefined;
  });

  it('a number listed while the claim’s transaction is open is cancelled by it, never dialed', async () => {
    t = await createTestDb('postgres');
    const clock = new FakeClock(T0);
    api = await createTestApp(t.db, {}, clock);
    const tenant = await seedTenant(t.db, T0, 'dnc-race');
    const rt = engineRuntime(t.db, clock);
    const listed = reserved(1);
    const batch = await insertQueuedBatch(t.db, {
      workspaceId: tenant.workspaceId,
      agentId: tenant.agentId,
      now: T0,
      phones: [listed, reserved(2)],
    });
    const bucket = { provider: 'simulator', account: 'acct_race', callsPerSecond: 5 };
    await t.db.query(
      'INSERT INTO pacing_buckets (provider, account, calls_per_second) VALUES ($1, $2, $3)',
      [bucket.provider, bucket.account, bucket.callsPerSecond],
    );
    admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    monitor = new pg.Client({ connectionString: t.url });
    await monitor.connect();
    await admin.query('BEGIN');
    await admin.query('SELECT 1 FROM pacing_buckets WHERE account = $1 FOR UPDATE', [
      bucket.account,
    ]);

    const claiming = claimCalls(rt, {
      workerId: 'wrk_race',
      max: 10,
      carrierPacing: () => bucket,
    });
    for (let i = 0; ; i++) {
      const { rows } = await monitor.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (rows[0]!.n >= 1) break;
      if (i > 500) throw new Error('the claim never waited for the carrier bucket');
      await new Promise((r) => setTimeout(r, 10));
    }
    // The claim's transaction is open, its due calls not read yet: the number is listed.
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/api/dnc',
      headers: tenant.headers,
      payload: { phoneNumbers: [listed] },
    });
    expect(res.json()).toEqual({ added: 1, alreadyListed: 0 });
    await admin.query('COMMIT');

    const { claimed } = await claiming;
    const calls = await callsOf(t.db, batch.id);
    expect(claimed.map((c) => c.callId)).toEqual([calls[1]!.id]);
    expect(calls.map((c) => [c.phone_number, c.state, c.attempts, c.error])).toEqual([
      [listed, 'cancelled', 0, DNC_CANCELLED_ERROR],
      [reserved(2), 'active', 1, null],
    ]);
    expect((await attemptsOf(t.db, batch.id)).map((a) => a.call_id)).toEqual([calls[1]!.id]);
    await expectCountersMatchCalls(t.db, batch.id);
  });
});
