import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { AttemptEvent, CarrierEnd } from '../../src/domain/attempt-event.js';
import { claimCalls } from '../../src/engine/claim.js';
import { EventRecorder, type Recorded } from '../../src/engine/event-recorder.js';
import { recoverAttempts } from '../../src/engine/maintenance/attempt-recovery.js';
import type { AttemptEventSink, TelephonyProvider } from '../../src/providers/provider.js';
import { createRegistry } from '../../src/providers/registry.js';
import { markPlacing } from '../../src/storage/transitions/placing.js';
import { type Harness, harness, T0 } from '../engine/harness.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  expectCountersMatchCalls,
  insertAgentRow,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
} from '../support/engine-fixtures.js';
import { type ConformanceTarget, EventLog } from './conformance.js';

// The second half of the conformance suite: an adapter's own events, sent through the real
// recording path (on both databases) the way carriers deliver them — twice, out of order, or
// never. Whatever the delivery, each attempt ends exactly once, with what the carrier reported;
// an event of an earlier stage arriving after the end reopens nothing; a lost end is recovered by
// asking the provider (or, if it cannot be asked, recorded as unknown), never by dialing again.

type Delivery = 'twice' | 'reversed' | 'without-end';

/** A recording path that delivers an adapter's events the way an unreliable carrier does. */
class UnreliableDelivery implements AttemptEventSink {
  readonly recorded: Recorded[] = [];
  readonly #held = new Map<string, AttemptEvent[]>();
  constructor(
    private readonly recorder: EventRecorder,
    private readonly mode: Delivery,
  ) {}

  async record(event: AttemptEvent): Promise<void> {
    const send = async (e: AttemptEvent) => this.recorded.push(await this.recorder.record(e));
    switch (this.mode) {
      case 'twice':
        await send(event);
        await send(event);
        return;
      case 'without-end':
        if (event.kind !== 'ended') await send(event);
        return;
      case 'reversed': {
        // Held until the end, then delivered last first: the end, then what led to it.
        const held = [...(this.#held.get(event.attemptId) ?? []), event];
        this.#held.set(event.attemptId, held);
        if (event.kind !== 'ended') return;
        this.#held.delete(event.attemptId);
        for (const e of held.reverse()) await send(e);
      }
    }
  }
}

export function describeRecordingConformance(target: ConformanceTarget): void {
  describeEachDb(`provider conformance through the recording path: ${target.name}`, (backend) => {
    let h: Harness;
    afterEach(() => h?.close());

    const TIMES = {
      ringTimeoutMs: 60_000,
      maxCallMs: target.maxCallMs,
      recoveryMarginMs: 30_000,
      ...target.config,
    };

    async function run(mode: Delivery) {
      h = await harness(backend, TIMES);
      const log = pino({ level: 'silent' });
      const recorder = new EventRecorder(h.rt, log, () => {});
      const delivery = new UnreliableDelivery(recorder, mode);
      // What the carrier reported, as it reported it, to compare the rows with.
      const truth = new EventLog(h.clock);
      const provider: TelephonyProvider = target.create(h.clock, {
        record: async (e) => {
          await truth.record(e);
          await delivery.record(e);
        },
      });
      const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0, { callsPerSecond: 50 });
      await insertAgentRow(h.db, workspaceId, 'agent_conf', T0, provider.name);
      const phones = [target.numbers.answers, target.numbers.busy];
      if (target.numbers.outcomes.voicemail) phones.push(target.numbers.outcomes.voicemail);
      const batch = await insertQueuedBatch(h.db, {
        workspaceId,
        agentId: 'agent_conf',
        now: T0,
        phones,
      });
      // What a worker does: claim, commit placing, place, record the acceptance.
      const { claimed } = await claimCalls(h.rt, { workerId: 'wrk_conf', max: 10 });
      expect(claimed).toHaveLength(phones.length);
      await h.db.tx((q) =>
        markPlacing(q, {
          attemptIds: claimed.map((c) => c.attemptId),
          owner: 'wrk_conf',
          leaseUntil: T0 + h.rt.config.leaseMs,
        }),
      );
      await h.clock.runTo(Math.max(...claimed.map((c) => c.startedAt)));
      const accepted = new Map<string, string>();
      for (const c of claimed) {
        const r = await provider.place(c);
        expect(r.accepted).toBe(true);
        if (!r.accepted) continue;
        accepted.set(c.attemptId, r.providerCallId);
        await recorder.record({
          attemptId: c.attemptId,
          kind: 'accepted',
          at: h.clock.now(),
          providerCallId: r.providerCallId,
        });
      }
      if (target.deliver) {
        await h.clock.runTo(h.clock.now() + target.deliver.afterMs);
        await target.deliver.run();
      }
      const ends = () => claimed.filter((c) => truth.ended(c.attemptId) !== undefined).length;
      await h.clock.runUntil(async () => ends() === claimed.length, target.maxCallMs);
      await recorder.flush();
      return { batch, claimed, truth, delivery, recorder, provider, accepted };
    }

    async function expectRowsMatchTruth(
      r: Awaited<ReturnType<typeof run>>,
      endOf: (attemptId: string) => CarrierEnd = (id) => r.truth.ended(id)!,
    ) {
      const attempts = await attemptsOf(h.db, r.batch.id);
      for (const c of r.claimed) {
        const end = endOf(c.attemptId);
        const row = attempts.find((a) => a.id === c.attemptId)!;
        expect(row, c.phoneNumber).toMatchObject({
          state: 'ended',
          reason: end.reason,
          ended_at: end.endedAt,
          answered_at: end.answeredAt ?? null,
          provider_call_id: r.accepted.get(c.attemptId),
          lease_owner: null,
          check_at: null,
        });
      }
      expect(attempts).toHaveLength(r.claimed.length);
      await expectCountersMatchCalls(h.db, r.batch.id);
    }

    it('events delivered twice: each attempt ends once, as the carrier reported', async () => {
      const r = await run('twice');
      await expectRowsMatchTruth(r);
      for (const c of r.claimed) {
        const endings = r.delivery.recorded.filter(
          (x) => x.attemptId === c.attemptId && x.status === 'ended',
        );
        expect(endings, c.phoneNumber).toHaveLength(1);
      }
    });

    it('events delivered last first: the end is kept, the earlier stages arriving after it reopen nothing', async () => {
      const r = await run('reversed');
      await expectRowsMatchTruth(r);
      // After each end, every later event was ignored.
      for (const c of r.claimed) {
        const mine = r.delivery.recorded.filter((x) => x.attemptId === c.attemptId);
        expect(mine[0]!.status).toBe('ended');
        expect(mine.slice(1).every((x) => x.status === 'ignored')).toBe(true);
      }
      const calls = await callsOf(h.db, r.batch.id);
      expect(calls.every((c) => c.state !== 'active')).toBe(true);
    });

    it('an end that never arrives: recovery asks the provider at the deadline (or records it unknown), never redials', async () => {
      const r = await run('without-end');
      // Nothing ended: the calls are in progress as far as the rows know.
      expect((await callsOf(h.db, r.batch.id)).map((c) => c.state)).toEqual(
        r.claimed.map(() => 'active'),
      );
      const deadline =
        Math.max(...r.claimed.map((c) => c.startedAt)) +
        TIMES.ringTimeoutMs +
        TIMES.maxCallMs +
        TIMES.recoveryMarginMs;
      await h.clock.runTo(deadline + 1);
      const ctx = {
        rt: h.rt,
        log: pino({ level: 'silent' }),
        providers: createRegistry([r.provider]),
        recorder: r.recorder,
        liveOwners: () => [],
        onFreed: () => {},
      };
      expect(await recoverAttempts(ctx)).toBe(r.claimed.length);
      await r.recorder.flush();
      const caps = r.provider.capabilities;
      if (caps.lookupByAttempt || caps.lookupByCallId) {
        // Recovery recorded the provider's answer. A carrier keeps its own record of the call,
        // whose times are its own: it must agree with the lost events on how each call ended,
        // and the rows must say what it answered.
        const answers = new Map<string, CarrierEnd>();
        for (const c of r.claimed) {
          const found = await r.provider.lookup!({
            ...c,
            providerCallId: r.accepted.get(c.attemptId)!,
          });
          expect(found.status, c.phoneNumber).toBe('ended');
          if (found.status !== 'ended') continue;
          expect(found.end.reason, c.phoneNumber).toBe(r.truth.ended(c.attemptId)!.reason);
          answers.set(c.attemptId, found.end);
        }
        await expectRowsMatchTruth(r, (id) => answers.get(id)!);
      } else {
        const attempts = await attemptsOf(h.db, r.batch.id);
        expect(attempts.map((a) => a.reason)).toEqual(r.claimed.map(() => 'unknown'));
      }
      // One attempt per call: nothing was dialed again.
      expect((await callsOf(h.db, r.batch.id)).map((c) => c.attempts)).toEqual(
        r.claimed.map(() => 1),
      );
    });
  });
}
