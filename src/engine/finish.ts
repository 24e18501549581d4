import { nextWindowStart, parseCallingWindow } from '../domain/calling-window.js';
import {
  decideNext,
  type NextStep,
  retryPolicyFor,
  WORKER_LOST_ERROR,
} from '../domain/retry-policy.js';
import type { SmartCallbackConfig } from '../domain/types.js';
import type { DialResult } from '../providers/provider.js';
import type { Runtime } from '../runtime.js';
import { completeBatchIfDone } from '../storage/batch-completion-repo.js';
import {
  lockOwnedCall,
  markCallCompleted,
  markCallFailed,
  type OwnedCall,
  recordAttemptEnd,
  rescheduleCall,
} from '../storage/call-finish-repo.js';
import type { Queryable } from '../storage/db.js';
import { addProgress } from '../storage/progress-repo.js';
import { txWithRetry } from './transaction-retry.js';

// The one transaction that ends an attempt: the attempt row, the call (completed / failed / back
// to waiting), the progress deltas and the batch's completion — all or nothing, and only while the
// caller still holds the call's lease.

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

// Smart callback is frozen into the batch at creation (absent: off), so editing the agent later
// does not change how a running batch retries.
function smartCallbackOf(call: OwnedCall): SmartCallbackConfig | undefined {
  const frozen = call.batchConfig['smartCallback'];
  return frozen && typeof frozen === 'object' ? (frozen as SmartCallbackConfig) : undefined;
}

function retryAt(call: OwnedCall, earliest: number): number {
  const raw = call.batchConfig['callingWindow'];
  if (call.timeZone === null || raw == null) return earliest;
  const parsed = parseCallingWindow(raw);
  return parsed.ok ? nextWindowStart(parsed.value, call.timeZone, earliest) : earliest;
}

async function apply(
  rt: Runtime,
  q: Queryable,
  call: OwnedCall,
  handle: AttemptHandle,
  ending: AttemptEnding,
): Promise<FinishOutcome> {
  const now = rt.clock.now();
  if (ending.kind !== 'result') {
    const error = ending.kind === 'lost' ? WORKER_LOST_ERROR : ending.error;
    const reason = ending.kind === 'lost' ? 'unknown' : 'provider_error';
    await recordAttemptEnd(q, handle.attemptId, { endedAt: ending.at, reason, error });
    await markCallFailed(q, call.id, { endTime: ending.at, error, reason });
    await addProgress(q, [{ batchId: call.batchId, delta: { active: -1, failed: 1 } }]);
    await completeBatchIfDone(q, call.batchId, now);
    return { status: 'finished', step: { kind: 'fail', error }, batchId: call.batchId };
  }

  const r = ending.result;
  const step = decideNext({
    end: { reason: r.reason, ...(r.outcome ? { outcome: r.outcome } : {}) },
    attemptNo: call.attempts,
    policy: retryPolicyFor(rt.config, smartCallbackOf(call)),
    batchCancelled: call.batchStatus === 'cancelled' || call.batchStatus === 'failed',
  });
  await recordAttemptEnd(q, handle.attemptId, {
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
    await markCallCompleted(q, call.id, {
      attemptId: handle.attemptId,
      endTime: r.endedAt,
      durationSec,
      outcome: step.outcome,
      transcript: r.transcript ?? null,
      reason: r.reason,
    });
    await addProgress(q, [
      { batchId: call.batchId, delta: { active: -1, completed: 1, durationSum: durationSec } },
    ]);
    await completeBatchIfDone(q, call.batchId, now);
    return { status: 'finished', step, batchId: call.batchId };
  }
  if (step.kind === 'fail') {
    await markCallFailed(q, call.id, {
      endTime: r.endedAt,
      error: step.error,
      reason: r.reason,
    });
    await addProgress(q, [{ batchId: call.batchId, delta: { active: -1, failed: 1 } }]);
    await completeBatchIfDone(q, call.batchId, now);
    return { status: 'finished', step, batchId: call.batchId };
  }
  const runAt = retryAt(call, now + step.delayMs);
  await rescheduleCall(q, call.id, { runAt, reason: r.reason });
  await addProgress(q, [{ batchId: call.batchId, delta: { active: -1, waiting: 1 } }]);
  return { status: 'finished', step, batchId: call.batchId, runAt };
}

/** Ends the attempt if `handle.owner` still holds the call's lease; 'lost' when it does not. */
export function finishAttempt(
  rt: Runtime,
  handle: AttemptHandle,
  ending: AttemptEnding,
): Promise<FinishOutcome> {
  return txWithRetry(rt.db, async (q) => {
    const call = await lockOwnedCall(q, handle.callId, handle.owner, handle.attemptId);
    if (!call) return { status: 'lost' } as const;
    return apply(rt, q, call, handle, ending);
  });
}
