import { describe, expect, it } from 'vitest';
import type { CarrierEnd } from '../../src/domain/attempt-event.js';
import type { Outcome } from '../../src/domain/types.js';
import { type CalleePlan, calleePlan } from '../../src/providers/simulator/behaviour.js';
import { createSimulator } from '../../src/providers/simulator/simulator.js';
import { FakeClock, settle } from '../support/fake-clock.js';
import {
  attemptRef,
  type ConformanceTarget,
  describeProviderConformance,
  EventLog,
  playOut,
} from './conformance.js';
import { describeRecordingConformance } from './conformance-recording.js';

const UNSUCCESSFUL = '+14155550003';

const SIMULATOR: ConformanceTarget = {
  name: 'simulator',
  create: (clock, events) => createSimulator({ clock, speed: 1, events }),
  numbers: {
    answers: '+15005550042',
    busy: '+15005550100',
    noAnswer: '+15005550250',
    unreachable: '+15005550499',
    providerError: '+15005550800',
    outcomes: {
      successful: '+15005550042',
      // No reserved range refuses; this mixed number does on its first attempt (asserted below).
      unsuccessful: UNSUCCESSFUL,
      voicemail: '+15005550300',
      callback_requested: '+15005550650',
      opted_out: '+15005550777',
    },
  },
  maxCallMs: 15 * 60_000,
  deterministic: true,
};

describeProviderConformance(SIMULATOR);
describeRecordingConformance(SIMULATOR);

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

/** How the simulator's call to `phone` ends, played out on a fake clock. */
async function dialAt(
  phone: string,
  attemptNo: number,
  over: Parameters<typeof attemptRef>[1] = {},
): Promise<CarrierEnd> {
  const played = await playOut(SIMULATOR, attemptRef(phone, { attemptNo, ...over }));
  return played.end!;
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

/** The p-quantile (nearest rank) of `xs`. */
function quantile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** First attempts of 20,000 mixed numbers, grouped by reason (answered: by outcome). */
const sample = (() => {
  const numbers = Array.from(
    { length: 20_000 },
    (_, i) => `+1718${String(4_000_000 + i * 13).padStart(7, '0')}`,
  );
  const plans = numbers.map((n) => calleePlan(n, 1));
  const by = (pick: (p: CalleePlan) => boolean) => plans.filter(pick);
  return {
    numbers,
    plans,
    answered: by((p) => p.reason === 'answered'),
    outcome: (o: Outcome) => by((p) => p.reason === 'answered' && p.outcome === o),
    reason: (r: string) => by((p) => p.reason === r),
  };
})();

describe('simulator timing distributions (20,000 mixed numbers)', () => {
  it('every draw is in tenths of a second and the same when drawn again', () => {
    const tenths = (x: number) => Math.abs(x * 10 - Math.round(x * 10)) < 1e-6;
    expect(sample.plans.filter((p) => !tenths(p.ringSec) || !tenths(p.talkSec))).toEqual([]);
    const again = sample.numbers.filter((_, i) => i % 20 === 0);
    expect(again.map((n) => calleePlan(n, 1))).toEqual(sample.plans.filter((_, i) => i % 20 === 0));
  });

  it('answered calls ring 3–28 s, most picked up within 5–15 s, median about 8 s', () => {
    const ring = sample.answered.map((p) => p.ringSec);
    expect(Math.min(...ring)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...ring)).toBeLessThanOrEqual(28);
    expect(quantile(ring, 0.5)).toBeGreaterThan(7);
    expect(quantile(ring, 0.5)).toBeLessThan(9);
    const within = ring.filter((s) => s >= 5 && s <= 15).length / ring.length;
    expect(within).toBeGreaterThan(0.75);
    // Right-skewed: the slow tail is longer than the quick one.
    expect(quantile(ring, 0.9) - quantile(ring, 0.5)).toBeGreaterThan(
      quantile(ring, 0.5) - quantile(ring, 0.1),
    );
  });

  it('successful talk time is log-normal: median ~95 s, p10 45–60 s, p90 155–195 s, 30–480 s', () => {
    const talk = sample.outcome('successful').map((p) => p.talkSec);
    expect(talk.length).toBeGreaterThan(8_000);
    expect(Math.min(...talk)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...talk)).toBeLessThanOrEqual(480);
    const [p10, p50, p90] = [0.1, 0.5, 0.9].map((q) => quantile(talk, q)) as [
      number,
      number,
      number,
    ];
    expect(p50).toBeGreaterThan(85);
    expect(p50).toBeLessThan(105);
    expect(p10).toBeGreaterThan(45);
    expect(p10).toBeLessThan(60);
    expect(p90).toBeGreaterThan(155);
    expect(p90).toBeLessThan(195);
    // Log-normal: symmetric in ratios, so p50/p10 ≈ p90/p50; and the mean sits above the median.
    expect(p90 / p50 / (p50 / p10)).toBeGreaterThan(0.85);
    expect(p90 / p50 / (p50 / p10)).toBeLessThan(1.15);
    expect(mean(talk)).toBeGreaterThan(p50);
  });

  it('calls that end early talk for less: successful > unsuccessful > callback > opted out', () => {
    const bands: Array<[Outcome, number, number, number, number]> = [
      ['successful', 30, 480, 85, 105],
      ['unsuccessful', 12, 300, 38, 52],
      ['callback_requested', 12, 180, 30, 40],
      ['opted_out', 6, 90, 17, 23],
    ];
    const medians = bands.map(([o, min, max, lo, hi]) => {
      const talk = sample.outcome(o).map((p) => p.talkSec);
      expect(Math.min(...talk), o).toBeGreaterThanOrEqual(min);
      expect(Math.max(...talk), o).toBeLessThanOrEqual(max);
      const median = quantile(talk, 0.5);
      expect(median, o).toBeGreaterThan(lo);
      expect(median, o).toBeLessThan(hi);
      return median;
    });
    expect([...medians].sort((a, b) => b - a)).toEqual(medians);
  });

  it('voicemail picks up after 15–32 s of ringing and records a 12–75 s message', () => {
    const vm = sample.reason('voicemail');
    const ring = vm.map((p) => p.ringSec);
    const talk = vm.map((p) => p.talkSec);
    expect(Math.min(...ring)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...ring)).toBeLessThanOrEqual(32);
    expect(quantile(ring, 0.5)).toBeGreaterThan(22);
    expect(quantile(ring, 0.5)).toBeLessThan(26);
    expect(Math.min(...talk)).toBeGreaterThanOrEqual(12);
    expect(Math.max(...talk)).toBeLessThanOrEqual(75);
    expect(quantile(talk, 0.5)).toBeGreaterThan(25);
    expect(quantile(talk, 0.5)).toBeLessThan(31);
  });

  it("a ring-out lasts until the carrier's 30–45 s timer; failures come back within seconds", () => {
    const noAnswer = sample.reason('no_answer').map((p) => p.ringSec);
    expect(Math.min(...noAnswer)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...noAnswer)).toBeLessThanOrEqual(45);
    expect(quantile(noAnswer, 0.5)).toBeGreaterThan(36);
    expect(quantile(noAnswer, 0.5)).toBeLessThan(40);
    const busy = sample.reason('busy').map((p) => p.ringSec);
    expect(Math.min(...busy)).toBeGreaterThanOrEqual(0.8);
    expect(Math.max(...busy)).toBeLessThanOrEqual(5);
    expect(quantile(busy, 0.5)).toBeGreaterThan(1.5);
    expect(quantile(busy, 0.5)).toBeLessThan(2.5);
    for (const r of ['unreachable', 'provider_error']) {
      const ring = sample.reason(r).map((p) => p.ringSec);
      expect(ring.length, r).toBeGreaterThan(100);
      expect(Math.max(...ring), r).toBeLessThanOrEqual(6);
    }
    for (const p of sample.plans.filter(
      (x) => x.reason !== 'answered' && x.reason !== 'voicemail',
    )) {
      expect(p.talkSec).toBe(0);
      expect(p.extraTurns).toBe(0);
    }
  });

  it('the number of exchanges grows with talk time', () => {
    const answered = sample.answered;
    const turnsWhere = (pick: (talk: number) => boolean) =>
      mean(answered.filter((p) => pick(p.talkSec)).map((p) => p.extraTurns));
    const short = turnsWhere((t) => t < 60);
    const medium = turnsWhere((t) => t >= 60 && t < 150);
    const long = turnsWhere((t) => t >= 150);
    expect(short).toBeLessThan(medium);
    expect(medium).toBeLessThan(long);
    // No time for a question in the shortest calls; about one exchange per 18 s in longer ones.
    for (const p of answered.filter((x) => x.talkSec < 33)) expect(p.extraTurns).toBe(0);
    for (const p of answered.filter((x) => x.talkSec >= 120)) {
      expect(p.extraTurns).toBeGreaterThanOrEqual(2);
      expect(p.extraTurns).toBeLessThanOrEqual(Math.ceil((p.talkSec - 25) / 8));
    }
  });
});

describe('simulator timing of the reserved ranges (every number, attempts 1–3)', () => {
  const plans = Array.from({ length: 1000 }, (_, suffix) =>
    [1, 2, 3].map((k) => ({
      suffix,
      k,
      plan: calleePlan(`+1500555${String(suffix).padStart(4, '0')}`, k),
    })),
  ).flat();

  it('keeps every draw within the bounds of its kind', () => {
    for (const { suffix, k, plan } of plans) {
      const where = `${suffix} attempt ${k}: ${JSON.stringify(plan)}`;
      switch (plan.reason) {
        case 'answered':
          expect(plan.ringSec, where).toBeGreaterThanOrEqual(3);
          expect(plan.ringSec, where).toBeLessThanOrEqual(28);
          expect(plan.talkSec, where).toBeGreaterThanOrEqual(suffix >= 900 ? 570 : 6);
          expect(plan.talkSec, where).toBeLessThanOrEqual(suffix >= 900 ? 630 : 480);
          break;
        case 'voicemail':
          expect(plan.ringSec, where).toBeGreaterThanOrEqual(15);
          expect(plan.talkSec, where).toBeLessThanOrEqual(75);
          break;
        case 'no_answer':
          expect(plan.ringSec, where).toBeGreaterThanOrEqual(30);
          expect(plan.ringSec, where).toBeLessThanOrEqual(45);
          break;
        default:
          expect(plan.ringSec, where).toBeLessThanOrEqual(6);
          expect(plan.talkSec, where).toBe(0);
      }
    }
  });

  it('0900–0999 all talk for about ten minutes, with far more exchanges than other calls', () => {
    const long = plans.filter((x) => x.suffix >= 900).map((x) => x.plan);
    expect(
      quantile(
        long.map((p) => p.talkSec),
        0.5,
      ),
    ).toBeCloseTo(600, -1);
    for (const p of long) expect(p.extraTurns).toBeGreaterThanOrEqual(20);
    const ordinary = plans.filter((x) => x.suffix < 100).map((x) => x.plan.extraTurns);
    expect(quantile(ordinary, 0.99)).toBeLessThan(20);
  });
});

describe('simulator timing', () => {
  it('rings at once, answers after the ring time and ends after the talk time, divided by the speed', async () => {
    const phone = '+15005550042';
    const plan = calleePlan(phone, 1);
    const clock = new FakeClock(T0);
    const log = new EventLog(clock);
    const sim = createSimulator({ clock, speed: 10, events: log });
    await sim.place(attemptRef(phone));
    const ring = Math.round((plan.ringSec * 1000) / 10);
    const total = ring + Math.round((plan.talkSec * 1000) / 10);
    await settle();
    expect(log.events.map((e) => [e.event.kind, e.receivedAt])).toEqual([['ringing', T0]]);
    await clock.advance(total - 1);
    await settle();
    expect(log.events.map((e) => [e.event.kind, e.receivedAt])).toEqual([
      ['ringing', T0],
      ['answered', T0 + ring],
    ]);
    await clock.advance(1);
    await settle();
    const end = log.ended('att_conformance0001');
    expect(end).toMatchObject({ endedAt: T0 + total, answeredAt: T0 + ring, sipCode: 200 });
    // Talk time is reported in simulated seconds, the same at any speed.
    expect(end?.durationSec).toBe(plan.talkSec);
  });

  it('answers the request after its accept latency, and reports nothing before', async () => {
    const clock = new FakeClock(T0);
    const log = new EventLog(clock);
    const sim = createSimulator({ clock, speed: 1, events: log, acceptMs: 300 });
    let accepted: unknown;
    void sim.place(attemptRef('+15005550042')).then((r) => {
      accepted = r;
    });
    await clock.advance(299);
    await settle();
    expect(accepted).toBeUndefined();
    expect(log.events).toEqual([]);
    await clock.advance(1);
    await settle();
    const plan = calleePlan('+15005550042', 1);
    expect(accepted).toEqual({
      accepted: true,
      providerCallId: 'sim_att_conformance0001',
      // The end its timeline holds, announced at once (recovery's deadline when its events die).
      endsBy: T0 + Math.round(plan.ringSec * 1000) + Math.round(plan.talkSec * 1000),
    });
    // The callee was ringing since the slot: reported now, with the time it began.
    expect(log.events.map((e) => [e.event.kind, e.receivedAt])).toEqual([['ringing', T0 + 300]]);
    expect(log.events[0]!.event).toMatchObject({ at: T0 });
  });

  it.each([
    ['+15005550100', 'busy', 486],
    ['+15005550200', 'no_answer', 480],
    ['+15005550300', 'voicemail', 200],
    ['+15005550400', 'unreachable', 404],
    ['+15005550800', 'provider_error', 503],
  ])(
    '%s ends %s with SIP %i; only a line that rings reports ringing',
    async (phone, reason, sip) => {
      const { events, end } = await playOut(SIMULATOR, attemptRef(phone));
      expect(end).toMatchObject({ reason, sipCode: sip });
      const rings = reason === 'no_answer' || reason === 'voicemail';
      expect(events.some((e) => e.kind === 'ringing')).toBe(rings);
    },
  );

  it('keeps one timer for all its calls in progress, however many', async () => {
    const clock = new FakeClock(T0);
    const sim = createSimulator({ clock, speed: 1, events: new EventLog(clock) });
    for (let i = 0; i < 10_000; i++) {
      await sim.place(
        attemptRef(`+1500555${String(900 + (i % 100)).padStart(4, '0')}`, {
          attemptId: `att_${i}`,
        }),
      );
    }
    expect(sim.local!.inProgress()).toBe(10_000);
    expect(clock.pending).toBe(1);
    await clock.advance(60_000);
    await settle();
    expect(clock.pending).toBe(1);
    expect(sim.local!.close()).toHaveLength(10_000);
    expect(clock.pending).toBe(0);
  });

  it('rejects a speed that is not positive', () => {
    const clock = new FakeClock();
    expect(() => createSimulator({ clock, speed: 0, events: new EventLog(clock) })).toThrow(
      /speed/,
    );
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
    const r = await dialAt('+15005550002', 1, {
      variables: {},
      agent: { id: 'a', name: 'Max', greeting: '', prompt: 'Ask about {plan} renewal' },
    });
    const lines = r.transcript!.split('\n');
    expect(lines[0]).toBe('Agent: Hello, this is Max.');
    expect(lines[1]).toBe('Customer: Hello, yes, speaking.');
    expect(lines[2]).toBe("Agent: I'm calling to ask about renewal.");
  });

  it('has one exchange per extra turn between the opening and a close that fits the outcome', async () => {
    const closes: Record<Outcome, RegExp> = {
      successful: /\nCustomer: Yes, that works for me\. .*\nAgent: .*all set.*\nCustomer: .*bye\.$/,
      unsuccessful: /\nCustomer: No, I'm not interested, thanks\.\nAgent: .*goodbye\.$/,
      callback_requested:
        /\nCustomer: .*call me back later\?\nAgent: .*When would be a good time\?\nCustomer: .+\nAgent: .*call you back.*\nCustomer: .*bye\.$/,
      opted_out: /\nCustomer: Please stop calling me.*\nAgent: .*won't be called again.*$/,
      voicemail: /\nAgent: .*Please call us back.*$/,
    };
    const closeLines: Record<Outcome, number> = {
      successful: 3,
      unsuccessful: 2,
      callback_requested: 5,
      opted_out: 2,
      voicemail: 0,
    };
    const phones = ['+15005550011', '+15005550612', '+15005550733', '+15005550944', UNSUCCESSFUL];
    for (const phone of phones) {
      const plan = calleePlan(phone, 1);
      const r = await dialAt(phone, 1);
      const lines = r.transcript!.split('\n');
      expect(lines.slice(0, 3).map((l) => l.slice(0, 9))).toEqual([
        'Agent: He',
        'Customer:',
        "Agent: I'",
      ]);
      expect(lines.length, phone).toBe(3 + 2 * plan.extraTurns + closeLines[plan.outcome!]);
      expect(r.transcript, phone).toMatch(closes[plan.outcome!]);
    }
    expect(calleePlan(UNSUCCESSFUL, 1).outcome).toBe('unsuccessful');
  });

  it("a long call brings in the row's own values and does not repeat a question soon", async () => {
    const r = await dialAt('+15005550950', 1, {
      variables: {
        first_name: 'John',
        last_name: 'Smith',
        email: 'john@example.com',
        date: 'Monday',
      },
    });
    expect(r.transcript).toContain(
      'Agent: Of course. I have last name Smith, email john@example.com and date Monday.',
    );
    expect(r.transcript).toContain("Agent: Yes, we'll send it to john@example.com.");
    expect(r.transcript).toContain('Agent: I have John, is that right?');
    const questions = r.transcript!.split('\n').filter((l) => l.startsWith('Customer: '));
    for (let i = 1; i < questions.length; i++) {
      expect(questions.slice(Math.max(0, i - 6), i), `question ${i}`).not.toContain(questions[i]);
    }
  });

  it('keeps each turn on one line and leaves no gap for an empty value', async () => {
    const r = await dialAt('+15005550950', 1, {
      variables: { first_name: '', last_name: 'Smith\nJr', date: 'Monday\r\n' },
    });
    const lines = r.transcript!.split('\n');
    expect(lines[0]).toBe('Agent: Hello, this is Ava from Acme.');
    expect(lines[2]).toBe("Agent: I'm calling to confirm the appointment of Smith Jr on Monday.");
    for (const line of lines) expect(line).toMatch(/^(Agent|Customer): \S(.*\S)?$/);
  });

  it('gives the same transcript for the same number and attempt, and varies it between calls', async () => {
    const texts = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const phone = `+150055509${String(i).padStart(2, '0')}`;
      const r = await dialAt(phone, 1);
      expect((await dialAt(phone, 1)).transcript).toBe(r.transcript);
      texts.add(r.transcript!);
    }
    expect(texts.size).toBe(8);
  });

  it('lookup of an unknown attempt says unknown', async () => {
    const clock = new FakeClock(T0);
    const sim = createSimulator({ clock, speed: 1, events: new EventLog(clock) });
    expect(await sim.lookup!(attemptRef('', {}))).toEqual({ status: 'unknown' });
  });
});
