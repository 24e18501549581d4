import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { newId } from '../../src/domain/ids.js';
import { PACING_HORIZON_MS } from '../../src/domain/pacing.js';
import { claimCalls } from '../../src/engine/claim.js';
import { type Engine, startEngine } from '../../src/engine/engine.js';
import { recordContext } from '../../src/engine/event-recorder.js';
import type { Db } from '../../src/storage/db.js';
import { readProgress } from '../../src/storage/progress-repo.js';
import { txWithRetry } from '../../src/storage/transaction-retry.js';
import { startAttempts } from '../../src/storage/transitions/claim.js';
import { recordEvents } from '../../src/storage/transitions/events.js';
import { attemptIdOf, insertBatch } from '../support/batch-fixtures.js';
import {
  createTestDb,
  describeEachDb,
  postgresReachable,
  type TestDb,
} from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  engineRuntime,
  expectCountersMatchCalls,
  insertQueuedBatch,
  reserved,
} from '../support/engine-fixtures.js';
import { createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';
import { type Harness, harness, T0 } from './harness.js';

// "A job claimed concurrently with a cancel is either cancelled or runs — never both, never lost."
// Part 1 (both databases): the real engine, on a stepped clock then in real time with several
// workers. Part 2 (PostgreSQL; PGlite runs one transaction at a time): each race held at its
// critical point with row locks.

/** Call i of a batch mixing answers, voicemail, unreachable, busy (retried), busy-then-answer. */
const mixedPhone = (i: number) => reserved([0, 300, 400, 100, 500, 0, 600, 0][i % 8]! + i);

/**
 * What a cancel must leave once everything it let finish has finished: every call terminal;
 * cancelled ones never in progress after the cancel, the others run; one attempt row per attempt;
 * no dial started after the cancel; counters equal to the calls; the cancel's count final.
 */
async function expectCancelOutcome(db: Db, batchId: string, cancelledCalls: number) {
  const cancelledAt = (
    await db.query<{ cancelled_at: number }>('SELECT cancelled_at FROM batches WHERE id = $1', [
      batchId,
    ])
  )[0]!.cancelled_at;
  const calls = await callsOf(db, batchId);
  const attempts = await attemptsOf(db, batchId);
  let cancelled = 0;
  for (const c of calls) {
    const mine = attempts.filter((a) => a.call_id === c.id);
    expect(mine.map((a) => a.attempt_no).sort()).toEqual(
      Array.from({ length: c.attempts }, (_, i) => i + 1),
    );
    for (const a of mine) expect(a.ended_at).not.toBeNull();
    if (c.state === 'cancelled') {
      cancelled++;
      expect(c.error).toBe('Batch cancelled');
      // The cancel's time; later only for a call whose attempt ended while the cancel ran.
      expect(c.terminal_at).toBeGreaterThanOrEqual(cancelledAt);
      if (c.terminal_at !== cancelledAt) expect(c.attempts).toBeGreaterThan(0);
      expect(c.end_time).toBe(c.attempts > 0 ? c.terminal_at : null);
      // Whatever it had done was over when it was cancelled: a cancelled call never ran after.
      for (const a of mine) expect(a.ended_at!).toBeLessThanOrEqual(c.terminal_at!);
    } else {
      expect(['completed', 'failed']).toContain(c.state);
      expect(c.attempts).toBeGreaterThanOrEqual(1);
    }
  }
  expect(cancelled).toBe(cancelledCalls);
  // A call claimed just before the cancel keeps its paced slot, at most a horizon later.
  expect(attempts.filter((a) => a.started_at > cancelledAt + PACING_HORIZON_MS)).toEqual([]);
  await expectCountersMatchCalls(db, batchId);
}

describeEachDb('cancelling a batch while the engine runs it', (backend) => {
  let h: Harness | undefined;
  let api: TestApp | undefined;
  let t: TestDb | undefined;
  let engines: Engine[] = [];
  afterEach(async () => {
    await Promise.all(engines.map((e) => e.stop(0)));
    engines = [];
    await api?.app.close();
    await h?.close();
    await t?.close();
    api = h = t = undefined;
  });

  it('at any point of a batch’s life (stepped clock): cancelled or run, never both, never lost', async () => {
    const e = await harness(backend);
    h = e;
    api = await createTestApp(e.db, {}, e.clock);
    const tenant: Tenant = await seedTenant(e.db, T0, 'race');
    await e.db.query(
      'UPDATE workspaces SET max_concurrent_calls = 4, calls_per_second = 4 WHERE id = $1',
      [tenant.workspaceId],
    );
    await e.start();
    // Cancel before the first claim, mid first wave, after some ended, with retries waiting and
    // busy calls in progress (their finish after the cancel must not schedule a retry).
    for (const offset of [0, 1_100, 4_000, 45_000, 150_000]) {
      const batch = await insertQueuedBatch(e.db, {
        workspaceId: tenant.workspaceId,
        agentId: tenant.agentId,
        now: e.clock.now(),
        phones: Array.from({ length: 24 }, (_, i) => mixedPhone(i)),
      });
      await e.clock.advance(offset);
      // The stepped clock lets the engine settle before it moves, so this cancel lands between
      // two engine steps; the real-time test below makes them overlap.
      const res = await api!.app.inject({
        method: 'DELETE',
        url: `/v1/api/batch-calls/${batch.id}`,
        headers: tenant.headers,
      });
      expect(res.statusCode, `offset ${offset}`).toBe(200);
      const details = res.json().details;
      expect(
        details.completedCalls + details.failedCalls + details.cancelledCalls + details.activeCalls,
      ).toBe(24);

      await e.clock.runUntil(async () => {
        const p = await readProgress(e.db, batch.id);
        return p.waiting === 0 && p.active === 0;
      }, 3_600_000);

      await expectCancelOutcome(e.db, batch.id, details.cancelledCalls);
      const status = await api!.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batch.id}/status`,
        headers: tenant.headers,
      });
      expect(status.json()).toMatchObject({ status: 'cancelled', isComplete: true, total: 24 });
    }
  }, 600_000);

  it('under real-time load from several workers: cancelled or run, never both, never lost', async () => {
    // Real time and a 1000x simulator: claims and finishes run on their own, from several
    // connections, while the cancel's transaction runs. Busy and no-answer numbers (ranges 100,
    // 200) retry, so finishes and cancels race on the same rows.
    const overrides = { simSpeed: 1_000, pollMs: 20, retryDelaysMs: [20] };
    t = await createTestDb(backend);
    const rt = engineRuntime(t.db, systemClock, overrides);
    api = await createTestApp(t.db, overrides, systemClock);
    const tenant = await seedTenant(t.db, Date.now(), 'load');
    await t.db.query(
      'UPDATE workspaces SET max_concurrent_calls = 20, calls_per_second = 200 WHERE id = $1',
      [tenant.workspaceId],
    );
    engines.push(await startEngine(rt));
    if (backend === 'postgres') engines.push(await startEngine(rt), await startEngine(rt));
    // Not the 0700 range: its callees opt out, so the next batch's calls to them are cancelled
    // for the do-not-call list when they come due (test/engine/do-not-call.test.ts), not by the cancel.
    const ranges = [0, 100, 200, 300, 400, 600];

    for (const delay of [5, 40, 120, 300]) {
      const batch = await insertQueuedBatch(t.db, {
        workspaceId: tenant.workspaceId,
        agentId: tenant.agentId,
        now: Date.now(),
        phones: Array.from({ length: 150 }, (_, i) =>
          reserved(ranges[i % ranges.length]! + (i % 100)),
        ),
      });
      await new Promise((r) => setTimeout(r, delay));
      const res = await api.app.inject({
        method: 'DELETE',
        url: `/v1/api/batch-calls/${batch.id}`,
        headers: tenant.headers,
      });
      expect(res.statusCode).toBe(200);
      const d = res.json().details;
      expect(d.completedCalls + d.failedCalls + d.cancelledCalls + d.activeCalls).toBe(150);
      for (let i = 0; ; i++) {
        const p = await readProgress(t.db, batch.id);
        if (p.waiting === 0 && p.active === 0) break;
        if (i > 1_200) throw new Error(`calls left unfinished: ${JSON.stringify(p)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      await expectCancelOutcome(t.db, batch.id, d.cancelledCalls);
    }
  }, 120_000);
});

const pgOk = await postgresReachable();

/** The carrier reports a busy line: a retry, normally. */
const busyEnd = (attemptId: string, at: number) => ({
  attemptId,
  kind: 'ended' as const,
  ending: { kind: 'carrier' as const, end: { reason: 'busy' as const, endedAt: at } },
});
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

(pgOk ? describe : describe.skip)('cancel vs engine, one race at a time [postgres]', () => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let admin: pg.Client;
  let monitor: pg.Client;
  afterEach(async () => {
    await admin?.end();
    await monitor?.end();
    await h?.app.close();
    await t?.close();
  });

  async function setup() {
    t = await createTestDb('postgres');
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, T0);
    admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    monitor = new pg.Client({ connectionString: t.url });
    await monitor.connect();
  }

  /** Resolves once `n` sessions wait on a lock. Not via `admin`: in its open transaction
   * pg_stat_activity would be a frozen snapshot. */
  async function blockedSessions(n: number): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const { rows } = await monitor.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (rows[0]!.n >= n) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`expected ${n} sessions waiting on a lock`);
  }

  const cancel = (batchId: string) =>
    h.app.inject({ method: 'DELETE', url: `/v1/api/batch-calls/${batchId}`, headers: a.headers });

  const states = async (batchId: string) =>
    (
      await t.db.query<{ state: string; attempts: number }>(
        'SELECT state, attempts FROM calls WHERE batch_id = $1 ORDER BY seq',
        [batchId],
      )
    ).map((c) => `${c.state}/${c.attempts}`);

  it('a claim that locked a call first wins: the call runs and the cancel reports it active', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting' }, { state: 'waiting' }],
    });
    const [first] = batch.callIds as [string];
    const locked = gate();
    const release = gate();
    // The claim transaction's own steps, paused between its lock and its writes.
    const claim = t.db.tx(async (q) => {
      await q.query('SELECT 1 FROM calls WHERE id = $1 FOR UPDATE', [first]);
      locked.open();
      await release.opened;
      const now = h.clock.now();
      await startAttempts(q, {
        workspaceId: a.workspaceId,
        workerId: 'wrk_test',
        leaseMs: 60_000,
        now,
        starts: [
          {
            callId: first,
            batchId: batch.id,
            attemptId: newId('att', now),
            startedAt: now,
            provider: 'simulator',
          },
        ],
      });
    });
    await locked.opened;
    const cancelling = cancel(batch.id);
    await blockedSessions(1);
    release.open();
    await claim;
    const res = await cancelling;
    expect(res.json().details).toEqual({
      completedCalls: 0,
      failedCalls: 0,
      cancelledCalls: 1,
      activeCalls: 1,
      totalCalls: 2,
    });
    expect(await states(batch.id)).toEqual(['active/1', 'cancelled/0']);
    await expectCountersMatchCalls(t.db, batch.id);
  });

  it('a cancel that locked the calls first wins: a claim meanwhile finds nothing to dial', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting' }, { state: 'waiting' }, { state: 'waiting' }],
    });
    // Holding the batch row pauses the cancel at its last step, with every call already locked.
    await admin.query('BEGIN');
    await admin.query('SELECT 1 FROM batches WHERE id = $1 FOR UPDATE', [batch.id]);
    const cancelling = cancel(batch.id);
    await blockedSessions(1);
    const claimed = await claimCalls(h.rt, { workerId: 'wrk_test', max: 10 });
    expect(claimed.claimed).toEqual([]);
    await admin.query('COMMIT');
    expect((await cancelling).json().details.cancelledCalls).toBe(3);
    expect(await states(batch.id)).toEqual(['cancelled/0', 'cancelled/0', 'cancelled/0']);
    expect(await t.db.query('SELECT 1 FROM call_attempts WHERE batch_id = $1', [batch.id])).toEqual(
      [],
    );
    await expectCountersMatchCalls(t.db, batch.id);
  });

  const activeBatch = () =>
    insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'active', startTime: T0 }, { state: 'waiting' }],
    });

  it('a finish that put its call back to waiting just before the cancel: the retry is cancelled', async () => {
    await setup();
    const batch = await activeBatch();
    const [callId] = batch.callIds as [string];
    const attemptId = (await attemptIdOf(t.db, callId))!;
    const locked = gate();
    const release = gate();
    // The recording transaction of a busy end (a retry: the call waits again), paused before
    // its commit.
    const finishing = t.db.tx(async (q) => {
      const outcomes = await recordEvents(
        q,
        [busyEnd(attemptId, h.clock.now())],
        recordContext(h.rt),
      );
      expect(outcomes.get(attemptId)).toMatchObject({ status: 'ended', call: { kind: 'retry' } });
      locked.open();
      await release.opened;
    });
    await locked.opened;
    const cancelling = cancel(batch.id);
    await blockedSessions(1);
    release.open();
    await finishing;
    expect((await cancelling).json().details).toEqual({
      completedCalls: 0,
      failedCalls: 0,
      cancelledCalls: 2,
      activeCalls: 0,
      totalCalls: 2,
    });
    expect(await states(batch.id)).toEqual(['cancelled/1', 'cancelled/0']);
    await expectCountersMatchCalls(t.db, batch.id);
  });

  // A finish that waits on the cancel's row lock must read the batch after the wait: a join in
  // the locking statement would see 'processing', retry, and leave the call waiting forever.
  it('a finish that waited on the cancel sees the batch cancelled and does not retry', async () => {
    await setup();
    const batch = await activeBatch();
    const [callId] = batch.callIds as [string];
    const attemptId = (await attemptIdOf(t.db, callId))!;
    await admin.query('BEGIN');
    await admin.query('SELECT 1 FROM batches WHERE id = $1 FOR UPDATE', [batch.id]);
    const cancelling = cancel(batch.id);
    await blockedSessions(1);
    // The cancel now holds the active call; the worker reports a busy line (a retry, normally).
    const finishing = txWithRetry(t.db, (q) =>
      recordEvents(q, [busyEnd(attemptId, h.clock.now())], recordContext(h.rt)),
    );
    await blockedSessions(2);
    await admin.query('COMMIT');
    expect((await cancelling).json().details.activeCalls).toBe(1);
    const outcome = (await finishing).get(attemptId);
    expect(outcome).toMatchObject({ status: 'ended', call: { kind: 'fail' } });
    // Never left waiting in a cancelled batch, where nobody would ever dial or cancel it.
    expect(await states(batch.id)).toEqual(['failed/1', 'cancelled/0']);
    await expectCountersMatchCalls(t.db, batch.id);
  });
});
