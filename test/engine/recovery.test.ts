import { afterEach, expect, it } from 'vitest';
import { type ClaimedAttempt, claimCalls } from '../../src/engine/claim.js';
import { recordContext } from '../../src/engine/event-recorder.js';
import { createRegistry } from '../../src/providers/registry.js';
import { calleePlan } from '../../src/providers/simulator/behaviour.js';
import { createSimulator } from '../../src/providers/simulator/simulator.js';
import type { Runtime } from '../../src/runtime.js';
import { txWithRetry } from '../../src/storage/transaction-retry.js';
import { recordEvents } from '../../src/storage/transitions/events.js';
import { markPlacing } from '../../src/storage/transitions/placing.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  expectCountersMatchCalls,
  insertAgentRow,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  isBatchCompleted,
  reserved,
} from '../support/engine-fixtures.js';
import { ScriptedCarrier } from '../support/scripted-carrier.js';
import { type Harness, harness, T0 } from './harness.js';

// Recovery without a double dial (docs/state-machine.md, "Lost workers and missing events"): a
// worker dies in claimed, in placing, or its calls' ends are never reported. Every path, on both
// databases, with the stepped clock. The dead worker is played by claiming (and marking placing)
// directly; the live engine does the recovery.

const WORKER_LOST = 'Attempt outcome unknown (worker lost)';
const TIMES = {
  leaseMs: 20_000,
  ringTimeoutMs: 30_000,
  maxCallMs: 120_000,
  recoveryMarginMs: 10_000,
};
const ANSWERED = { reason: 'answered' as const, outcome: 'successful' as const, durationSec: 42 };

async function setup(backend: Parameters<typeof harness>[0], provider = 'carrier', n = 1) {
  const h = await harness(backend, TIMES);
  const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0, { callsPerSecond: 5 });
  const agentId = `agent_${provider}`;
  await insertAgentRow(h.db, workspaceId, agentId, T0, provider);
  const batch = await insertQueuedBatch(h.db, {
    workspaceId,
    agentId,
    now: T0,
    phones: Array.from({ length: n }, (_, i) => reserved(i + 1)),
  });
  return { h, batch };
}

/** A worker that claims, and optionally moves its attempts on, then dies. */
async function deadWorker(
  rt: Runtime,
  upTo: 'claimed' | 'placing' | 'in_call',
  carrier?: ScriptedCarrier,
): Promise<ClaimedAttempt[]> {
  const { claimed } = await claimCalls(rt, { workerId: 'wrk_dead', max: 10 });
  if (upTo === 'claimed') return claimed;
  await rt.db.tx((q) =>
    markPlacing(q, {
      attemptIds: claimed.map((c) => c.attemptId),
      owner: 'wrk_dead',
      leaseUntil: rt.clock.now() + rt.config.leaseMs,
    }),
  );
  if (upTo === 'placing') return claimed;
  const events = claimed.map((c) => ({
    attemptId: c.attemptId,
    kind: 'accepted' as const,
    at: rt.clock.now(),
    providerCallId: carrier!.receive(c),
  }));
  await txWithRetry(rt.db, (q) => recordEvents(q, events, recordContext(rt)));
  return claimed;
}

const startWith = (h: Harness, carrier: ScriptedCarrier) =>
  h.start({
    workerId: 'wrk_live',
    providers: (events) => createRegistry([carrier.attach(events)]),
  });

describeEachDb('recovery of attempts nobody reports on', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('the move to placing is committed before the request leaves, and the lease ends with acceptance', async () => {
    const s = await setup(backend, 'carrier', 2);
    h = s.h;
    const seen: string[] = [];
    const carrier = new ScriptedCarrier({ name: 'carrier', clock: h.clock });
    const place = carrier.place.bind(carrier);
    // What any other connection sees of the attempt at the moment the request arrives.
    carrier.place = async (ref) => {
      const [row] = await h.t.db.query<{ state: string; lease_owner: string | null }>(
        'SELECT state, lease_owner FROM call_attempts WHERE id = $1',
        [ref.attemptId],
      );
      seen.push(`${row!.state} ${row!.lease_owner}`);
      return place(ref);
    };
    await startWith(h, carrier);
    await h.clock.runUntil(async () => carrier.placed.length === 2, 60_000);
    expect(seen).toEqual(['placing wrk_live', 'placing wrk_live']);
    expect((await attemptsOf(h.db, s.batch.id)).map((a) => [a.state, a.lease_owner])).toEqual([
      ['in_call', null],
      ['in_call', null],
    ]);
  });

  it('claimed: a dead worker’s attempts go back to waiting unspent and are placed once, by another', async () => {
    const s = await setup(backend, 'carrier', 2);
    h = s.h;
    const carrier = new ScriptedCarrier({ name: 'carrier', clock: h.clock });
    const dead = await deadWorker(h.rt, 'claimed');
    expect(dead).toHaveLength(2);
    await startWith(h, carrier);
    if (backend === 'postgres') {
      // Another process may still hold them: nothing moves before their lease runs out.
      await h.clock.runTo(dead[0]!.startedAt + TIMES.leaseMs - 1);
      expect((await attemptsOf(h.db, s.batch.id)).map((a) => [a.state, a.worker_id])).toEqual([
        ['claimed', 'wrk_dead'],
        ['claimed', 'wrk_dead'],
      ]);
      expect(carrier.placed).toEqual([]);
    }
    // Embedded: one process per data directory, so they are lost at once; else at lease expiry.
    await h.clock.runUntil(async () => carrier.placed.length === 2, 60_000);
    const attempts = await attemptsOf(h.db, s.batch.id);
    expect(attempts.map((a) => [a.attempt_no, a.worker_id, a.state])).toEqual([
      [1, 'wrk_live', 'in_call'],
      [1, 'wrk_live', 'in_call'],
    ]);
    // The dead worker's attempts are gone (never sent), each call asked for once.
    expect(attempts.map((a) => a.id).filter((id) => dead.some((d) => d.attemptId === id))).toEqual(
      [],
    );
    expect(carrier.placed.map((p) => p.attemptId).sort()).toEqual(attempts.map((a) => a.id).sort());
    for (const a of attempts) await carrier.end(a.id, { ...ANSWERED, endedAt: h.clock.now() });
    await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 60_000);
    expect((await callsOf(h.db, s.batch.id)).map((c) => [c.state, c.attempts])).toEqual([
      ['completed', 1],
      ['completed', 1],
    ]);
    await expectCountersMatchCalls(h.db, s.batch.id);
  });

  it('placing: callbacks that arrive while recovery waits for them settle it, without a lookup', async () => {
    const s = await setup(backend);
    h = s.h;
    const carrier = new ScriptedCarrier({ name: 'carrier', clock: h.clock });
    const [dead] = await deadWorker(h.rt, 'placing');
    carrier.receive(dead!);
    await startWith(h, carrier);
    await h.clock.runTo(T0 + TIMES.leaseMs + 15_000);
    const [waiting] = await attemptsOf(h.db, s.batch.id);
    // The worker is taken for lost; the callbacks are waited for until ring timeout + margin.
    expect(waiting).toMatchObject({
      state: 'placing',
      lease_owner: null,
      check_at: dead!.startedAt + TIMES.ringTimeoutMs + TIMES.recoveryMarginMs,
    });
    await carrier.report({ attemptId: dead!.attemptId, kind: 'ringing', at: h.clock.now() });
    await carrier.end(dead!.attemptId, { ...ANSWERED, endedAt: h.clock.now() });
    await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 60_000);
    const [attempt] = await attemptsOf(h.db, s.batch.id);
    expect(attempt).toMatchObject({ id: dead!.attemptId, state: 'ended', reason: 'answered' });
    expect(attempt!.provider_call_id).toBe(carrier.callIdOf(dead!.attemptId));
    expect(carrier.lookups).toEqual([]);
    expect(carrier.placed).toHaveLength(1);
  });

  it('placing: with no callback, it is looked up after ring timeout + margin, adopted, and ends as reported', async () => {
    const s = await setup(backend);
    h = s.h;
    const carrier = new ScriptedCarrier({ name: 'carrier', clock: h.clock });
    const [dead] = await deadWorker(h.rt, 'placing');
    carrier.receive(dead!);
    await startWith(h, carrier);
    const lookAt = dead!.startedAt + TIMES.ringTimeoutMs + TIMES.recoveryMarginMs;
    await h.clock.runTo(lookAt - 1);
    expect(carrier.lookups).toEqual([]);
    await h.clock.runUntil(async () => carrier.lookups.length > 0, 60_000);
    await h.clock.advance(0);
    const [adopted] = await attemptsOf(h.db, s.batch.id);
    expect(adopted).toMatchObject({
      state: 'in_call',
      lease_owner: null,
      provider_call_id: carrier.callIdOf(dead!.attemptId),
      check_at: dead!.startedAt + TIMES.ringTimeoutMs + TIMES.maxCallMs + TIMES.recoveryMarginMs,
    });
    await carrier.end(dead!.attemptId, { ...ANSWERED, endedAt: h.clock.now() });
    await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 60_000);
    expect(await callsOf(h.db, s.batch.id)).toMatchObject([{ state: 'completed', attempts: 1 }]);
    expect(carrier.placed).toHaveLength(1);
    expect(carrier.lookups).toHaveLength(1);
  });

  it('placing: a request that never reached a carrier able to prove it is released unspent and placed once', async () => {
    const s = await setup(backend);
    h = s.h;
    const carrier = new ScriptedCarrier({ name: 'carrier', clock: h.clock });
    const [dead] = await deadWorker(h.rt, 'placing');
    await startWith(h, carrier);
    await h.clock.runUntil(async () => carrier.placed.length === 1, 5 * 60_000);
    expect(carrier.lookups).toEqual([dead!.attemptId]);
    expect(h.clock.now()).toBeGreaterThanOrEqual(
      dead!.startedAt + TIMES.ringTimeoutMs + TIMES.recoveryMarginMs,
    );
    const attempts = await attemptsOf(h.db, s.batch.id);
    expect(attempts.map((a) => [a.attempt_no, a.worker_id])).toEqual([[1, 'wrk_live']]);
    expect(attempts[0]!.id).not.toBe(dead!.attemptId);
    await carrier.end(attempts[0]!.id, { ...ANSWERED, endedAt: h.clock.now() });
    await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 60_000);
    expect(await callsOf(h.db, s.batch.id)).toMatchObject([{ state: 'completed', attempts: 1 }]);
  });

  it.each([
    ['cannot prove a call’s absence', { provesAbsence: false }],
    ['cannot look calls up', { lookupByAttempt: false, lookupByCallId: false }],
  ])(
    'placing: a provider that %s leaves "Attempt outcome unknown", never a second request',
    async (_, caps) => {
      const s = await setup(backend);
      h = s.h;
      const carrier = new ScriptedCarrier({ name: 'carrier', clock: h.clock, capabilities: caps });
      await deadWorker(h.rt, 'placing');
      await startWith(h, carrier);
      await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 5 * 60_000);
      expect(await callsOf(h.db, s.batch.id)).toMatchObject([
        { state: 'failed', attempts: 1, error: WORKER_LOST, last_reason: 'unknown' },
      ]);
      expect(await attemptsOf(h.db, s.batch.id)).toMatchObject([
        { state: 'ended', reason: 'unknown', error: WORKER_LOST },
      ]);
      expect(carrier.placed).toEqual([]);
      await expectCountersMatchCalls(h.db, s.batch.id);
    },
  );

  it('in_call: an end the carrier never reported is looked up at the deadline and settled as it says', async () => {
    const s = await setup(backend);
    h = s.h;
    const carrier = new ScriptedCarrier({ name: 'carrier', clock: h.clock });
    const [dead] = await deadWorker(h.rt, 'in_call', carrier);
    await startWith(h, carrier);
    // The call ended at the carrier; its callback was lost.
    await carrier.end(dead!.attemptId, { ...ANSWERED, endedAt: T0 + 50_000 }, false);
    const deadline =
      dead!.startedAt + TIMES.ringTimeoutMs + TIMES.maxCallMs + TIMES.recoveryMarginMs;
    await h.clock.runTo(deadline - 1);
    expect(carrier.lookups).toEqual([]);
    expect(await callsOf(h.db, s.batch.id)).toMatchObject([{ state: 'active' }]);
    await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 60_000);
    expect(carrier.lookups).toEqual([dead!.attemptId]);
    expect(await callsOf(h.db, s.batch.id)).toMatchObject([
      { state: 'completed', outcome: 'successful', duration: 42, end_time: T0 + 50_000 },
    ]);
    expect(carrier.placed).toHaveLength(1);
  });

  it('in_call: still going past the deadline, it is hung up when possible and asked again, never guessed', async () => {
    const s = await setup(backend);
    h = s.h;
    const carrier = new ScriptedCarrier({ name: 'carrier', clock: h.clock });
    const [dead] = await deadWorker(h.rt, 'in_call', carrier);
    await startWith(h, carrier);
    await h.clock.runUntil(async () => carrier.hangUps.length > 0, 5 * 60_000);
    expect(carrier.hangUps).toEqual([dead!.attemptId]);
    await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 60_000);
    expect(carrier.lookups).toEqual([dead!.attemptId, dead!.attemptId]);
    expect(await callsOf(h.db, s.batch.id)).toMatchObject([{ state: 'completed', attempts: 1 }]);
  });

  it('in_call: a carrier that cannot answer now is asked again, and its answer settles the call', async () => {
    const s = await setup(backend, 'carrier', 2);
    h = s.h;
    const carrier = new ScriptedCarrier({
      name: 'carrier',
      clock: h.clock,
      capabilities: { hangUp: false },
    });
    const [first, second] = await deadWorker(h.rt, 'in_call', carrier);
    await carrier.end(first!.attemptId, { ...ANSWERED, endedAt: T0 + 60_000 }, false);
    await carrier.end(second!.attemptId, { ...ANSWERED, endedAt: T0 + 60_000 }, false);
    carrier.lookupFails = true;
    await startWith(h, carrier);
    await h.clock.runUntil(async () => carrier.lookups.length >= 4, 10 * 60_000);
    // Each failed lookup proved nothing: both still in progress, nothing guessed.
    expect((await callsOf(h.db, s.batch.id)).map((c) => c.state)).toEqual(['active', 'active']);
    carrier.lookupFails = false;
    await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 5 * 60_000);
    expect((await callsOf(h.db, s.batch.id)).map((c) => c.state)).toEqual([
      'completed',
      'completed',
    ]);
    expect(carrier.placed).toHaveLength(2);
  });

  it('in_call: a provider that cannot look calls up leaves "Attempt outcome unknown" at the deadline', async () => {
    const s = await setup(backend);
    h = s.h;
    const carrier = new ScriptedCarrier({
      name: 'carrier',
      clock: h.clock,
      capabilities: { lookupByAttempt: false, lookupByCallId: false, hangUp: false },
    });
    const [dead] = await deadWorker(h.rt, 'in_call', carrier);
    await startWith(h, carrier);
    const deadline =
      dead!.startedAt + TIMES.ringTimeoutMs + TIMES.maxCallMs + TIMES.recoveryMarginMs;
    await h.clock.runTo(deadline - 1);
    expect(await callsOf(h.db, s.batch.id)).toMatchObject([{ state: 'active' }]);
    await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 60_000);
    expect(await callsOf(h.db, s.batch.id)).toMatchObject([
      { state: 'failed', attempts: 1, error: WORKER_LOST, last_reason: 'unknown' },
    ]);
    expect(carrier.lookups).toEqual([]);
    expect(carrier.placed).toHaveLength(1);
  });

  it("in_call with the simulator: a lost worker's call is looked up a margin after the end it announced, not at the general deadline", async () => {
    const s = await setup(backend, 'simulator');
    h = s.h;
    // The dead worker's simulator: it accepts, then its process dies with the events.
    const deadSim = createSimulator({
      clock: h.clock,
      speed: 1,
      events: { record: async () => {} },
    });
    const [dead] = await deadWorker(h.rt, 'placing');
    const placed = await deadSim.place(dead!);
    if (!placed.accepted || placed.endsBy === undefined) throw new Error('expected an end time');
    const endsBy = placed.endsBy;
    await txWithRetry(h.db, (q) =>
      recordEvents(
        q,
        [
          {
            attemptId: dead!.attemptId,
            kind: 'accepted',
            at: h.clock.now(),
            providerCallId: placed.providerCallId,
            endsBy,
          },
        ],
        recordContext(h.rt),
      ),
    );
    const lookups: string[] = [];
    await h.start({
      providers: (events) => {
        const sim = createSimulator({ clock: h.clock, speed: 1, events });
        return createRegistry([
          {
            ...sim,
            lookup: (ref) => {
              lookups.push(ref.attemptId);
              return sim.lookup!(ref);
            },
          },
        ]);
      },
    });
    await h.clock.runTo(endsBy + TIMES.recoveryMarginMs - 1);
    // (The embedded database's first pass takes every open attempt as a dead process's at once.)
    if (backend === 'postgres') expect(lookups).toEqual([]);
    const took = await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 60_000);
    // Settled within one recovery pass of endsBy + margin; the general deadline is minutes later.
    expect(took).toBeLessThanOrEqual(TIMES.leaseMs);
    expect(endsBy + TIMES.recoveryMarginMs + took).toBeLessThan(
      dead!.startedAt + TIMES.ringTimeoutMs + TIMES.maxCallMs,
    );
    expect(new Set(lookups)).toEqual(new Set([dead!.attemptId]));
    const [a] = await attemptsOf(h.db, s.batch.id);
    expect(a).toMatchObject({ worker_id: 'wrk_dead', state: 'ended', ended_at: endsBy });
  });

  it('a worker lost with simulated calls: the simulator answers from their timelines, never a redial', async () => {
    const s = await setup(backend, 'simulator', 2);
    h = s.h;
    const placed: string[] = [];
    const dead = await deadWorker(h.rt, 'placing');
    await h.start({
      providers: (events) => {
        const sim = createSimulator({ clock: h.clock, speed: 1, events });
        return createRegistry([
          {
            ...sim,
            place: (ref) => {
              placed.push(ref.attemptId);
              return sim.place(ref);
            },
          },
        ]);
      },
    });
    await h.clock.runUntil(() => isBatchCompleted(h.db, s.batch.id), 60 * 60_000);
    expect(placed).toEqual([]);
    const calls = await callsOf(h.db, s.batch.id);
    const attempts = await attemptsOf(h.db, s.batch.id);
    expect(attempts.map((a) => a.id).sort()).toEqual(dead.map((d) => d.attemptId).sort());
    for (const c of calls) {
      const a = attempts.find((x) => x.call_id === c.id)!;
      const plan = calleePlan(c.phone_number, 1);
      // Settled as its timeline went (its events died with the worker): the callee's result.
      expect(a).toMatchObject({ worker_id: 'wrk_dead', state: 'ended', reason: plan.reason });
      expect(a.ended_at).toBe(
        a.started_at + Math.round(plan.ringSec * 1000) + Math.round(plan.talkSec * 1000),
      );
      expect(c).toMatchObject({ state: 'completed', attempts: 1, end_time: a.ended_at });
      expect(c.transcript).toMatch(/^Agent: Hello John\d, this is Ava from Acme\./);
    }
    await expectCountersMatchCalls(h.db, s.batch.id);
  });
});
