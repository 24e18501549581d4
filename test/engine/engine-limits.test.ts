import { afterEach, expect, it } from 'vitest';
import { engineMetrics } from '../../src/engine/engine-metrics.js';
import { createRegistry } from '../../src/providers/registry.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { describeEachDb } from '../support/databases.js';
import {
  type AttemptRow,
  attemptsOf,
  callsOf,
  engineRuntime,
  expectCountersMatchCalls,
  insertAgentRow,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  isBatchCompleted,
  maxOverlap,
  reserved,
  trackDb,
} from '../support/engine-fixtures.js';
import { ScriptedCarrier } from '../support/scripted-carrier.js';
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

  it('paces on time with a poll interval of an hour: the next slot wakes the dispatcher', async () => {
    h = await harness(backend, { pollMs: 3_600_000 });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      maxConcurrentCalls: 50,
      callsPerSecond: 1,
    });
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: answering(8),
    });
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 3_600_000);
    const attempts = await attemptsOf(h.db, batch.id);
    expect(attempts.map((a) => a.started_at - T0).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 8 }, (_, i) => i * 1_000),
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
      // Each may hold only a few attempts between claim and the carrier's answer, so neither can
      // take every slot of the 1-second pacing horizon on its own.
      await h.start({ workerId: 'wrk_a', maxPlacing: 3 });
      await h.start({ workerId: 'wrk_b', maxPlacing: 3 }, second);
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
    // Both engines worked, and together never past the workspace's limit.
    expect(new Set(attempts.map((a) => a.worker_id))).toEqual(new Set(['wrk_a', 'wrk_b']));
    expect(maxOverlap(attempts)).toBe(10);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('has no cap of its own: one engine runs all 500 calls a workspace allows at once', async () => {
    // Before attempts ran without a worker waiting on them, one engine ran at most 100 calls,
    // whatever the workspace allowed. Now the workspace's limit is the only one met.
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      maxConcurrentCalls: 500,
      callsPerSecond: 1_000,
    });
    // The 0900 range talks for about ten minutes: every call is still in progress when the last
    // one starts, half a second after the first.
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: Array.from({ length: 600 }, (_, i) => reserved(900 + (i % 100))),
    });
    await h.start();
    await h.clock.runTo(T0 + 2_000);
    const calls = await callsOf(h.db, batch.id);
    expect(calls.filter((c) => c.state === 'active')).toHaveLength(500);
    expect(calls.filter((c) => c.state === 'waiting')).toHaveLength(100);
    const attempts = await attemptsOf(h.db, batch.id);
    expect(attempts).toHaveLength(500);
    // Every one accepted by the carrier: held by no worker, nothing for the engine to wait on.
    expect(attempts.every((a) => a.state === 'in_call' && a.lease_owner === null)).toBe(true);
    expect(maxOverlap(attempts)).toBe(500);
    const metrics = await engineMetrics(h.rt).registry.getMetricsAsJSON();
    const value = (name: string) => metrics.find((m) => m.name === name)?.values[0]?.value;
    expect(value('outdial_engine_attempts_held')).toBe(0);
    expect(value('outdial_provider_calls_in_progress')).toBe(500);
    expect(value('outdial_engine_attempts_held_limit')).toBe(h.rt.config.maxPlacing);
    expect(h.rt.config.maxPlacing).toBeGreaterThanOrEqual(10_000);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it("paces two workspaces sharing a carrier account to the account's own limit, together", async () => {
    h = await harness(backend);
    const carrier = new ScriptedCarrier({
      name: 'carrier',
      clock: h.clock,
      account: 'AC1',
      capabilities: { callsPerSecond: 2 },
    });
    const batches = [];
    for (const name of ['one', 'two']) {
      const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0, { callsPerSecond: 10 });
      await insertAgentRow(h.db, workspaceId, `agent_${name}`, T0, 'carrier');
      batches.push(
        await insertQueuedBatch(h.db, {
          workspaceId,
          agentId: `agent_${name}`,
          now: T0,
          phones: answering(6, name === 'one' ? 0 : 10),
        }),
      );
    }
    await h.start({ providers: (events) => createRegistry([carrier.attach(events)]) });
    await h.clock.runUntil(async () => carrier.placed.length === 12, 60_000);
    const attempts = [
      ...(await attemptsOf(h.db, batches[0]!.id)),
      ...(await attemptsOf(h.db, batches[1]!.id)),
    ];
    // Each workspace alone would allow 10 per second; the account allows 2, for both together.
    expect(maxStartsPerSecond(attempts)).toBe(2);
    const starts = attempts.map((a) => a.started_at - T0).sort((a, b) => a - b);
    expect(starts).toEqual(Array.from({ length: 12 }, (_, i) => i * 500));
    // Both workspaces were served all along, not one after the other: the one the account
    // could not serve in a claim is first in line for the next.
    const [one, two] = await Promise.all(
      batches.map(async (b) => (await attemptsOf(h.db, b.id)).map((a) => a.started_at - T0)),
    );
    expect(Math.min(...two!)).toBeLessThan(Math.max(...one!));
    expect(Math.min(...one!)).toBeLessThan(Math.max(...two!));
    expect(Math.min(...one!, ...two!)).toBe(0);
    expect(
      await h.db.query('SELECT provider, account, calls_per_second FROM pacing_buckets'),
    ).toEqual([{ provider: 'carrier', account: 'AC1', calls_per_second: 2 }]);
  });
});
