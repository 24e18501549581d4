import type { CarrierEnd } from './attempt-event.js';
import type { AttemptState } from './types.js';

// What recovery does with an attempt nobody is reporting on (see docs/state-machine.md, "Lost
// workers and missing events"). Never a second request for the same attempt: a person called
// twice is the worst thing this system can do.
//
// - claimed, lease expired: it was provably never sent → released (the call waits again, the
//   attempt not spent).
// - placing, lease expired: the carrier may have it (no idempotency key, and a call it holds in
//   its own queue has no start time yet). Its callbacks, which name the attempt, are waited for
//   until ring timeout + margin after the slot; then the provider is asked.
// - in_call past its deadline (ring timeout + maximum call + margin after the slot): the provider
//   is asked.

export interface RecoveryTimes {
  ringTimeoutMs: number;
  maxCallMs: number;
  marginMs: number;
}

/** Until when a placing attempt whose worker was lost may still be reported by its carrier. */
export const placingWaitUntil = (startedAt: number, t: RecoveryTimes) =>
  startedAt + t.ringTimeoutMs + t.marginMs;

/**
 * When an in_call attempt with no reported end is looked up: past the longest call allowed, or a
 * margin after the end its provider announced (`endsBy`, from a provider that plays the call in
 * its own process, whose events stop if that process dies).
 */
export const inCallDeadline = (startedAt: number, t: RecoveryTimes, endsBy?: number) => {
  const longest = startedAt + t.ringTimeoutMs + t.maxCallMs + t.marginMs;
  return endsBy === undefined ? longest : Math.min(longest, endsBy + t.marginMs);
};

export type RecoveryStep =
  | { kind: 'release' }
  | { kind: 'wait'; until: number }
  | { kind: 'lookup' };

/**
 * The first step for an attempt recovery took over (its lease expired, or its deadline passed).
 * `callbacksMayCome`: false for a provider whose events come from inside the worker that placed
 * the call (the simulator), since they died with it; waiting for them would only delay the lookup.
 */
export function recoveryStep(
  state: Exclude<AttemptState, 'ended'>,
  startedAt: number,
  now: number,
  t: RecoveryTimes,
  callbacksMayCome = true,
): RecoveryStep {
  if (state === 'claimed') return { kind: 'release' };
  if (state === 'placing' && callbacksMayCome) {
    const until = placingWaitUntil(startedAt, t);
    if (now < until) return { kind: 'wait', until };
  }
  return { kind: 'lookup' };
}

/** A provider's answer about one attempt. */
export type LookupAnswer =
  /** It has no such call. Proof that it was never placed only if the provider can prove absence. */
  | { status: 'not_found' }
  | { status: 'in_progress'; providerCallId: string; answeredAt?: number }
  | { status: 'ended'; end: CarrierEnd }
  /** It cannot tell. */
  | { status: 'unknown' };

export interface LookupAbility {
  /** Can find the attempt without the carrier's call id (a placing attempt has none recorded). */
  byAttempt: boolean;
  /** Can find it by the carrier's call id. */
  byCallId: boolean;
  /** A lookup by attempt that finds nothing proves the call was never placed. */
  provesAbsence: boolean;
  hangUp: boolean;
}

/** Whether the provider can be asked about this attempt at all. */
export function canLookUp(
  state: 'placing' | 'in_call',
  providerCallId: string | null,
  a: LookupAbility,
): boolean {
  return a.byAttempt || (a.byCallId && providerCallId !== null && state === 'in_call');
}

export type Verdict =
  /** The carrier has it: placing → in_call, with a deadline. */
  | { kind: 'adopt'; providerCallId: string; answeredAt?: number }
  | { kind: 'settle'; end: CarrierEnd }
  /** Provably never placed: released, the call waits again. */
  | { kind: 'release' }
  /** Nobody can tell: "Attempt outcome unknown (worker lost)". */
  | { kind: 'lost' }
  /** Ask again at `at` (after hanging up a call past its maximum length, when that is possible). */
  | { kind: 'recheck'; at: number; hangUp: boolean };

/**
 * What the provider's answer (or `undefined` when it could not be asked) means for an attempt
 * in `state`. `failed`: the lookup itself failed, which proves nothing; it is asked again later.
 */
export function verdictOf(
  state: 'placing' | 'in_call',
  answer: LookupAnswer | 'failed' | undefined,
  ability: LookupAbility,
  now: number,
  t: RecoveryTimes,
): Verdict {
  if (answer === undefined) return { kind: 'lost' };
  if (answer === 'failed') return { kind: 'recheck', at: now + t.marginMs, hangUp: false };
  switch (answer.status) {
    case 'ended':
      return { kind: 'settle', end: answer.end };
    case 'in_progress':
      if (state === 'placing') {
        return {
          kind: 'adopt',
          providerCallId: answer.providerCallId,
          ...(answer.answeredAt === undefined ? {} : { answeredAt: answer.answeredAt }),
        };
      }
      // Past its deadline and still going: longer than any call may last.
      return { kind: 'recheck', at: now + t.marginMs, hangUp: ability.hangUp };
    case 'not_found':
      return state === 'placing' && ability.provesAbsence ? { kind: 'release' } : { kind: 'lost' };
    case 'unknown':
      return { kind: 'lost' };
  }
}
