import { afterEach, expect, it } from 'vitest';
import { cancelBatch } from '../../src/cancel/cancellation.js';
import { engineMetrics } from '../../src/engine/engine-metrics.js';
import type { TelephonyProvider } from '../../src/providers/provider.js';
import { createRegistry } from '../../src/providers/registry.js';
import { createSimulator } from '../../src/providers/simulator/simulator.js';
import type { Runtime } from '../../src/runtime.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  engineRuntime,
  expectCountersMatchCalls,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  isBatchCompleted,
  reserved,
  trackDb,
} from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

// Calls that run without a worker waiting on them, and what stopping an engine does with what it
// holds (docs/state-machine.md, "Shutdown").

/** Providers built around the engine's recording path: the simulator, counting its requests. */
function countingSimulator(rt: Runtime) {
  const placed: string[] = [];
  /** The end the simulator announced for each accepted call (`endsBy`). */
  const endsBy: number[] = [];
  const providers = (events: Parameters<typeof createSimulator>[0]['events']) => {
    const sim = createSimulator({ clock: rt.clock, speed: 1, events });
    const provider: TelephonyProvider = {
      ...sim,
      place: async (ref) => {
        placed.push(ref.phoneNumber);
        const r = await sim.place(ref);
        if (r.accepted && r.endsBy !== undefined) endsBy.push(r.endsBy);
        return r;
      },
    };
    return createRegistry([provider]);
  };
  return { providers, placed, endsBy };
}

describeEachDb('engine shutdown and calls in progress', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('a long call holds no lease: no engine takes it over, and its own events end it once', async () => {
    h = await harness(backend, { leaseMs: 30_000 });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(900)],
    });
    const other =
      backend === 'postgres' && h.t.url
        ? engineRuntime(trackDb(await openPostgres(h.t.url, { max: 3 })), h.clock, h.rt.config)
        : h.rt;
    try {
      const sim = countingSimulator(h.rt);
      await h.start({ workerId: 'wrk_a', providers: sim.providers });
      await h.start({ workerId: 'wrk_b', providers: sim.providers }, other);
      const seen = new Set<string>();
      let startedAt = 0;
      await h.clock.runUntil(async () => {
        const [a] = await attemptsOf(h.db, batch.id);
        // Carrier accepted: held by no worker, checked only at its deadline — a margin after the
        // end the simulator announced, well before the longest call allowed would end.
        if (a && a.state !== 'ended') {
          startedAt = a.started_at;
          seen.add(`${a.state} ${a.lease_owner} ${a.check_at}`);
        }
        return isBatchCompleted(h.db, batch.id);
      }, 30 * 60_000);
      const { ringTimeoutMs, maxCallMs, recoveryMarginMs } = h.rt.config;
      expect(sim.endsBy).toHaveLength(1);
      const announcedEnd = sim.endsBy[0]!;
      expect(announcedEnd + recoveryMarginMs).toBeLessThan(
        startedAt + ringTimeoutMs + maxCallMs + recoveryMarginMs,
      );
      expect([...seen]).toEqual([`in_call null ${announcedEnd + recoveryMarginMs}`]);
      // Twenty lease periods went by without a heartbeat, and recovery never had to step in.
      expect(await (await engineMetrics(h.rt).recoveries.get()).values).toEqual([]);
      if (other !== h.rt) expect((await engineMetrics(other).recoveries.get()).values).toEqual([]);
    } finally {
      await Promise.all(h.engines.splice(0).map((e) => e.stop(0)));
      if (other !== h.rt) await other.db.close();
    }
    const [call] = await callsOf(h.db, batch.id);
    expect(call!.duration).toBeGreaterThanOrEqual(570);
    expect(await attemptsOf(h.db, batch.id)).toMatchObject([
      { worker_id: 'wrk_a', state: 'ended', reason: 'answered' },
    ]);
  });

  it('stop() lets calls in progress finish within the grace period and starts nothing new', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const now = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1)],
    });
    const later = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      runAt: T0 + 5_000,
      phones: [reserved(2)],
    });
    const engine = await h.start();
    expect((await callsOf(h.db, now.id))[0]!.state).toBe('active');
    let stopped = false;
    const stopping = engine.stop(10 * 60_000).then(() => {
      stopped = true;
    });
    await h.clock.runUntil(async () => stopped, 10 * 60_000);
    await stopping;
    const [done] = await callsOf(h.db, now.id);
    expect(done).toMatchObject({ state: 'completed', outcome: 'successful', attempts: 1 });
    expect(h.clock.now()).toBe(done!.end_time);
    expect(await callsOf(h.db, later.id)).toMatchObject([{ state: 'waiting', attempts: 0 }]);
    // The database is the caller's to close: still usable.
    expect(await h.db.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('hands back a claimed call whose start slot had not come yet', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      callsPerSecond: 1,
    });
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1), reserved(2), reserved(3)],
    });
    const engine = await h.start();
    // One slot now, one at T0 + 1 s (within the pacing horizon): both claimed.
    const claimed = await callsOf(h.db, batch.id);
    expect(claimed.map((c) => c.state)).toEqual(['active', 'active', 'waiting']);
    let stopped = false;
    const stopping = engine.stop(10 * 60_000).then(() => {
      stopped = true;
    });
    await h.clock.runTo(T0);
    const [, second, third] = await callsOf(h.db, batch.id);
    expect(second).toMatchObject({
      state: 'waiting',
      attempts: 0,
      start_time: null,
      current_attempt_id: null,
    });
    expect(third).toMatchObject({ state: 'waiting', attempts: 0 });
    expect((await attemptsOf(h.db, batch.id)).map((a) => a.call_id)).toEqual([claimed[0]!.id]);
    await h.clock.runUntil(async () => stopped, 10 * 60_000);
    await stopping;
    expect((await callsOf(h.db, batch.id)).map((c) => c.state)).toEqual([
      'completed',
      'waiting',
      'waiting',
    ]);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('stop() sends what is already placing at its slot, hands back what is only claimed', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      callsPerSecond: 5,
    });
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1), reserved(2), reserved(3)],
    });
    const { providers, placed } = countingSimulator(h.rt);
    const engine = await h.start({ providers });
    // Slots at T0, +200 and +400 ms; each moves to placing 100 ms ahead of its slot.
    await h.clock.runTo(T0 + 150);
    expect((await attemptsOf(h.db, batch.id)).map((a) => a.state)).toEqual([
      'in_call',
      'placing',
      'claimed',
    ]);
    let stopped = false;
    const stopping = engine.stop(10 * 60_000).then(() => {
      stopped = true;
    });
    await h.clock.runUntil(async () => stopped, 10 * 60_000);
    await stopping;
    // The placing one was sent at its slot; the claimed one never, and it waits again unspent.
    expect(placed).toEqual([reserved(1), reserved(2)]);
    const calls = await callsOf(h.db, batch.id);
    expect(calls.map((c) => [c.state, c.attempts])).toEqual([
      ['completed', 1],
      ['completed', 1],
      ['waiting', 0],
    ]);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('a claimed call handed back after its batch was cancelled ends cancelled, not waiting', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      callsPerSecond: 1,
    });
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1), reserved(2), reserved(3)],
    });
    const engine = await h.start();
    expect((await callsOf(h.db, batch.id)).map((c) => c.state)).toEqual([
      'active',
      'active',
      'waiting',
    ]);
    // The cancel skips the two active calls; the second was claimed but not dialed yet.
    await cancelBatch(h.rt, workspaceId, batch.id);
    let stopped = false;
    const stopping = engine.stop(10 * 60_000).then(() => {
      stopped = true;
    });
    await h.clock.runUntil(async () => stopped, 10 * 60_000);
    await stopping;
    const [first, second, third] = await callsOf(h.db, batch.id);
    expect(first).toMatchObject({ state: 'completed', attempts: 1 });
    expect(second).toMatchObject({ state: 'cancelled', attempts: 0, current_attempt_id: null });
    expect(third).toMatchObject({ state: 'cancelled', attempts: 0 });
    expect((await attemptsOf(h.db, batch.id)).map((a) => a.call_id)).toEqual([first!.id]);
    await expectCountersMatchCalls(h.db, batch.id);
    const [b] = await h.db.query<{ status: string; completed_time: number | null }>(
      'SELECT status, completed_time FROM batches WHERE id = $1',
      [batch.id],
    );
    expect(b!.status).toBe('cancelled');
    expect(b!.completed_time).toEqual(expect.any(Number));
  });

  it('after the grace period leaves calls in progress to recovery, which settles them at once without redialing', async () => {
    h = await harness(backend, { leaseMs: 60_000 });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(900)],
    });
    const engine = await h.start({ workerId: 'wrk_old' });
    let stopped = false;
    const stopping = engine.stop(5_000).then(() => {
      stopped = true;
    });
    await h.clock.runUntil(async () => stopped, 60_000);
    await stopping;
    expect(h.clock.now()).toBe(T0 + 5_000);
    expect(await callsOf(h.db, batch.id)).toMatchObject([{ state: 'active', attempts: 1 }]);
    // Still in progress at the (simulated) carrier, whose events stopped with the engine: due
    // for a lookup at once instead of at its deadline.
    expect(await attemptsOf(h.db, batch.id)).toMatchObject([
      { state: 'in_call', worker_id: 'wrk_old', check_at: T0 + 5_000 },
    ]);

    const { providers, placed } = countingSimulator(h.rt);
    await h.start({ providers });
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 30 * 60_000);
    expect(placed).toEqual([]);
    const [call] = await callsOf(h.db, batch.id);
    expect(call).toMatchObject({ state: 'completed', attempts: 1, outcome: 'successful' });
    expect(await attemptsOf(h.db, batch.id)).toHaveLength(1);
  });

  it('survives database errors in the claim loop: logs, pauses, carries on, loses nothing', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1), reserved(2), reserved(3)],
    });
    h.db.failNextTransactions(4);
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 30 * 60_000);
    const calls = await callsOf(h.db, batch.id);
    expect(calls.map((c) => [c.state, c.attempts])).toEqual([
      ['completed', 1],
      ['completed', 1],
      ['completed', 1],
    ]);
    await expectCountersMatchCalls(h.db, batch.id);
  });
});
