import { describe, expect, it } from 'vitest';
import { ATTEMPT_REASONS, OUTCOMES } from '../../src/domain/types.js';
import type { DialRequest, DialResult, TelephonyProvider } from '../../src/providers/provider.js';
import { FakeClock, settle } from '../support/fake-clock.js';

// The provider conformance suite: every telephony adapter must pass it. An adapter supplies a
// factory on a fake clock and numbers that behave a known way on its network (a test line, a
// SIPp scenario, the simulator's reserved numbers).

export interface ConformanceTarget {
  name: string;
  create(clock: FakeClock): TelephonyProvider;
  numbers: { answers: string; busy: string; noAnswer: string; unreachable: string };
  /** Longest a test call may take on the adapter's clock. */
  maxCallMs: number;
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

export function describeProviderConformance(target: ConformanceTarget): void {
  describe(`provider conformance: ${target.name}`, () => {
    const setup = () => {
      const clock = new FakeClock(T0);
      return { clock, provider: target.create(clock) };
    };

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

    it('lookup reports in_progress while the attempt lasts, then what dial reported', async () => {
      const { clock, provider } = setup();
      if (!provider.lookup) return;
      const req = dialRequest(target.numbers.answers);
      const dialed = drive(clock, provider.dial(req), target.maxCallMs);
      expect(await provider.lookup(req)).toBe('in_progress');
      const r = await dialed;
      // A fresh instance (as after a crash) on the same clock sees the same attempt.
      expect(await target.create(clock).lookup!(req)).toEqual(r);
    });
  });
}
