import type { AttemptReason, Outcome } from '../../domain/types.js';
import { type Duration, drawSeconds, type Rng, seededRandom } from './random.js';

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
  /** Question-and-answer exchanges beyond the opening and the close; grows with talk time. */
  extraTurns: number;
  errorMessage?: string;
}

// Timing model. Draws are seconds of simulated time; the simulator divides them by
// OUTDIAL_SIM_SPEED. Human-driven times (how long until someone picks up, how long they talk) are
// log-normal: right-skewed, never negative, most calls near the median and a long tail of slow
// ones, which is how call-centre handle times are distributed. Network-driven times (a busy
// signal, a dead number, a ring-out) sit close to a fixed timer. Every draw is clamped so that a
// tail value can never produce an absurd call or break the documented behaviour of a range.
const lognormal = (median: number, spread: number, min: number, max: number): Duration => ({
  kind: 'lognormal',
  median,
  spread,
  min,
  max,
});

/**
 * Dial to answer: a second or two of call set-up, then 6 s ring cycles (North American cadence);
 * most people pick up on the first or second ring, a few let it ring almost to the ring-out.
 */
const ANSWER_RING = lognormal(8, 1.5, 3, 28);

/** Dial to the machine: voicemail picks up after a configured 4–5 rings, a fairly fixed time. */
const VOICEMAIL_RING: Duration = { kind: 'normal', mean: 24, sd: 3, min: 15, max: 32 };

type Unanswered = 'busy' | 'no_answer' | 'unreachable' | 'carrier_blocked' | 'provider_error';

/**
 * Dial to the end of an unanswered attempt. A ring-out lasts until the carrier's no-answer timer
 * gives up (typically 30–45 s, most near 38 s); the failures come back with the network's
 * signalling a second or two after the dial, busy tone included.
 */
const UNANSWERED_RING: Record<Unanswered, Duration> = {
  no_answer: { kind: 'normal', mean: 38, sd: 4, min: 30, max: 45 },
  busy: lognormal(2, 1.4, 0.8, 5),
  unreachable: lognormal(1.5, 1.6, 0.3, 6),
  carrier_blocked: lognormal(1, 1.5, 0.3, 4),
  provider_error: lognormal(0.8, 1.8, 0.1, 5),
};

/**
 * Talk time by outcome. A call that succeeds runs through the whole script (median about a minute
 * and a half); a refusal, a "call me later" or an opt-out ends the call early. Voicemail is the
 * machine's greeting plus a short message.
 */
const TALK: Record<Outcome, Duration> = {
  successful: lognormal(95, 1.6, 30, 480),
  unsuccessful: lognormal(45, 1.7, 12, 300),
  callback_requested: lognormal(35, 1.5, 12, 180),
  opted_out: lognormal(20, 1.5, 6, 90),
  voicemail: lognormal(28, 1.3, 12, 75),
};

/** The 0900–0999 range: the contract's "about 10 minutes". */
const LONG_TALK = lognormal(600, 1.02, 570, 630);

/** The greeting, the purpose, the answer and the goodbye take about this long between them. */
const OPENING_AND_CLOSE_SEC = 25;
/** One more question from the callee and the agent's answer. */
const EXCHANGE = lognormal(18, 1.35, 8, 45);
/** Keeps a stored transcript to a few kilobytes however long the call. */
const MAX_EXTRA_TURNS = 40;

/** How many extra exchanges fill the talk time left after the opening and the close. */
function exchangesIn(rng: Rng, talkSec: number): number {
  let left = talkSec - OPENING_AND_CLOSE_SEC;
  let turns = 0;
  while (turns < MAX_EXTRA_TURNS) {
    left -= drawSeconds(rng, EXCHANGE);
    if (left < 0) break;
    turns++;
  }
  return turns;
}

const answered = (rng: Rng, outcome: Outcome, long = false): CalleePlan => {
  const ringSec = drawSeconds(rng, ANSWER_RING);
  const talkSec = drawSeconds(rng, long ? LONG_TALK : TALK[outcome]);
  return { reason: 'answered', outcome, ringSec, talkSec, extraTurns: exchangesIn(rng, talkSec) };
};

const voicemail = (rng: Rng): CalleePlan => ({
  reason: 'voicemail',
  outcome: 'voicemail',
  ringSec: drawSeconds(rng, VOICEMAIL_RING),
  talkSec: drawSeconds(rng, TALK.voicemail),
  extraTurns: 0,
});

const unanswered = (rng: Rng, reason: Unanswered): CalleePlan => ({
  reason,
  ringSec: drawSeconds(rng, UNANSWERED_RING[reason]),
  talkSec: 0,
  extraTurns: 0,
  ...(reason === 'provider_error' ? { errorMessage: 'Simulated carrier error (SIP 503)' } : {}),
});

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
