import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/domain/types.js';
import type { DialResult } from '../../src/providers/provider.js';
import { calleePlan } from '../../src/providers/simulator/behaviour.js';
import { createSimulator } from '../../src/providers/simulator/simulator.js';
import { FakeClock, settle } from '../support/fake-clock.js';
import { describeProviderConformance, dialRequest, drive } from './conformance.js';

describeProviderConformance({
  name: 'simulator',
  create: (clock) => createSimulator({ clock, speed: 1 }),
  numbers: {
    answers: '+15005550042',
    busy: '+15005550100',
    noAnswer: '+15005550250',
    unreachable: '+15005550499',
  },
  maxCallMs: 15 * 60_000,
});

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

async function dialAt(phone: string, attemptNo: number, speed = 1): Promise<DialResult> {
  const clock = new FakeClock(T0);
  const sim = createSimulator({ clock, speed });
  return drive(clock, sim.dial(dialRequest(phone, { attemptNo })), 20 * 60_000);
}

const ranges: Array<{
  first: number;
  reasons: [string, string, string];
  outcomes: [Outcome | undefined, Outcome | undefined, Outcome | undefined];
}> = [
  {
    first: 0,
    reasons: ['answered', 'answered', 'answered'],
    outcomes: ['successful', 'successful', 'successful'],
  },
  { first: 100, reasons: ['busy', 'busy', 'busy'], outcomes: [undefined, undefined, undefined] },
  {
    first: 200,
    reasons: ['no_answer', 'no_answer', 'no_answer'],
    outcomes: [undefined, undefined, undefined],
  },
  {
    first: 300,
    reasons: ['voicemail', 'voicemail', 'voicemail'],
    outcomes: ['voicemail', 'voicemail', 'voicemail'],
  },
  {
    first: 400,
    reasons: ['unreachable', 'unreachable', 'unreachable'],
    outcomes: [undefined, undefined, undefined],
  },
  {
    first: 500,
    reasons: ['busy', 'answered', 'answered'],
    outcomes: [undefined, 'successful', 'successful'],
  },
  {
    first: 600,
    reasons: ['answered', 'answered', 'answered'],
    outcomes: ['callback_requested', 'callback_requested', 'callback_requested'],
  },
  {
    first: 700,
    reasons: ['answered', 'answered', 'answered'],
    outcomes: ['opted_out', 'opted_out', 'opted_out'],
  },
  {
    first: 800,
    reasons: ['provider_error', 'answered', 'answered'],
    outcomes: [undefined, 'successful', 'successful'],
  },
  {
    first: 900,
    reasons: ['answered', 'answered', 'answered'],
    outcomes: ['successful', 'successful', 'successful'],
  },
];

describe('simulator reserved numbers +1500555XXXX', () => {
  for (const r of ranges) {
    const label = `${String(r.first).padStart(4, '0')}–${String(r.first + 99).padStart(4, '0')}`;
    it(`${label}: ${r.reasons.join(' / ')}`, () => {
      for (const suffix of [r.first, r.first + 37, r.first + 99]) {
        const phone = `+1500555${String(suffix).padStart(4, '0')}`;
        for (const k of [1, 2, 3] as const) {
          const plan = calleePlan(phone, k);
          expect(plan.reason, `${phone} attempt ${k}`).toBe(r.reasons[k - 1]);
          expect(plan.outcome, `${phone} attempt ${k}`).toBe(r.outcomes[k - 1]);
        }
      }
    });
  }

  it('0800 reports a provider error message on its first attempt', () => {
    expect(calleePlan('+15005550800', 1).errorMessage).toMatch(/error/i);
  });

  it('0900–0999 talk for about ten minutes with many turns', async () => {
    const r = await dialAt('+15005550950', 1);
    expect(r.durationSec).toBeGreaterThanOrEqual(570);
    expect(r.durationSec).toBeLessThanOrEqual(630);
    expect(r.endedAt - r.answeredAt!).toBe(Math.round(r.durationSec! * 1000));
    expect(r.transcript!.split('\n').length).toBeGreaterThanOrEqual(25);
  });

  it('numbers outside 0000–0999 (and outside +1500555) are not forced to a behaviour', () => {
    const reasons = new Set<string>();
    for (let i = 1000; i < 1400; i++) reasons.add(calleePlan(`+1500555${i}`, 1).reason);
    expect(reasons.size).toBeGreaterThan(3);
  });
});

describe('simulator determinism', () => {
  it('the same number and attempt always behave the same, across instances', async () => {
    for (const phone of ['+15005550042', '+15005550555', '+14155550123', '+447700900123']) {
      for (const k of [1, 2]) {
        expect(await dialAt(phone, k)).toEqual(await dialAt(phone, k));
      }
    }
  });

  it('different attempts of a mixed number draw their own behaviour', () => {
    const differs = Array.from(
      { length: 50 },
      (_, i) => `+1415555${String(i).padStart(4, '0')}`,
    ).filter((p) => JSON.stringify(calleePlan(p, 1)) !== JSON.stringify(calleePlan(p, 2)));
    expect(differs.length).toBeGreaterThan(40);
  });

  it('gives other numbers the realistic mix: ~65% answered, 12% voicemail, 13% no answer, 7% busy, 3% failed', () => {
    const n = 20_000;
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const r = calleePlan(`+1212${String(1_000_000 + i * 37).padStart(7, '0')}`, 1).reason;
      counts[r] = (counts[r] ?? 0) + 1;
    }
    const share = (k: string) => (counts[k] ?? 0) / n;
    expect(share('answered')).toBeCloseTo(0.65, 1);
    expect(Math.abs(share('answered') - 0.65)).toBeLessThan(0.02);
    expect(Math.abs(share('voicemail') - 0.12)).toBeLessThan(0.015);
    expect(Math.abs(share('no_answer') - 0.13)).toBeLessThan(0.015);
    expect(Math.abs(share('busy') - 0.07)).toBeLessThan(0.01);
    expect(Math.abs(share('unreachable') + share('provider_error') - 0.03)).toBeLessThan(0.008);
    expect(share('carrier_blocked')).toBe(0);
  });

  it('answered mixed calls include unsuccessful, callback and opt-out outcomes', () => {
    const outcomes = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const p = calleePlan(`+1312${String(2_000_000 + i).padStart(7, '0')}`, 1);
      if (p.outcome) outcomes.add(p.outcome);
    }
    expect([...outcomes].sort()).toEqual([
      'callback_requested',
      'opted_out',
      'successful',
      'unsuccessful',
      'voicemail',
    ]);
  });
});

describe('simulator timing', () => {
  it('ring and talk times come from realistic ranges', () => {
    for (let i = 0; i < 300; i++) {
      const phone = `+1646${String(3_000_000 + i * 11).padStart(7, '0')}`;
      const p = calleePlan(phone, 1);
      if (p.reason === 'answered') {
        expect(p.ringSec).toBeGreaterThanOrEqual(4);
        expect(p.ringSec).toBeLessThanOrEqual(20);
        expect(p.talkSec).toBeGreaterThanOrEqual(10);
        expect(p.talkSec).toBeLessThanOrEqual(180);
      }
      if (p.reason === 'no_answer') expect(p.ringSec).toBeGreaterThanOrEqual(30);
      if (p.reason === 'busy') expect(p.ringSec).toBeLessThanOrEqual(4);
    }
  });

  it('waits ring + talk time divided by the speed, on the clock, and not a moment less', async () => {
    const phone = '+15005550042';
    const plan = calleePlan(phone, 1);
    const clock = new FakeClock(T0);
    const sim = createSimulator({ clock, speed: 10 });
    let result: DialResult | undefined;
    void sim.dial(dialRequest(phone)).then((r) => {
      result = r;
    });
    const total = Math.round((plan.ringSec * 1000) / 10) + Math.round((plan.talkSec * 1000) / 10);
    await clock.advance(total - 1);
    await settle();
    expect(result).toBeUndefined();
    await clock.advance(1);
    await settle();
    expect(result?.endedAt).toBe(T0 + total);
    expect(result?.answeredAt).toBe(T0 + Math.round((plan.ringSec * 1000) / 10));
    // Talk time is reported in simulated seconds, the same at any speed.
    expect(result?.durationSec).toBe(plan.talkSec);
  });

  it('rejects a speed that is not positive', () => {
    expect(() => createSimulator({ clock: new FakeClock(), speed: 0 })).toThrow(/speed/);
  });
});

describe('simulator transcripts', () => {
  it("opens with the rendered greeting and states the prompt's purpose with the row's values", async () => {
    const r = await dialAt('+15005550001', 1);
    const lines = r.transcript!.split('\n');
    expect(lines[0]).toBe('Agent: Hello John, this is Ava from Acme.');
    expect(lines[1]).toBe('Customer: Hi, yes, this is John.');
    expect(lines[2]).toBe("Agent: I'm calling to confirm the appointment of John Smith on Monday.");
    expect(lines.at(-1)).toMatch(/^Customer: /);
  });

  it('shows the callee asking for a callback, opting out, or a voicemail message', async () => {
    expect((await dialAt('+15005550600', 1)).transcript).toMatch(/call me back later/);
    expect((await dialAt('+15005550700', 1)).transcript).toMatch(/Please stop calling me/);
    const vm = await dialAt('+15005550300', 1);
    expect(vm.transcript).toMatch(
      /^Agent: Hello John, this is Ava from Acme\.\nCustomer: \[voicemail\]/,
    );
    expect(vm.durationSec).toBeGreaterThan(0);
  });

  it('renders unknown variables as empty text and falls back when the greeting is empty', async () => {
    const clock = new FakeClock(T0);
    const sim = createSimulator({ clock, speed: 1 });
    const req = dialRequest('+15005550002', {
      variables: {},
      agent: { id: 'a', name: 'Max', greeting: '', prompt: 'Ask about {plan} renewal' },
    });
    const r = await drive(clock, sim.dial(req), 20 * 60_000);
    const lines = r.transcript!.split('\n');
    expect(lines[0]).toBe('Agent: Hello, this is Max.');
    expect(lines[1]).toBe('Customer: Hello, yes, speaking.');
    expect(lines[2]).toBe("Agent: I'm calling to ask about renewal.");
  });

  it('lookup of an unknown attempt says unknown', async () => {
    const sim = createSimulator({ clock: new FakeClock(T0), speed: 1 });
    expect(await sim.lookup!(dialRequest('', {}))).toBe('unknown');
  });
});
