import { badRequest, batchNotFound, callNotFound, conflict, notFound } from '../domain/errors.js';
import { isKnownCountry, normalisePhone } from '../domain/phone.js';
import type { CallState } from '../domain/types.js';
import type { Runtime } from '../runtime.js';
import { completeBatchIfDone } from '../storage/batch-completion-repo.js';
import { findWorkspaceBatch } from '../storage/batch-read-repo.js';
import {
  callState,
  cancelWaitingCall,
  cancelWaitingCallsById,
  cancelWaitingCallsOfBatch,
  cancelWaitingCallsOfPhone,
  lockUnfinishedCalls,
  markBatchCancelled,
  phoneCallStates,
  readBatchStatus,
  stampCancelledBatchComplete,
} from '../storage/cancel-repo.js';
import type { Queryable } from '../storage/db.js';
import { addProgress, readProgress } from '../storage/progress-repo.js';
import { txWithRetry } from '../storage/transaction-retry.js';

// Contract §6–§8. Each cancel is one transaction (retried whole on a deadlock or serialization
// failure); its state changes, progress deltas and batch status commit together or not at all.

export const BATCH_CANCELLED_ERROR = 'Batch cancelled';
export const CALL_CANCELLED_ERROR = 'Call cancelled';

export const callInProgress = () => conflict('Call in progress');

export interface BatchCancelled {
  batchId: string;
  status: 'cancelled';
  message: 'Batch cancelled successfully';
  details: {
    completedCalls: number;
    failedCalls: number;
    /** Every cancelled job of the batch, by this cancel or before it. */
    cancelledCalls: number;
    /** Calls in progress: they finish completed or failed (no retry in a cancelled batch). */
    activeCalls: number;
    totalCalls: number;
  };
}

async function cancelAllWaiting(rt: Runtime, q: Queryable, batchId: string, now: number) {
  let n = await cancelWaitingCallsOfBatch(q, batchId, now, BATCH_CANCELLED_ERROR);
  // Calls a finisher put back to waiting while step 1 ran: see lockUnfinishedCalls. Their attempt
  // ended after `now`, so they are stamped with the time they are actually cancelled.
  const unfinished = await lockUnfinishedCalls(q, batchId);
  const late = unfinished.filter((c) => c.state === 'waiting').map((c) => c.id);
  if (late.length > 0) {
    const later = Math.max(now, rt.clock.now());
    n += (await cancelWaitingCallsById(q, late, later, BATCH_CANCELLED_ERROR)).length;
  }
  return n;
}

/**
 * §6. Cancelling a cancelled batch again answers with its current details (and cancels any call
 * found waiting, which keeps the promise "cancelled jobs are never dialed"). A completed batch →
 * 409 "Batch already completed"; a failed one → 409 "Batch already failed" (Decision: the batch
 * could not run, so there is nothing left to cancel, and saying "completed" would lie).
 */
export function cancelBatch(
  rt: Runtime,
  workspaceId: string,
  batchId: string,
): Promise<BatchCancelled> {
  return txWithRetry(rt.db, async (q) => {
    const now = rt.clock.now();
    const batch = await findWorkspaceBatch(q, workspaceId, batchId);
    if (!batch) throw batchNotFound(batchId);
    if (batch.status === 'completed') throw conflict('Batch already completed');
    if (batch.status === 'failed') throw conflict('Batch already failed');

    const n = await cancelAllWaiting(rt, q, batchId, now);
    if (n > 0) await addProgress(q, [{ batchId, delta: { waiting: -n, cancelled: n } }]);
    if (!(await markBatchCancelled(q, batchId, now))) {
      // Completed or failed since the check above (nothing was waiting then): throwing rolls back.
      const status = await readBatchStatus(q, batchId);
      if (status === 'completed') throw conflict('Batch already completed');
      if (status === 'failed') throw conflict('Batch already failed');
    }
    const p = await readProgress(q, batchId);
    // Exact: this transaction holds every active call of the batch (lockUnfinishedCalls).
    if (p.active === 0) await stampCancelledBatchComplete(q, batchId, now);
    return {
      batchId,
      status: 'cancelled',
      message: 'Batch cancelled successfully',
      details: {
        completedCalls: p.completed,
        failedCalls: p.failed,
        cancelledCalls: p.cancelled,
        activeCalls: p.active,
        totalCalls: batch.totalCalls,
      },
    };
  });
}

const notWaiting = (state: CallState) =>
  state === 'active' ? callInProgress() : conflict(`Call already ${state}`);

/** §7. Waiting → cancelled; active → 409 "Call in progress"; terminal → 409 "Call already <state>". */
export function cancelCall(
  rt: Runtime,
  workspaceId: string,
  batchId: string,
  callId: string,
): Promise<{ jobId: string; status: 'cancelled'; message: 'Call cancelled' }> {
  return txWithRetry(rt.db, async (q) => {
    const now = rt.clock.now();
    const scope = { workspaceId, batchId, callId };
    if (!(await cancelWaitingCall(q, scope, now, CALL_CANCELLED_ERROR))) {
      const state = await callState(q, scope);
      throw state === undefined ? callNotFound() : notWaiting(state);
    }
    await addProgress(q, [{ batchId, delta: { waiting: -1, cancelled: 1 } }]);
    // The last waiting call of a batch whose other calls are terminal completes it.
    await completeBatchIfDone(q, batchId, now);
    return { jobId: callId, status: 'cancelled', message: 'Call cancelled' };
  });
}

/**
 * §8. `rawPhone` is the URL-decoded path segment, normalised as on upload (with the batch's
 * defaultCountry). Decision, for a number whose calls are not waiting: an active one → 409
 * "Call in progress" (like §7: it will still be dialed to its end, so "0 cancelled" would hide
 * that); all terminal → 200 with cancelledCalls 0 (the number will not be called again, which is
 * what the caller asked; a retried DELETE stays a success).
 */
export function cancelPhone(
  rt: Runtime,
  workspaceId: string,
  batchId: string,
  rawPhone: string,
): Promise<{ phone_number: string; cancelledCalls: number }> {
  return txWithRetry(rt.db, async (q) => {
    const now = rt.clock.now();
    const batch = await findWorkspaceBatch(q, workspaceId, batchId);
    if (!batch) throw batchNotFound(batchId);
    const country = batch.config.defaultCountry?.toUpperCase();
    const parsed = normalisePhone(
      rawPhone,
      country !== undefined && isKnownCountry(country) ? country : undefined,
    );
    if (!parsed.ok) throw badRequest('Invalid phone number', parsed.message);
    const phone = parsed.e164;

    const n = await cancelWaitingCallsOfPhone(q, batchId, phone, now, CALL_CANCELLED_ERROR);
    if (n === 0) {
      const states = await phoneCallStates(q, batchId, phone);
      if (states.length === 0) {
        throw notFound({
          error: 'Contact not found',
          message: `No call to ${phone} in batch ${batchId}`,
        });
      }
      if (states.includes('active')) throw callInProgress();
      return { phone_number: phone, cancelledCalls: 0 };
    }
    await addProgress(q, [{ batchId, delta: { waiting: -n, cancelled: n } }]);
    await completeBatchIfDone(q, batchId, now);
    return { phone_number: phone, cancelledCalls: n };
  });
}
