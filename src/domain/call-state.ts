import type { BatchStatus, CallState } from './types.js';

// The one table of legal call state changes. Storage code guards every UPDATE with the `from`
// state in its WHERE clause; this table is what those guards implement and what
// docs/state-machine.md draws.
//
// - waiting → active: a worker claimed the call and started an attempt.
// - waiting → cancelled: the batch, the call or its phone number was cancelled before a dial.
// - active → waiting: the attempt ended with a retryable reason; the next one is scheduled.
// - active → completed | failed: the attempt ended the call.
// An active call is never cancelled: a conversation in progress is not hung up, it finishes.
export const CALL_TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  waiting: ['active', 'cancelled'],
  active: ['waiting', 'completed', 'failed'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: CallState, to: CallState): boolean {
  return CALL_TRANSITIONS[from].includes(to);
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
export const BATCH_TRANSITIONS: Readonly<Record<BatchStatus, readonly BatchStatus[]>> = {
  queued: ['processing', 'completed', 'cancelled', 'failed'],
  processing: ['completed', 'cancelled', 'failed'],
  completed: [],
  cancelled: [],
  failed: [],
};

export function canBatchTransition(from: BatchStatus, to: BatchStatus): boolean {
  return BATCH_TRANSITIONS[from].includes(to);
}
