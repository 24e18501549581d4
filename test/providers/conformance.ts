import { describe, expect, it } from 'vitest';
import { ATTEMPT_REASONS, OUTCOMES, type Outcome } from '../../src/domain/types.js';
import type { DialRequest, DialResult, TelephonyProvider } from '../../src/providers/provider.js';
import { FakeClock, settle } from '../support/fake-clock.js';

// The provider conformance suite: every telephony adapter must pass it. An adapter supplies a
// factory on a fake clock and numbers that behave a known way on its network (a test line, a
// SIPp scenario, the simulator's reserved numbers).

export interface ConformanceTarget {
  name: string;
  create(clock: FakeClock): TelephonyProvider;
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
}

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

export function dialRequest(phoneNumber: string, over: Partial<DialRequest> = {}): DialRequest {
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

/** Advances the fake clock in steps until `p` settles (or the budget runs out). */
export async function drive<T>(clock: FakeClock, p: Promise<T>, budgetMs: number): Promise<T> {
  let done = false;
  const watched = p.finally(() => {
    done = true;
  });
  watched.catch(() => {});
  for (let spent = 0; !done && spent <= budgetMs; spent += 1_000) {
    await clock.advance(1_000);
    await settle();
  }
  return watched;
}

function expectWellFormed(r: DialResult, req: DialRequest) {
  expect(ATTEMPT_REASONS).toContain(r.reason);
  expect(r.endedAt).toBeGreaterThanOrEqual(req.startedAt);
  if (r.outcome !== undefined) expect(OUTCOMES).toContain(r.outcome);
  if (r.answeredAt !== undefined) {
    expect(r.answeredAt).toBeGreaterThanOrEqual(req.startedAt);
    expect(r.answeredAt).toBeLessThanOrEqual(r.endedAt);
  }
  if (r.durationSec !== undefined) expect(r.durationSec).toBeGreaterThanOrEqual(0);
  if (r.transcript !== undefined) {
    for (const line of r.transcript.split('\n')) expect(line).toMatch(/^(Agent|Customer): \S/);
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

export function describeProviderConformance(target: ConformanceTarget): void {
  describe(`provider conformance: ${target.name}`, () => {
    const setup = () => {
      const clock = new FakeClock(T0);
      return { clock, provider: target.create(clock) };
    };
    const capabilities = setup().provider.capabilities;

    it('declares its name and capabilities, and lookup exactly when it claims it', () => {
      const { provider } = setup();
      expect(provider.name).toMatch(/^[a-z][a-z0-9_-]*$/);
      expect(typeof provider.capabilities.lookup).toBe('boolean');
      expect(typeof provider.capabilities.answeringMachineDetection).toBe('boolean');
      expect(typeof provider.lookup === 'function').toBe(provider.capabilities.lookup);
    });

    it('an answered call ends with an outcome, talk time and a transcript opening with the greeting', async () => {
      const { clock, provider } = setup();
      const req = dialRequest(target.numbers.answers);
      const r = await drive(clock, provider.dial(req), target.maxCallMs);
      expectWellFormed(r, req);
      expect(r.reason).toBe('answered');
      expect(r.outcome).toBeDefined();
      expect(r.answeredAt).toBeDefined();
      expect(r.durationSec).toBeGreaterThan(0);
      expect(r.transcript!.split('\n')[0]).toBe('Agent: Hello John, this is Ava from Acme.');
      expect(r.transcript).toMatch(/\nCustomer: /);
      expect(r.transcript).not.toMatch(/[{}]/);
    });

    it('does not resolve before the call has ended on the clock', async () => {
      const { clock, provider } = setup();
      let settled = false;
      const p = provider.dial(dialRequest(target.numbers.answers)).finally(() => {
        settled = true;
      });
      await settle();
      expect(settled).toBe(false);
      const r = await drive(clock, p, target.maxCallMs);
      expect(clock.now()).toBeGreaterThanOrEqual(r.endedAt);
    });

    it.each([
      ['busy', 'busy'],
      ['noAnswer', 'no_answer'],
      ['unreachable', 'unreachable'],
    ] as const)('a %s number ends with reason %s and no conversation', async (key, reason) => {
      const { clock, provider } = setup();
      const req = dialRequest(target.numbers[key]);
      const r = await drive(clock, provider.dial(req), target.maxCallMs);
      expectWellFormed(r, req);
      expect(r.reason).toBe(reason);
      expect(r.transcript).toBeUndefined();
      expect(r.answeredAt).toBeUndefined();
    });

    it('rejects with an AbortError when the signal aborts, or was aborted already', async () => {
      const { clock, provider } = setup();
      const ac = new AbortController();
      const p = provider.dial(dialRequest(target.numbers.answers), ac.signal);
      await clock.advance(1_000);
      ac.abort();
      await expect(p).rejects.toMatchObject({ name: 'AbortError' });
      await expect(
        provider.dial(dialRequest(target.numbers.answers), AbortSignal.abort()),
      ).rejects.toMatchObject({ name: 'AbortError' });
    });

    for (const o of OUTCOMES) {
      const phone = target.numbers.outcomes[o];
      it.skipIf(phone === undefined)(
        `an attempt that ends ${o} reports it, with a transcript to match`,
        async () => {
          const { clock, provider } = setup();
          const req = dialRequest(phone!);
          const r = await drive(clock, provider.dial(req), target.maxCallMs);
          expectWellFormed(r, req);
          const machine = o === 'voicemail' && capabilities.answeringMachineDetection;
          expect(r.reason).toBe(machine ? 'voicemail' : 'answered');
          expect(r.outcome).toBe(o);
          expect(r.answeredAt).toBeDefined();
          expect(r.durationSec).toBeGreaterThan(0);
          expect(r.transcript).toMatch(SAYS[o]);
        },
      );
    }

    it.skipIf(target.numbers.providerError === undefined)(
      'a provider error ends with its reason and a message, and no conversation',
      async () => {
        const { clock, provider } = setup();
        const req = dialRequest(target.numbers.providerError!);
        const r = await drive(clock, provider.dial(req), target.maxCallMs);
        expectWellFormed(r, req);
        expect(r.reason).toBe('provider_error');
        expect(r.errorMessage).toMatch(/\S/);
        expect(r.outcome).toBeUndefined();
        expect(r.transcript).toBeUndefined();
      },
    );

    it.skipIf(!target.deterministic)(
      'the same number and attempt play out the same on a fresh instance',
      async () => {
        const numbers = [target.numbers.answers, target.numbers.busy, target.numbers.noAnswer];
        for (const phone of [...numbers, ...Object.values(target.numbers.outcomes)]) {
          const once = setup();
          const twice = setup();
          const req = dialRequest(phone);
          const a = await drive(once.clock, once.provider.dial(req), target.maxCallMs);
          const b = await drive(twice.clock, twice.provider.dial(req), target.maxCallMs);
          expect(b, phone).toEqual(a);
        }
      },
    );

    it.skipIf(!capabilities.lookup)(
      'lookup reports in_progress while the attempt lasts, then what dial reported',
      async () => {
        const { clock, provider } = setup();
        const req = dialRequest(target.numbers.answers);
        const dialed = drive(clock, provider.dial(req), target.maxCallMs);
        expect(await provider.lookup!(req)).toBe('in_progress');
        const r = await dialed;
        // A fresh instance (as after a crash) on the same clock sees the same attempt.
        expect(await target.create(clock).lookup!(req)).toEqual(r);
      },
    );

    it.skipIf(!capabilities.lookup)(
      'after an aborted dial (a lost worker) lookup still finds how the attempt ended',
      async () => {
        for (const phone of [target.numbers.answers, target.numbers.busy]) {
          const { clock, provider } = setup();
          const req = dialRequest(phone);
          const ac = new AbortController();
          const p = provider.dial(req, ac.signal);
          p.catch(() => {});
          await settle();
          ac.abort();
          await expect(p).rejects.toMatchObject({ name: 'AbortError' });
          const later = target.create(clock);
          let found = await later.lookup!(req);
          for (let spent = 0; found === 'in_progress' && spent <= target.maxCallMs; ) {
            await clock.advance(10_000);
            spent += 10_000;
            found = await later.lookup!(req);
          }
          expect(found, phone).not.toBe('in_progress');
          expect(found, phone).not.toBe('unknown');
          const r = found as DialResult;
          expectWellFormed(r, req);
          expect(r.reason).toBe(phone === target.numbers.busy ? 'busy' : 'answered');
          expect(r.endedAt).toBeLessThanOrEqual(clock.now());
        }
      },
    );
  });
}
