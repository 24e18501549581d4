import { afterEach, expect, it } from 'vitest';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { describeEachDb } from '../support/databases.js';
import {
  type AttemptRow,
  attemptsOf,
  callsOf,
  engineRuntime,
  expectCountersMatchCalls,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  isBatchCompleted,
  maxOverlap,
  reserved,
  trackDb,
} from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

const answering = (n: number, from = 0) => Array.from({ length: n }, (_, i) => reserved(from + i));

/** Starts in any sliding 1-second window, at most. */
function maxStartsPerSecond(attempts: readonly AttemptRow[]): number {
  const starts = attempts.map((a) => a.started_at).sort((a, b) => a - b);
  let max = 0;
  let lo = 0;
  for (let hi = 0; hi < starts.length; hi++) {
    while (starts[hi]! - starts[lo]! >= 1_000) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}

describeEachDb('engine limits', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('never has more active calls than the workspace allows, and reuses a slot the moment it frees', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      maxConcurrentCalls: 3,
      callsPerSecond: 50,
    });
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: answering(12),
    });
    await h.start();
    let peakActive = 0;
    await h.clock.runUntil(async () => {
      const rows = await h.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM calls WHERE workspace_id = $1 AND state = 'active'`,
        [workspaceId],
      );
      peakActive = Math.max(peakActive, rows[0]!.n);
      return isBatchCompleted(h.db, batch.id);
    }, 3_600_000);

    const attempts = await attemptsOf(h.db, batch.id);
    expect(attempts).toHaveLength(12);
    expect(maxOverlap(attempts)).toBe(3);
    expect(peakActive).toBe(3);
    // Capacity is released by the finishing transaction: every start after the first three
    // happens exactly when an earlier attempt ended.
    const ends = new Set(attempts.map((a) => a.ended_at));
    for (const a of attempts.slice(3)) expect(ends.has(a.started_at)).toBe(true);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it("respects a batch's maxConcurrency while other batches use the rest of the workspace", async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      maxConcurrentCalls: 6,
      callsPerSecond: 50,
    });
    const capped = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: answering(8, 0),
      maxConcurrency: 2,
    });
    const open = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0 + 1,
      runAt: T0,
      phones: answering(8, 10),
    });
    await h.start();
    await h.clock.runUntil(
      async () => (await isBatchCompleted(h.db, capped.id)) && isBatchCompleted(h.db, open.id),
      3_600_000,
    );
    const cappedAttempts = await attemptsOf(h.db, capped.id);
    const openAttempts = await attemptsOf(h.db, open.id);
    expect(maxOverlap(cappedAttempts)).toBe(2);
    expect(maxOverlap(openAttempts)).toBe(4);
    expect(maxOverlap([...cappedAttempts, ...openAttempts])).toBe(6);
  });

  it('shares a workspace between batches: a small batch started later is not held back by a big one', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      maxConcurrentCalls: 2,
      callsPerSecond: 50,
    });
    const big = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: answering(20),
    });
    const small = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0 + 1,
      phones: [reserved(90), reserved(91)],
    });
    await h.start();
    await h.clock.runUntil(
      async () => (await isBatchCompleted(h.db, big.id)) && isBatchCompleted(h.db, small.id),
      3_600_000,
    );
    const bigAttempts = await attemptsOf(h.db, big.id);
    const bigStarts = bigAttempts.map((a) => a.started_at).sort((x, y) => x - y);
    const smallAttempts = (await attemptsOf(h.db, small.id)).sort(
      (x, y) => x.started_at - y.started_at,
    );
    expect(bigStarts).toHaveLength(20);
    expect(smallAttempts).toHaveLength(2);
    const [first, second] = smallAttempts as [AttemptRow, AttemptRow];
    // Shared, not oldest-first: the small batch (due 1 ms after the big one took both slots)
    // gets the first slot that frees...
    const firstFree = Math.min(...bigAttempts.map((a) => a.ended_at!));
    expect(first.started_at).toBeGreaterThanOrEqual(firstFree);
    expect(first.started_at - firstFree).toBeLessThanOrEqual(1000 / 50);
    // ...and when its call ends, that slot is its own again (it has fewer calls in progress than
    // the big batch), one pacing step later at most, instead of after the twenty big calls.
    expect(second.started_at).toBeGreaterThanOrEqual(first.ended_at!);
    expect(second.started_at - first.ended_at!).toBeLessThanOrEqual(1000 / 50);
    expect(second.started_at).toBeLessThan(bigStarts[19]!);
  });

  it('spaces starts 1000/callsPerSecond ms apart: no 1-second window holds more than callsPerSecond', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      maxConcurrentCalls: 50,
      callsPerSecond: 2,
    });
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: answering(12),
    });
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 3_600_000);
    const attempts = await attemptsOf(h.db, batch.id);
    expect(maxStartsPerSecond(attempts)).toBe(2);
    // Smooth, not bursty: exactly one start every 500 ms from the first.
    expect(attempts.map((a) => a.started_at - T0)).toEqual(
      Array.from({ length: 12 }, (_, i) => i * 500),
    );
    // Calls are dialed in CSV order.
    const calls = await callsOf(h.db, batch.id);
    expect(calls.map((c) => c.start_time! - T0)).toEqual(
      Array.from({ length: 12 }, (_, i) => i * 500),
    );
  });

  it('keeps exact pacing at a rate that does not divide a second (3 per second)', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      maxConcurrentCalls: 50,
      callsPerSecond: 3,
    });
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: answering(15),
    });
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 3_600_000);
    const attempts = await attemptsOf(h.db, batch.id);
    expect(maxStartsPerSecond(attempts)).toBe(3);
    const starts = attempts.map((a) => a.started_at).sort((a, b) => a - b);
    for (let i = 3; i < starts.length; i++)
      expect(starts[i]! - starts[i - 3]!).toBeGreaterThanOrEqual(1_000);
  });

  it('two engines (two worker ids, two connections) never claim the same call', async () => {
    h = await harness(backend, { retryDelaysMs: [10_000, 20_000] });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      maxConcurrentCalls: 10,
      callsPerSecond: 20,
    });
    // Every reserved behaviour, several times over, plus numbers with the realistic mix.
    const phones = [
      ...Array.from({ length: 30 }, (_, i) => reserved((i % 10) * 100 + Math.floor(i / 10))),
      ...Array.from({ length: 10 }, (_, i) => `+1415555${String(1000 + i * 7).padStart(4, '0')}`),
    ].filter((p) => !p.endsWith('0900') && !p.endsWith('0901') && !p.endsWith('0902'));
    const batch = await insertQueuedBatch(h.db, { workspaceId, agentId, now: T0, phones });
    const second =
      backend === 'postgres' && h.t.url
        ? engineRuntime(trackDb(await openPostgres(h.t.url, { max: 3 })), h.clock, h.rt.config)
        : h.rt;
    try {
      await h.start({ workerId: 'wrk_a', concurrency: 5 });
      await h.start({ workerId: 'wrk_b', concurrency: 5 }, second);
      await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 3_600_000);
    } finally {
      await Promise.all(h.engines.splice(0).map((e) => e.stop(0)));
      if (second !== h.rt) await second.db.close();
    }

    const calls = await callsOf(h.db, batch.id);
    const attempts = await attemptsOf(h.db, batch.id);
    expect(calls.every((c) => c.state === 'completed' || c.state === 'failed')).toBe(true);
    for (const c of calls) {
      const mine = attempts
        .filter((a) => a.call_id === c.id)
        .sort((a, b) => a.started_at - b.started_at);
      expect(mine.map((a) => a.attempt_no)).toEqual(
        Array.from({ length: c.attempts }, (_, i) => i + 1),
      );
      expect(c.attempts).toBeLessThanOrEqual(3);
      for (let i = 1; i < mine.length; i++) {
        expect(mine[i]!.started_at).toBeGreaterThanOrEqual(mine[i - 1]!.ended_at!);
      }
    }
    // Both engines worked (each alone could not reach the workspace's 10), never past the limit.
    expect(new Set(attempts.map((a) => a.worker_id))).toEqual(new Set(['wrk_a', 'wrk_b']));
    expect(maxOverlap(attempts)).toBeLessThanOrEqual(10);
    expect(maxOverlap(attempts.filter((a) => a.worker_id === 'wrk_a'))).toBeLessThanOrEqual(5);
    expect(maxOverlap(attempts.filter((a) => a.worker_id === 'wrk_b'))).toBeLessThanOrEqual(5);
    await expectCountersMatchCalls(h.db, batch.id);
  });
});
