import type { AttemptReason, AttemptState, ResultOutcome } from './types.js';

// What a carrier reports about an attempt, and the one rule for applying it. Events reach Outdial
// by one recording path (an HTTP callback route, or an in-process provider such as the
// simulator) and may arrive late, twice, out of order, or never. The rule makes recording them
// idempotent and ordered: an ended attempt never changes again, and an event of an earlier stage
// (ringing, answered) after a later one adds only what was not known yet.

/** What the carrier reported when the attempt ended. */
export interface CarrierEnd {
  reason: AttemptReason;
  endedAt: number;
  answeredAt?: number;
  /** Talk time in seconds (answered and voicemail attempts). */
  durationSec?: number;
  /** The SIP final response, where the carrier gives it. */
  sipCode?: number;
  /** The carrier's detail for a failure (stored on the attempt, never shown as the call's error). */
  errorMessage?: string;
  providerCallId?: string;
  /**
   * The conversation's outcome and transcript, when the provider also plays the agent (the
   * simulator). A real carrier reports neither: the agent's own report brings them, or the grace
   * period ends without one (`unknown`, ext §21).
   */
  outcome?: ResultOutcome;
  transcript?: string;
  /** When the callee asked to be called back (the agent's report): the next attempt's time. */
  callbackAt?: number;
  /**
   * The end was learnt by asking the carrier (recovery), its callbacks lost: a callback that did
   * not come (a bridge's) proves nothing then.
   */
  reconciled?: boolean;
}

/** How an attempt ended. */
export type AttemptEnding =
  | { kind: 'carrier'; end: CarrierEnd }
  /** Nobody can tell what the attempt did (its worker was lost and the provider cannot say). */
  | { kind: 'lost'; at: number }
  /** It was never sent: there is no provider to send it to. */
  | { kind: 'unplaced'; at: number; error: string };

export type AttemptEvent = { attemptId: string } & (
  | { kind: 'accepted'; at: number; providerCallId: string; endsBy?: number }
  | { kind: 'ringing'; at: number; providerCallId?: string }
  | { kind: 'answered'; at: number; providerCallId?: string }
  | { kind: 'machine_detected'; at: number; providerCallId?: string }
  /** Ext §21: the answered call reached the user's agent (the stream started, the SIP leg answered). */
  | { kind: 'bridge_started'; at: number; providerCallId?: string }
  /** Ext §21: the answered call could not reach the agent (stream error, SIP leg not connected). */
  | { kind: 'bridge_failed'; at: number; error: string; providerCallId?: string }
  | { kind: 'ended'; ending: AttemptEnding }
);

/** The changes a group of events makes to one attempt; absent fields are left as they are. */
export interface AttemptChange {
  to: AttemptState;
  providerCallId?: string;
  answeredAt?: number;
  /** When answering-machine detection said a machine took the call. */
  machineDetectedAt?: number;
  bridgeStartedAt?: number;
  bridgeFailedAt?: number;
  bridgeError?: string;
  /** Set when the attempt ends with this group. */
  ending?: AttemptEnding;
  /** When the provider said the call will have ended (see PlaceResult). */
  endsBy?: number;
}

function endsFrom(state: AttemptState, ending: AttemptEnding): boolean {
  switch (ending.kind) {
    case 'unplaced':
      return state === 'claimed';
    case 'lost':
    case 'carrier':
      // A claimed attempt was never sent: no carrier can report on it, and a worker that stops
      // releases it instead of losing it.
      return state === 'placing' || state === 'in_call';
  }
}

/**
 * A machine took the call (reported apart, e.g. by asynchronous detection): the carrier's plain
 * "answered" end is voicemail, whichever of the two reports came first in the group or before.
 */
function asVoicemail(ending: AttemptEnding): AttemptEnding {
  if (ending.kind !== 'carrier' || ending.end.reason !== 'answered') return ending;
  return { kind: 'carrier', end: { ...ending.end, reason: 'voicemail' } };
}

/**
 * The bridge to the agent failed and never started: the callee's plain "answered" end is
 * agent_unreachable (ext §21), whichever report came first. A stream that failed after it had
 * started reached the agent.
 */
function asAgentUnreachable(ending: AttemptEnding, error: string | undefined): AttemptEnding {
  if (ending.kind !== 'carrier' || ending.end.reason !== 'answered') return ending;
  return {
    kind: 'carrier',
    end: {
      ...ending.end,
      reason: 'agent_unreachable',
      errorMessage: error ?? 'The call never reached the agent',
    },
  };
}

/** What the attempt's row already holds: an event repeating it changes nothing. */
export interface KnownAboutAttempt {
  providerCallId?: string | null;
  answeredAt?: number | null;
  machineDetectedAt?: number | null;
  bridgeStartedAt?: number | null;
  bridgeFailedAt?: number | null;
  bridgeError?: string | null;
}

/**
 * Applies `events` (in arrival order) to an attempt in `state`. Undefined when they change
 * nothing: the attempt ended already, they name a stage it is past or could not have reached, or
 * they only repeat what its row already holds (`known`), which then costs no write.
 */
export function applyEvents(
  state: AttemptState,
  events: readonly AttemptEvent[],
  known: KnownAboutAttempt = {},
): AttemptChange | undefined {
  let to = state;
  const change: Omit<AttemptChange, 'to'> = {};
  let callIdKnown = known.providerCallId != null;
  let answerKnown = known.answeredAt != null;
  let machineKnown = known.machineDetectedAt != null;
  let bridgeStarted = known.bridgeStartedAt != null;
  let bridgeFailed = known.bridgeFailedAt != null;
  let bridgeError = known.bridgeError ?? undefined;
  let changed = false;
  for (const e of events) {
    if (to === 'ended') break;
    if (e.kind === 'ended') {
      if (!endsFrom(to, e.ending)) continue;
      to = 'ended';
      change.ending = machineKnown
        ? asVoicemail(e.ending)
        : bridgeFailed && !bridgeStarted
          ? asAgentUnreachable(e.ending, bridgeError)
          : e.ending;
      changed = true;
      break;
    }
    // Nothing was sent for a claimed attempt: an event about it is not about this attempt.
    if (to === 'claimed') continue;
    if (to === 'placing') {
      to = 'in_call';
      changed = true;
    }
    // The carrier's answer to the request may come after its first status event: the end it
    // announces still moves the deadline.
    if (e.kind === 'accepted' && e.endsBy !== undefined) {
      change.endsBy = e.endsBy;
      changed = true;
    }
    if (e.providerCallId !== undefined && !callIdKnown) {
      change.providerCallId = e.providerCallId;
      callIdKnown = true;
      changed = true;
    }
    if ((e.kind === 'answered' || e.kind === 'machine_detected') && !answerKnown) {
      change.answeredAt = e.at;
      answerKnown = true;
      changed = true;
    }
    if (e.kind === 'machine_detected' && !machineKnown) {
      change.machineDetectedAt = e.at;
      machineKnown = true;
      changed = true;
    }
    if (e.kind === 'bridge_started' && !bridgeStarted) {
      change.bridgeStartedAt = e.at;
      bridgeStarted = true;
      changed = true;
    }
    if (e.kind === 'bridge_failed' && !bridgeFailed) {
      change.bridgeFailedAt = e.at;
      change.bridgeError = e.error;
      bridgeFailed = true;
      bridgeError = e.error;
      changed = true;
    }
  }
  return changed ? { to, ...change } : undefined;
}

/** The reason an ending is recorded under (`call_attempts.reason`). */
export function endingReason(ending: AttemptEnding): string {
  if (ending.kind === 'carrier') return ending.end.reason;
  return ending.kind === 'lost' ? 'unknown' : 'provider_error';
}
