import type { AttemptReason, Outcome } from '../../domain/types.js';

// What the simulated callee does on one attempt. A pure function of (number, attempt number), so
// the same number and attempt always behave the same, on every machine and after a restart —
// which is also what lets the simulator answer `lookup` for an attempt whose worker died.

export interface CalleePlan {
  reason: AttemptReason;
  outcome?: Outcome;
  /** Simulated seconds from dial to answer (or to the busy tone / ring-out / error). */
  ringSec: number;
  /** Simulated seconds of talk (answered and voicemail only). */
  talkSec: number;
  /** Extra conversation turns (the 0900–0999 long calls have many). */
  extraTurns: number;
  errorMessage?: string;
}

const SEED = 'outdial-simulator-v1';

/** cyrb53: a small, well-mixed string hash (53 bits). */
function hash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** mulberry32: a deterministic stream of numbers in [0, 1). */
export function seededRandom(key: string): () => number {
  let a = hash(`${SEED}|${key}`) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const between = (rng: Rng, min: number, max: number) =>
  Math.round((min + (max - min) * rng()) * 10) / 10;

const answered = (rng: Rng, outcome: Outcome, long = false): CalleePlan => {
  const talk: Record<Outcome, [number, number]> = {
    successful: [45, 180],
    unsuccessful: [20, 90],
    voicemail: [15, 35],
    callback_requested: [20, 60],
    opted_out: [10, 30],
  };
  const [min, max] = long ? [570, 630] : talk[outcome];
  return {
    reason: 'answered',
    outcome,
    ringSec: between(rng, 4, 20),
    talkSec: between(rng, min, max),
    extraTurns: long ? 12 : Math.floor(rng() * 3),
  };
};

const voicemail = (rng: Rng): CalleePlan => ({
  reason: 'voicemail',
  outcome: 'voicemail',
  ringSec: between(rng, 20, 30),
  talkSec: between(rng, 15, 35),
  extraTurns: 0,
});

const unanswered = (rng: Rng, reason: AttemptReason): CalleePlan => {
  const ring: Partial<Record<AttemptReason, [number, number]>> = {
    busy: [1, 4],
    no_answer: [30, 45],
    unreachable: [0.5, 3],
    carrier_blocked: [0.5, 2],
    provider_error: [0.2, 2],
  };
  const [min, max] = ring[reason] ?? [1, 3];
  return {
    reason,
    ringSec: between(rng, min, max),
    talkSec: 0,
    extraTurns: 0,
    ...(reason === 'provider_error' ? { errorMessage: 'Simulated carrier error (SIP 503)' } : {}),
  };
};

const RESERVED = /^\+1500555(\d{4})$/;

/** The contract's reserved test numbers, +1500555XXXX with XXXX in 0000–0999. */
function reservedPlan(suffix: number, attemptNo: number, rng: Rng): CalleePlan | undefined {
  switch (Math.floor(suffix / 100)) {
    case 0:
      return answered(rng, 'successful');
    case 1:
      return unanswered(rng, 'busy');
    case 2:
      return unanswered(rng, 'no_answer');
    case 3:
      return voicemail(rng);
    case 4:
      return unanswered(rng, 'unreachable');
    case 5:
      return attemptNo === 1 ? unanswered(rng, 'busy') : answered(rng, 'successful');
    case 6:
      return answered(rng, 'callback_requested');
    case 7:
      return answered(rng, 'opted_out');
    case 8:
      return attemptNo === 1 ? unanswered(rng, 'provider_error') : answered(rng, 'successful');
    case 9:
      return answered(rng, 'successful', true);
    default:
      return undefined;
  }
}

/**
 * About 65 % answered, 12 % voicemail, 13 % no answer, 7 % busy, 3 % failed. A dead number is
 * dead on every attempt, so unreachable is drawn per number; the rest per attempt.
 */
function mixedPlan(phoneNumber: string, rng: Rng): CalleePlan {
  if (seededRandom(phoneNumber)() < 0.015) return unanswered(rng, 'unreachable');
  const r = rng() * 0.985;
  if (r < 0.65) {
    const o = rng();
    const outcome: Outcome =
      o < 0.7
        ? 'successful'
        : o < 0.85
          ? 'unsuccessful'
          : o < 0.95
            ? 'callback_requested'
            : 'opted_out';
    return answered(rng, outcome);
  }
  if (r < 0.77) return voicemail(rng);
  if (r < 0.9) return unanswered(rng, 'no_answer');
  if (r < 0.97) return unanswered(rng, 'busy');
  return unanswered(rng, 'provider_error');
}

export function calleePlan(phoneNumber: string, attemptNo: number): CalleePlan {
  const rng = seededRandom(`${phoneNumber}#${attemptNo}`);
  const m = RESERVED.exec(phoneNumber);
  return (m && reservedPlan(Number(m[1]), attemptNo, rng)) || mixedPlan(phoneNumber, rng);
}
