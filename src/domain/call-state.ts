import type { AttemptState, BatchStatus, CallState } from './types.js';

// The tables of legal state changes: calls, their attempts, batches. The one storage module that
// changes states (src/storage/transitions/) builds every guard and target of its SQL from its own
// list of transitions, and test/storage/transitions-table.test.ts checks that list against these
// tables; docs/state-machine.md draws them.

// - waiting → active: a worker claimed the call and started an attempt.
// - waiting → cancelled: the batch, the call or its phone number was cancelled before a dial.
// - active → waiting: the attempt ended with a retryable reason (the next one is scheduled), or it
//   was released unsent (its worker died before asking the carrier).
// - active → completed | failed: the attempt ended the call.
// An active call is never cancelled: a conversation in progress is not hung up, it finishes.
// - failed → waiting, completed → waiting: an operator retried the job (ext §17: failed jobs, and
//   completed ones whose outcome was voicemail); it keeps its id and gets a fresh attempt budget.
export const CALL_TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  waiting: ['active', 'cancelled'],
  active: ['waiting', 'completed', 'failed'],
  completed: ['waiting'],
  failed: ['waiting'],
  cancelled: [],
};

/**
 * Not a state a row holds: an attempt released unsent (claimed, or placing when the provider
 * proved it never had the call) is deleted, and its call is waiting again without having spent
 * the attempt.
 */
export const ATTEMPT_RELEASED = 'released';
export type AttemptTarget = AttemptState | typeof ATTEMPT_RELEASED;

// - claimed → placing: committed by the worker before its request to the carrier leaves.
// - claimed → ended: the attempt could not be placed at all (its provider is not configured).
// - claimed → released: the worker stopped or died before asking the carrier.
// - placing → in_call: the carrier accepted the call (its call id), or one of its events came first.
// - placing → ended: the request failed, the carrier reported the end before anything else, or
//   recovery settled it from the provider's answer (or as "outcome unknown").
// - placing → released: recovery found no such call at a provider that can prove its absence.
// - in_call → ended: the carrier's end, or recovery's lookup past the deadline.
// An ended attempt never changes again: a repeated or late event is ignored.
export const ATTEMPT_TRANSITIONS: Readonly<Record<AttemptState, readonly AttemptTarget[]>> = {
  claimed: ['placing', 'ended', ATTEMPT_RELEASED],
  placing: ['in_call', 'ended', ATTEMPT_RELEASED],
  in_call: ['ended'],
  ended: [],
};

export function canTransition(from: CallState, to: CallState): boolean {
  return CALL_TRANSITIONS[from].includes(to);
}

export function canAttemptTransition(from: AttemptState, to: AttemptTarget): boolean {
  return ATTEMPT_TRANSITIONS[from].includes(to);
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`Illegal call state transition ${from} → ${to}`);
  }
}

export function assertTransition(from: CallState, to: CallState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

// Batch statuses. `processing` is set at the first claim, `completed` once no call is waiting or
// active. A batch can complete straight from `queued` when every call was cancelled one by one
// before any dial. `failed` means the batch itself could not run (e.g. its agent is gone).
// A completed batch reopens (`processing`) while jobs retried by an operator run.
// `paused`: no new attempt starts (its calls in progress finish); a resume returns it to
// `processing`, or to `queued` when it never started. A paused batch whose last calls end with
// nothing left waiting is completed; one cancelled while paused is cancelled.
export const BATCH_TRANSITIONS: Readonly<Record<BatchStatus, readonly BatchStatus[]>> = {
  queued: ['processing', 'paused', 'completed', 'cancelled', 'failed'],
  processing: ['paused', 'completed', 'cancelled', 'failed'],
  paused: ['queued', 'processing', 'completed', 'cancelled'],
  // Reopened by a retry of its failed jobs (ext §17).
  completed: ['processing'],
  cancelled: [],
  failed: [],
};

export function canBatchTransition(from: BatchStatus, to: BatchStatus): boolean {
  return BATCH_TRANSITIONS[from].includes(to);
}

/** The error a call shows when it was cancelled with its batch. */
export const BATCH_CANCELLED_ERROR = 'Batch cancelled';
/** The error a call shows when its number was on the do-not-call list when it came due (§18). */
export const DNC_CANCELLED_ERROR = 'Number on do-not-call list';
/** Why a batch paused by its own pause request is paused. */
export const PAUSED_BY_REQUEST = 'paused by request';
/** Why the batches of a workspace stopped with "stop everything" are paused (ext §19). */
export const WORKSPACE_PAUSED = 'workspace paused';
/** The error a call shows when it was cancelled on its own or by its phone number. */
export const CALL_CANCELLED_ERROR = 'Call cancelled';
