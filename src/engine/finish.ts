import { nextWindowStart } from '../domain/calling-window.js';
import {
  decideNext,
  type NextStep,
  retryPolicyFor,
  WORKER_LOST_ERROR,
} from '../domain/retry-policy.js';
import type { DialResult } from '../providers/provider.js';
import type { Runtime } from '../runtime.js';
import { completeBatchIfDone } from '../storage/batch-completion-repo.js';
import {
  type AttemptEndRecord,
  type CompletedCall,
  type FailedCall,
  lockOwnedCalls,
  markCallsCompleted,
  markCallsFailed,
  type OwnedCall,
  type RescheduledCall,
  recordAttemptEnds,
  rescheduleCalls,
} from '../storage/call-finish-repo.js';
import type { Queryable } from '../storage/db.js';
import { addProgress, type ProgressDelta } from '../storage/progress-repo.js';
import { txWithRetry } from '../storage/transaction-retry.js';

// The one transaction that ends attempts: the attempt rows, the calls (completed / failed / back
// to waiting), the progress deltas and the batches' completion — all or nothing, and only for the
// calls whose lease the caller still holds. It takes a group of attempts at once (see
// finish-queue.ts): one commit per group is what lets a worker finish thousands of calls a second.

export interface AttemptHandle {
  callId: string;
  attemptId: string;
  /** The lease owner: the worker that dialed, or the reaper that took the lease over. */
  owner: string;
}

export type FinishOutcome =
  | { status: 'lost' }
  | { status: 'finished'; step: NextStep; batchId: string; runAt?: number };

/** What ends the attempt: the provider's result, or a failure decided without one. */
export type AttemptEnding =
  | { kind: 'result'; result: DialResult }
  | { kind: 'lost'; at: number }
  | { kind: 'unavailable'; at: number; error: string };

/** The reason an ending is recorded under (`call_attempts.reason`). */
export function endingReason(ending: AttemptEnding): string {
  if (ending.kind === 'result') return ending.result.reason;
  return ending.kind === 'lost' ? 'unknown' : 'provider_error';
}

export interface FinishItem {
  handle: AttemptHandle;
  ending: AttemptEnding;
}

function retryAt(call: OwnedCall, earliest: number): number {
  const window = call.batchConfig.callingWindow;
  if (call.timeZone === null || window === undefined) return earliest;
  return nextWindowStart(window, call.timeZone, earliest);
}

/** The writes one attempt's end needs, gathered so each kind is one statement for the group. */
interface Writes {
  ends: AttemptEndRecord[];
  completed: CompletedCall[];
  failed: FailedCall[];
  rescheduled: RescheduledCall[];
  deltas: Map<string, Required<ProgressDelta>>;
}

function addDelta(w: Writes, batchId: string, delta: ProgressDelta): void {
  let d = w.deltas.get(batchId);
  if (!d) {
    d = { waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0, durationSum: 0 };
    w.deltas.set(batchId, d);
  }
  for (const k of Object.keys(delta) as Array<keyof ProgressDelta>) d[k] += delta[k] ?? 0;
}

/** Decides one attempt's end (pure apart from the config) and queues its writes. */
function plan(
  rt: Runtime,
  w: Writes,
  call: OwnedCall,
  handle: AttemptHandle,
  ending: AttemptEnding,
  now: number,
): FinishOutcome {
  if (ending.kind !== 'result') {
    const error = ending.kind === 'lost' ? WORKER_LOST_ERROR : ending.error;
    const reason = endingReason(ending);
    w.ends.push({ attemptId: handle.attemptId, endedAt: ending.at, reason, error });
    w.failed.push({ callId: call.id, endTime: ending.at, error, reason });
    addDelta(w, call.batchId, { active: -1, failed: 1 });
    return { status: 'finished', step: { kind: 'fail', error }, batchId: call.batchId };
  }

  // An end is never recorded after the moment it is recorded: a provider's clock (or a timer
  // firing a millisecond early) must not make the attempt overlap the one that takes its slot.
  const r = { ...ending.result, endedAt: Math.min(ending.result.endedAt, now) };
  if (r.answeredAt !== undefined) r.answeredAt = Math.min(r.answeredAt, r.endedAt);
  const step = decideNext({
    end: { reason: r.reason, ...(r.outcome ? { outcome: r.outcome } : {}) },
    attemptNo: call.attempts,
    // Smart callback is frozen into the batch at creation (absent: off), so editing the agent
    // later does not change how a running batch retries.
    policy: retryPolicyFor(rt.config, call.batchConfig.smartCallback),
    batchCancelled: call.batchStatus === 'cancelled' || call.batchStatus === 'failed',
  });
  w.ends.push({
    attemptId: handle.attemptId,
    endedAt: r.endedAt,
    answeredAt: r.answeredAt,
    reason: r.reason,
    outcome: r.outcome,
    durationSec: r.durationSec,
    error: r.errorMessage ?? (step.kind === 'fail' ? step.error : undefined),
    providerCallId: r.providerCallId,
  });
  if (step.kind === 'complete') {
    const durationSec = r.durationSec ?? 0;
    w.completed.push({
      callId: call.id,
      attemptId: handle.attemptId,
      endTime: r.endedAt,
      durationSec,
      outcome: step.outcome,
      transcript: r.transcript ?? null,
      reason: r.reason,
    });
    addDelta(w, call.batchId, { active: -1, completed: 1, durationSum: durationSec });
    return { status: 'finished', step, batchId: call.batchId };
  }
  if (step.kind === 'fail') {
    w.failed.push({ callId: call.id, endTime: r.endedAt, error: step.error, reason: r.reason });
    addDelta(w, call.batchId, { active: -1, failed: 1 });
    return { status: 'finished', step, batchId: call.batchId };
  }
  const runAt = retryAt(call, now + step.delayMs);
  w.rescheduled.push({ callId: call.id, runAt, reason: r.reason });
  addDelta(w, call.batchId, { active: -1, waiting: 1 });
  return { status: 'finished', step, batchId: call.batchId, runAt };
}

async function finishIn(
  rt: Runtime,
  q: Queryable,
  items: readonly FinishItem[],
): Promise<FinishOutcome[]> {
  const owned = new Map(
    (
      await lockOwnedCalls(
        q,
        items.map((i) => ({
          callId: i.handle.callId,
          owner: i.handle.owner,
          attemptId: i.handle.attemptId,
        })),
      )
    ).map((c) => [c.id, c]),
  );
  const now = rt.clock.now();
  const w: Writes = { ends: [], completed: [], failed: [], rescheduled: [], deltas: new Map() };
  const outcomes = items.map((i): FinishOutcome => {
    const call = owned.get(i.handle.callId);
    // Taken once: a call listed twice in one group would otherwise be finished twice.
    owned.delete(i.handle.callId);
    return call ? plan(rt, w, call, i.handle, i.ending, now) : { status: 'lost' };
  });
  await recordAttemptEnds(q, w.ends);
  await markCallsCompleted(q, w.completed);
  await markCallsFailed(q, w.failed);
  await rescheduleCalls(q, w.rescheduled);
  await addProgress(
    q,
    [...w.deltas].map(([batchId, delta]) => ({ batchId, delta })),
  );
  // Only a call that ended for good can end its batch (a retry leaves one waiting). Batches are
  // checked in id order, the lock order of batches rows.
  const batchesToCheck = [
    ...new Set(
      outcomes.flatMap((o) =>
        o.status === 'finished' && o.step.kind !== 'retry' ? [o.batchId] : [],
      ),
    ),
  ].sort();
  for (const batchId of batchesToCheck) await completeBatchIfDone(q, batchId, now);
  return outcomes;
}

/** Ends each attempt whose lease `handle.owner` still holds ('lost' for the others), in one transaction. */
export function finishAttempts(
  rt: Runtime,
  items: readonly FinishItem[],
): Promise<FinishOutcome[]> {
  if (items.length === 0) return Promise.resolve([]);
  return txWithRetry(rt.db, (q) => finishIn(rt, q, items));
}

/** Ends one attempt if `handle.owner` still holds the call's lease; 'lost' when it does not. */
export async function finishAttempt(
  rt: Runtime,
  handle: AttemptHandle,
  ending: AttemptEnding,
): Promise<FinishOutcome> {
  const [outcome] = await finishAttempts(rt, [{ handle, ending }]);
  return outcome!;
}
