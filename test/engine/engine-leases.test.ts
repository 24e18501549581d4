import { afterEach, expect, it } from 'vitest';
import { cancelBatch } from '../../src/cancel/cancellation.js';
import { claimCalls } from '../../src/engine/claim.js';
import { abortError, type TelephonyProvider } from '../../src/providers/provider.js';
import { createRegistry } from '../../src/providers/registry.js';
import { calleePlan } from '../../src/providers/simulator/behaviour.js';
import { createSimulator } from '../../src/providers/simulator/simulator.js';
import type { Runtime } from '../../src/runtime.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  engineRuntime,
  expectCountersMatchCalls,
  insertAgentRow,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  isBatchCompleted,
  reserved,
  trackDb,
} from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

const WORKER_LOST = 'Attempt outcome unknown (worker lost)';

/** The simulator, counting the dials it is asked for. */
function countingSimulator(rt: Runtime) {
  const sim = createSimulator({ clock: rt.clock, speed: 1 });
  const dialed: string[] = [];
  const provider: TelephonyProvider = {
    ...sim,
    dial: (req, signal) => {
      dialed.push(req.phoneNumber);
      return sim.dial(req, signal);
    },
  };
  return { provider, dialed };
}

/** A provider that cannot look an attempt up; its calls last until aborted. */
function blindProvider(dialed: string[]): TelephonyProvider {
  return {
    name: 'blind',
    capabilities: { lookup: false, answeringMachineDetection: false },
    dial: (req, signal) =>
      new Promise((_, reject) => {
        dialed.push(req.phoneNumber);
        signal?.addEventListener('abort', () => reject(abortError()), { once: true });
      }),
  };
}

describeEachDb('engine leases and shutdown', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('reconciles the attempts of a dead worker with the provider, never redialing them', async () => {
    h = await harness(backend, { leaseMs: 60_000 });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1), reserved(300)],
    });
    // A worker claims both calls and dies before reporting anything.
    const dead = await claimCalls(h.rt, { workerId: 'wrk_dead', max: 10 });
    expect(dead.claimed).toHaveLength(2);

    const { provider, dialed } = countingSimulator(h.rt);
    await h.start({ providers: createRegistry([provider]) });
    // Nothing is known before the lease runs out (PGlite checks at once: the calls are still
    // in progress at the provider, so they stay active).
    expect((await callsOf(h.db, batch.id)).map((c) => c.state)).toEqual(['active', 'active']);

    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 60 * 60_000);
    expect(dialed).toEqual([]);
    const calls = await callsOf(h.db, batch.id);
    const attempts = await attemptsOf(h.db, batch.id);
    expect(calls.map((c) => [c.state, c.outcome, c.attempts])).toEqual([
      ['completed', 'successful', 1],
      ['completed', 'voicemail', 1],
    ]);
    expect(attempts).toHaveLength(2);
    for (const c of calls) {
      const a = attempts.find((x) => x.call_id === c.id)!;
      const plan = calleePlan(c.phone_number, 1);
      expect(a.worker_id).toBe('wrk_dead');
      expect(a.ended_at).toBe(
        a.started_at + Math.round(plan.ringSec * 1000) + Math.round(plan.talkSec * 1000),
      );
      expect(c.end_time).toBe(a.ended_at);
      expect(c.duration).toBe(plan.talkSec);
      expect(c.transcript).toMatch(/^Agent: Hello John\d, this is Ava from Acme\./);
    }
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('fails the call "Attempt outcome unknown (worker lost)" when the provider cannot look it up', async () => {
    h = await harness(backend, { leaseMs: 60_000 });
    const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0);
    const agentId = 'agent_blind';
    await insertAgentRow(h.db, workspaceId, agentId, T0, 'blind');
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1)],
    });
    await claimCalls(h.rt, { workerId: 'wrk_dead', max: 10 });

    const dialed: string[] = [];
    await h.start({ providers: createRegistry([blindProvider(dialed)]) });
    const [atStart] = await callsOf(h.db, batch.id);
    if (backend === 'pglite') {
      // One process per data directory: an active call found at start-up is already lost.
      expect(atStart!.state).toBe('failed');
    } else {
      // Another process may still own it: nothing happens before its lease expires.
      expect(atStart!.state).toBe('active');
      await h.clock.runTo(T0 + 59_999);
      expect((await callsOf(h.db, batch.id))[0]!.state).toBe('active');
      await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 5 * 60_000);
      expect(h.clock.now()).toBeLessThanOrEqual(T0 + 60_000 + 15_000);
    }
    const [call] = await callsOf(h.db, batch.id);
    expect(call).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: WORKER_LOST,
      last_reason: 'unknown',
    });
    const [attempt] = await attemptsOf(h.db, batch.id);
    expect(attempt).toMatchObject({ reason: 'unknown', error: WORKER_LOST });
    expect(dialed).toEqual([]);
    expect(await isBatchCompleted(h.db, batch.id)).toBe(true);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('keeps the lease of a long call alive with heartbeats, so no other engine takes it over', async () => {
    h = await harness(backend, { leaseMs: 30_000, heartbeatMs: 10_000 });
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
      await h.start({ workerId: 'wrk_a' });
      await h.start({ workerId: 'wrk_b' }, other);
      const owners = new Set<string | null>();
      await h.clock.runUntil(async () => {
        const [c] = await callsOf(h.db, batch.id);
        if (c!.state === 'active') {
          owners.add(c!.lease_owner);
          expect(c!.lease_expires_at).toBeGreaterThan(h.clock.now());
        }
        return c!.state === 'completed';
      }, 30 * 60_000);
      expect(owners).toEqual(new Set(['wrk_a']));
    } finally {
      await Promise.all(h.engines.splice(0).map((e) => e.stop(0)));
      if (other !== h.rt) await other.db.close();
    }
    const [call] = await callsOf(h.db, batch.id);
    expect(call!.duration).toBeGreaterThanOrEqual(570);
    expect(await attemptsOf(h.db, batch.id)).toHaveLength(1);
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
      lease_owner: null,
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
    expect(second).toMatchObject({ state: 'cancelled', attempts: 0, lease_owner: null });
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

  it('after the grace period leaves a call in progress to the reaper, which reconciles it without redialing', async () => {
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
    const [left] = await callsOf(h.db, batch.id);
    // Still in progress at the provider; its lease is expired so a reaper can settle it at once.
    expect(left).toMatchObject({ state: 'active', attempts: 1, lease_owner: 'wrk_old' });
    expect(left!.lease_expires_at).toBe(T0 + 5_000);

    const { provider, dialed } = countingSimulator(h.rt);
    await h.start({ providers: createRegistry([provider]) });
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 30 * 60_000);
    expect(dialed).toEqual([]);
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
