import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { AttemptEvent, CarrierEnd } from '../../src/domain/attempt-event.js';
import type { Clock } from '../../src/domain/clock.js';
import { ATTEMPT_REASONS, OUTCOMES, type Outcome } from '../../src/domain/types.js';
import type {
  AttemptEventSink,
  AttemptRef,
  TelephonyProvider,
} from '../../src/providers/provider.js';
import { FakeClock, settle } from '../support/fake-clock.js';

// The provider conformance suite: every telephony adapter must pass it. An adapter supplies a
// factory on a fake clock, bound to a recording path, and numbers that behave a known way on its
// network (a test line, a SIPp scenario, the simulator's reserved numbers). This part checks the
// port itself: `place` accepts, the events that follow, `lookup`, `hangUp`, the calls an
// in-process provider holds. conformance-recording.ts runs the same adapters' events through
// the real recording path, duplicated, reordered and lost.

export interface ConformanceTarget {
  name: string;
  create(clock: Clock, events: AttemptEventSink): TelephonyProvider;
  numbers: {
    answers: string;
    busy: string;
    noAnswer: string;
    unreachable: string;
    /** Fails with a provider error on the first attempt. */
    providerError?: string;
    /** A number whose first attempt ends with that outcome; an outcome left out is skipped. */
    outcomes: Partial<Record<Outcome, string>>;
  };
  /** Longest a test call may take on the adapter's clock. */
  maxCallMs: number;
  /** The same number and attempt always play out the same (a simulator, a scripted SIPp run). */
  deterministic: boolean;
  /**
   * A carrier that reports over the network on its own schedule rather than on the clock: the
   * events of the calls placed so far arrive when `run` is called, which the recording half does
   * `afterMs` (on the clock) after it placed them. Absent: the adapter reports by itself.
   */
  deliver?: { afterMs: number; run(): Promise<void> };
  /** Deployment settings the adapter is run under (e.g. no wait for an agent's report). */
  config?: Partial<Config>;
}

export const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

export function attemptRef(phoneNumber: string, over: Partial<AttemptRef> = {}): AttemptRef {
  return {
    attemptId: 'att_conformance0001',
    callId: 'call_conformance0001',
    attemptNo: 1,
    phoneNumber,
    agent: {
      id: 'agent_c',
      name: 'Ava',
      greeting: 'Hello {first_name}, this is Ava from Acme.',
      prompt: 'You are Ava. Confirm the appointment of {first_name} {last_name} on {date}.',
    },
    variables: { first_name: 'John', last_name: 'Smith', date: 'Monday' },
    startedAt: T0,
    ...over,
  };
}

/** A recording path that only remembers what it was given, and when. */
export class EventLog implements AttemptEventSink {
  readonly events: Array<{ event: AttemptEvent; receivedAt: number }> = [];
  constructor(private readonly clock: Clock) {}
  async record(event: AttemptEvent): Promise<void> {
    this.events.push({ event, receivedAt: this.clock.now() });
  }
  of(attemptId: string): AttemptEvent[] {
    return this.events.filter((e) => e.event.attemptId === attemptId).map((e) => e.event);
  }
  ended(attemptId: string): CarrierEnd | undefined {
    const e = this.of(attemptId).find((x) => x.kind === 'ended');
    return e?.kind === 'ended' && e.ending.kind === 'carrier' ? e.ending.end : undefined;
  }
}

/** Advances the fake clock in steps until `done` holds (or the budget runs out). */
export async function driveUntil(
  clock: FakeClock,
  done: () => boolean,
  budgetMs: number,
): Promise<void> {
  for (let spent = 0; !done() && spent <= budgetMs; spent += 1_000) {
    await clock.advance(1_000);
    await settle();
  }
}

/** Places a call and plays it out to its end; returns its events. */
export async function playOut(target: ConformanceTarget, ref: AttemptRef) {
  const clock = new FakeClock(ref.startedAt);
  const log = new EventLog(clock);
  const provider = target.create(clock, log);
  const placed = await provider.place(ref);
  await driveUntil(clock, () => log.ended(ref.attemptId) !== undefined, target.maxCallMs);
  return {
    clock,
    log,
    provider,
    placed,
    events: log.of(ref.attemptId),
    end: log.ended(ref.attemptId),
  };
}

function expectWellFormed(end: CarrierEnd, ref: AttemptRef) {
  expect(ATTEMPT_REASONS).toContain(end.reason);
  expect(end.endedAt).toBeGreaterThanOrEqual(ref.startedAt);
  if (end.outcome !== undefined) expect(OUTCOMES).toContain(end.outcome);
  if (end.answeredAt !== undefined) {
    expect(end.answeredAt).toBeGreaterThanOrEqual(ref.startedAt);
    expect(end.answeredAt).toBeLessThanOrEqual(end.endedAt);
  }
  if (end.durationSec !== undefined) expect(end.durationSec).toBeGreaterThanOrEqual(0);
  if (end.sipCode !== undefined) expect(end.sipCode).toBeGreaterThanOrEqual(100);
  if (end.transcript !== undefined) {
    for (const line of end.transcript.split('\n')) expect(line).toMatch(/^(Agent|Customer): \S/);
  }
}

/** What the callee says in a transcript that ends with each outcome. */
const SAYS: Record<Outcome, RegExp> = {
  successful: /^Customer: .*\b(that works|sounds good|thank you)\b/im,
  unsuccessful: /^Customer: .*\bnot interested\b/im,
  voicemail: /^Customer: \[voicemail\]/m,
  callback_requested: /^Customer: .*\bcall me back\b/im,
  opted_out: /^Customer: .*\bstop calling\b/im,
};

const timeOf = (e: AttemptEvent) =>
  e.kind === 'ended' ? (e.ending.kind === 'carrier' ? e.ending.end.endedAt : 0) : e.at;

export function describeProviderConformance(target: ConformanceTarget): void {
  describe(`provider conformance: ${target.name}`, () => {
    const setup = () => {
      const clock = new FakeClock(T0);
      const log = new EventLog(clock);
      return { clock, log, provider: target.create(clock, log) };
    };
    const { capabilities } = setup().provider;

    it('declares its name and capabilities, with each operation exactly when it claims it', () => {
      const { provider } = setup();
      expect(provider.name).toMatch(/^[a-z][a-z0-9_-]*$/);
      for (const k of [
        'lookupByAttempt',
        'lookupByCallId',
        'provesAbsence',
        'machineDetection',
        'hangUp',
        'localEvents',
      ] as const) {
        expect(typeof capabilities[k], k).toBe('boolean');
      }
      if (capabilities.callsPerSecond !== undefined) {
        expect(capabilities.callsPerSecond).toBeGreaterThanOrEqual(1);
      }
      const canLookUp = capabilities.lookupByAttempt || capabilities.lookupByCallId;
      expect(typeof provider.lookup === 'function').toBe(canLookUp);
      expect(typeof provider.hangUp === 'function').toBe(capabilities.hangUp);
      expect(provider.local !== undefined).toBe(capabilities.localEvents);
      if (capabilities.provesAbsence) expect(capabilities.lookupByAttempt).toBe(true);
    });

    it('accepts a call with its own call id and reports ringing, the answer and the end, in time order', async () => {
      const ref = attemptRef(target.numbers.answers);
      const { placed, events, end } = await playOut(target, ref);
      expect(placed).toMatchObject({ accepted: true, providerCallId: expect.any(String) });
      const callId = placed.accepted ? placed.providerCallId : '';
      expect(events.map((e) => e.attemptId)).toEqual(events.map(() => ref.attemptId));
      expect(events.filter((e) => e.kind === 'ended')).toHaveLength(1);
      expect(events.at(-1)!.kind).toBe('ended');
      expect(events.map((e) => e.kind)).toContain('answered');
      for (const e of events)
        if (e.kind !== 'ended' && e.providerCallId) expect(e.providerCallId).toBe(callId);
      const times = events.map(timeOf);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expectWellFormed(end!, ref);
      expect(end).toMatchObject({ reason: 'answered', providerCallId: callId });
      expect(end!.outcome).toBeDefined();
      expect(end!.answeredAt).toBeDefined();
      expect(end!.durationSec).toBeGreaterThan(0);
      expect(end!.transcript!.split('\n')[0]).toBe('Agent: Hello John, this is Ava from Acme.');
      expect(end!.transcript).toMatch(/\nCustomer: /);
      expect(end!.transcript).not.toMatch(/[{}]/);
    });

    it('reports each event no earlier than it happens on the clock', async () => {
      const { log } = await playOut(target, attemptRef(target.numbers.answers));
      for (const { event, receivedAt } of log.events)
        expect(receivedAt).toBeGreaterThanOrEqual(timeOf(event));
      const { clock, log: early, provider } = setup();
      await provider.place(attemptRef(target.numbers.answers));
      await settle();
      expect(early.events.filter((e) => e.event.kind === 'ended')).toEqual([]);
      expect(clock.now()).toBe(T0);
    });

    it.each([
      ['busy', 'busy'],
      ['noAnswer', 'no_answer'],
      ['unreachable', 'unreachable'],
    ] as const)('a %s number ends with reason %s and no conversation', async (key, reason) => {
      const ref = attemptRef(target.numbers[key]);
      const { events, end } = await playOut(target, ref);
      expectWellFormed(end!, ref);
      expect(end!.reason).toBe(reason);
      expect(end!.transcript).toBeUndefined();
      expect(end!.answeredAt).toBeUndefined();
      expect(events.map((e) => e.kind)).not.toContain('answered');
    });

    for (const o of OUTCOMES) {
      const phone = target.numbers.outcomes[o];
      it.skipIf(phone === undefined)(
        `an attempt that ends ${o} reports it, with a transcript to match`,
        async () => {
          const ref = attemptRef(phone!);
          const { events, end } = await playOut(target, ref);
          expectWellFormed(end!, ref);
          const machine = o === 'voicemail' && capabilities.machineDetection;
          expect(end!.reason).toBe(machine ? 'voicemail' : 'answered');
          if (machine) expect(events.map((e) => e.kind)).toContain('machine_detected');
          expect(end!.outcome).toBe(o);
          expect(end!.answeredAt).toBeDefined();
          expect(end!.durationSec).toBeGreaterThan(0);
          expect(end!.transcript).toMatch(SAYS[o]);
        },
      );
    }

    it.skipIf(target.numbers.providerError === undefined)(
      'a provider error ends with its reason and a message, and no conversation',
      async () => {
        const ref = attemptRef(target.numbers.providerError!);
        const { end } = await playOut(target, ref);
        expectWellFormed(end!, ref);
        expect(end!.reason).toBe('provider_error');
        expect(end!.errorMessage).toMatch(/\S/);
        expect(end!.outcome).toBeUndefined();
        expect(end!.transcript).toBeUndefined();
      },
    );

    it.skipIf(!target.deterministic)(
      'the same number and attempt play out the same on a fresh instance',
      async () => {
        const numbers = [target.numbers.answers, target.numbers.busy, target.numbers.noAnswer];
        for (const phone of [...numbers, ...Object.values(target.numbers.outcomes)]) {
          const a = await playOut(target, attemptRef(phone));
          const b = await playOut(target, attemptRef(phone));
          expect(b.events, phone).toEqual(a.events);
        }
      },
    );

    it.skipIf(!capabilities.lookupByAttempt)(
      'lookup says in progress (with the call id) while the call lasts, then what the end reported',
      async () => {
        const { clock, log, provider } = setup();
        const ref = attemptRef(target.numbers.answers);
        const placed = await provider.place(ref);
        await clock.advance(1_000);
        expect(await provider.lookup!(ref)).toMatchObject({
          status: 'in_progress',
          providerCallId: placed.accepted ? placed.providerCallId : '',
        });
        await driveUntil(clock, () => log.ended(ref.attemptId) !== undefined, target.maxCallMs);
        expect(await provider.lookup!(ref)).toEqual({
          status: 'ended',
          end: log.ended(ref.attemptId),
        });
      },
    );

    it.skipIf(!capabilities.lookupByAttempt)(
      'after a crash (a fresh instance, the events lost) lookup still finds how each attempt went',
      async () => {
        for (const phone of [target.numbers.answers, target.numbers.busy]) {
          const ref = attemptRef(phone);
          const played = await playOut(target, ref);
          const clock = new FakeClock(T0);
          const later = target.create(clock, new EventLog(clock));
          let found = await later.lookup!(ref);
          for (let spent = 0; found.status === 'in_progress' && spent <= target.maxCallMs; ) {
            await clock.advance(10_000);
            spent += 10_000;
            found = await later.lookup!(ref);
          }
          expect(found, phone).toEqual({ status: 'ended', end: played.end });
        }
      },
    );

    it.skipIf(!capabilities.localEvents)(
      'an in-process provider counts its calls in progress, goes idle when they end, and closes',
      async () => {
        const { clock, log, provider } = setup();
        const local = provider.local!;
        const a = attemptRef(target.numbers.busy, { attemptId: 'att_a' });
        const b = attemptRef(target.numbers.answers, { attemptId: 'att_b' });
        await provider.place(a);
        await provider.place(b);
        expect(local.inProgress()).toBe(2);
        let idle = false;
        void local.idle(new AbortController().signal).then(() => {
          idle = true;
        });
        await driveUntil(clock, () => log.ended('att_a') !== undefined, target.maxCallMs);
        await settle();
        expect(local.inProgress()).toBe(1);
        expect(idle).toBe(false);
        // Closed with a call in progress: it says which, and reports nothing more.
        expect(local.close()).toEqual(['att_b']);
        const before = log.events.length;
        await clock.advance(target.maxCallMs);
        await settle();
        expect(log.events.length).toBe(before);
        expect(log.ended('att_b')).toBeUndefined();
      },
    );
  });
}
