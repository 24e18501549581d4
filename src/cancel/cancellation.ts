import { badRequest, batchNotFound, callNotFound, conflict, notFound } from '../domain/errors.js';
import { isKnownCountry, normalisePhone } from '../domain/phone.js';
import type { CallState } from '../domain/types.js';
import type { Runtime } from '../runtime.js';
import { findWorkspaceBatch } from '../storage/batch-read-repo.js';
import { callState, phoneCallStates, readBatchStatus } from '../storage/cancel-repo.js';
import { readProgress } from '../storage/progress-repo.js';
import { txWithRetry } from '../storage/transaction-retry.js';
import {
  cancelWaitingCall,
  cancelWaitingCallsOfBatch,
  cancelWaitingCallsOfPhone,
  markBatchCancelled,
} from '../storage/transitions/cancel.js';

// Contract §6–§8. Each cancel is one transaction (retried whole on a deadlock or serialization
// failure); its state changes, progress deltas and batch status commit together or not at all.

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

    await cancelWaitingCallsOfBatch(q, batchId, now, () => rt.clock.now());
    if (!(await markBatchCancelled(q, batchId, now))) {
      // Completed or failed since the check above (nothing was waiting then): throwing rolls back.
      const status = await readBatchStatus(q, batchId);
      if (status === 'completed') throw conflict('Batch already completed');
      if (status === 'failed') throw conflict('Batch already failed');
    }
    const p = await readProgress(q, batchId);
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
    // The last waiting call of a batch whose other calls are terminal completes it.
    if (!(await cancelWaitingCall(q, scope, now))) {
      const state = await callState(q, scope);
      throw state === undefined ? callNotFound() : notWaiting(state);
    }
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

    const scope = { workspaceId, batchId };
    const n = await cancelWaitingCallsOfPhone(q, scope, phone, now);
    if (n === 0) {
      const states = await phoneCallStates(q, scope, phone);
      if (states.length === 0) {
        throw notFound({
          error: 'Contact not found',
          message: `No call to ${phone} in batch ${batchId}`,
        });
      }
      if (states.includes('active')) throw callInProgress();
      return { phone_number: phone, cancelledCalls: 0 };
    }
    return { phone_number: phone, cancelledCalls: n };
  });
}
