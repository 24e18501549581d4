import { ATTEMPT_RELEASED, type AttemptTarget } from '../../domain/call-state.js';
import type { AttemptState, BatchStatus, CallState } from '../../domain/types.js';

// Every state change this module performs, as data. Each statement that writes a state builds its
// guard (`from`) and its target (`to`) from one of these entries, so this list is exactly what
// the module does; test/storage/transitions-table.test.ts checks each entry against the tables of
// src/domain/call-state.ts. Nothing outside src/storage/transitions/ writes a state (the same
// test scans the source for it).
//
// Each transition is one exported function that runs in its caller's transaction: it applies the
// guard, releases the lease, adds the progress deltas and checks the batch's completion. The
// outgoing webhook events (issue 13) are written by these same functions, next to their progress
// deltas, so an event exists exactly when its state change committed.

interface Edge<E extends string, S extends string, T extends string> {
  entity: E;
  /** States the row may be in; empty for a row this transition creates. */
  from: readonly S[];
  to: T;
}

type CallEdge = Edge<'call', CallState, CallState>;
type AttemptEdge = Edge<'attempt', AttemptState, AttemptTarget>;
type BatchEdge = Edge<'batch', BatchStatus, BatchStatus>;

export const TRANSITIONS = {
  /** A worker claims the call: its next attempt starts (claim.ts). */
  claimCall: { entity: 'call', from: ['waiting'], to: 'active' },
  /** The claimed attempt's row is written (claim.ts). */
  claimAttempt: { entity: 'attempt', from: [], to: 'claimed' },
  /** The first claim of a queued batch (claim.ts). */
  startBatch: { entity: 'batch', from: ['queued'], to: 'processing' },
  /** Committed before the request to the carrier leaves (placing.ts). */
  placeAttempt: { entity: 'attempt', from: ['claimed'], to: 'placing' },
  /** The carrier accepted the call, or reported on it first (events.ts). */
  acceptAttempt: { entity: 'attempt', from: ['placing'], to: 'in_call' },
  /** The attempt ended (end.ts); a claimed one only when it could not be placed at all. */
  endAttempt: { entity: 'attempt', from: ['claimed', 'placing', 'in_call'], to: 'ended' },
  completeCall: { entity: 'call', from: ['active'], to: 'completed' },
  failCall: { entity: 'call', from: ['active'], to: 'failed' },
  /** The attempt ended with a retryable reason: the call waits for its next one (end.ts). */
  retryCall: { entity: 'call', from: ['active'], to: 'waiting' },
  /** An attempt never sent is removed (release.ts). */
  releaseAttempt: { entity: 'attempt', from: ['claimed', 'placing'], to: ATTEMPT_RELEASED },
  /** Its call waits again, the attempt not spent (release.ts). */
  releaseCall: { entity: 'call', from: ['active'], to: 'waiting' },
  /** A waiting call cancelled by its batch, its id or its number (cancel.ts, release.ts). */
  cancelCall: { entity: 'call', from: ['waiting'], to: 'cancelled' },
  /** No call waiting or active any more (completion.ts). */
  completeBatch: { entity: 'batch', from: ['queued', 'processing', 'paused'], to: 'completed' },
  cancelBatch: { entity: 'batch', from: ['queued', 'processing', 'paused'], to: 'cancelled' },
  /** No new attempt of the batch starts (pause.ts). */
  pauseBatch: { entity: 'batch', from: ['queued', 'processing'], to: 'paused' },
  /** A paused batch that had started dials again (pause.ts). */
  resumeBatch: { entity: 'batch', from: ['paused'], to: 'processing' },
  /** A paused batch that never started waits for its first claim again (pause.ts). */
  resumeQueuedBatch: { entity: 'batch', from: ['paused'], to: 'queued' },
  /** An operator retried the job: failed, or completed with voicemail (retry.ts). */
  retryJob: { entity: 'call', from: ['failed', 'completed'], to: 'waiting' },
  /** A completed batch runs again while its retried jobs do (retry.ts). */
  reopenBatch: { entity: 'batch', from: ['completed'], to: 'processing' },
  /** Pause: an attempt claimed but not sent is handed back, its call waiting unspent (release.ts). */
  releaseClaimedAttempt: { entity: 'attempt', from: ['claimed'], to: ATTEMPT_RELEASED },
} as const satisfies Record<string, CallEdge | AttemptEdge | BatchEdge>;

export type TransitionName = keyof typeof TRANSITIONS;

/** A state name as an SQL literal (state names are plain identifiers; anything else is a bug). */
export function sqlState(state: string): string {
  if (!/^[a-z_]+$/.test(state)) throw new Error(`not a state name: ${state}`);
  return `'${state}'`;
}

/** `<column> IN (<from states>)`: the guard of a transition, for the row aliased `alias`. */
export function guard(name: TransitionName, column: string): string {
  const from = TRANSITIONS[name].from as readonly string[];
  if (from.length === 0) throw new Error(`${name} creates its row: it has no guard`);
  return `${column} IN (${from.map(sqlState).join(', ')})`;
}

/**
 * The guard of a statement that finds its calls by key (a list of ids): the same test in a form
 * no partial index and no column statistic answers, so the planner looks each id up in the
 * primary key. Written plainly, statistics taken before a large upload make the from-state look
 * rare, and the planner then reads every row of that state's partial index to meet the list
 * (measured: 600 ms for a claim of 1,000 calls with 646,000 calls waiting, instead of 40 ms).
 */
export function keyedGuard(name: TransitionName, column: string): string {
  return `(${guard(name, column)}) IS TRUE`;
}

/** The target state of a transition, as an SQL literal. */
export function target(name: TransitionName): string {
  const to = TRANSITIONS[name].to as string;
  if (to === ATTEMPT_RELEASED) throw new Error(`${name} removes its row: it has no target state`);
  return sqlState(to);
}
