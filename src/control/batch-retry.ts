import { badRequest, batchNotFound, conflict } from '../domain/errors.js';
import type { BatchStatus } from '../domain/types.js';
import type { Runtime } from '../runtime.js';
import { findWorkspaceBatch } from '../storage/batch-read-repo.js';
import { jobIdsInBatch } from '../storage/calls-read-repo.js';
import { txWithRetry } from '../storage/transaction-retry.js';
import { retryJobs } from '../storage/transitions/retry.js';

// Ext §17 retry: failed jobs go back to waiting with a fresh attempt budget (they keep their ids
// and their attempt counts); a completed batch reopens while they run; a paused one stays paused
// (its retried jobs wait for the resume). One transaction; the engines are woken after it.

export const RETRY_REASONS = [
  'busy',
  'no_answer',
  'voicemail',
  'provider_error',
  'unreachable',
  'carrier_blocked',
  'unknown',
] as const;
export const DEFAULT_RETRY_REASONS = ['busy', 'no_answer', 'provider_error', 'unknown'] as const;
/** The most job ids one request names. */
export const RETRY_MAX_JOB_IDS = 10_000;

export interface RetryRequest {
  reasons?: string[];
  jobIds?: string[];
}

export interface BatchRetried {
  batchId: string;
  retriedCalls: number;
  status: BatchStatus;
}

export async function retryBatch(
  rt: Runtime,
  workspaceId: string,
  batchId: string,
  body: RetryRequest,
): Promise<BatchRetried> {
  const reasons = body.reasons ?? [...DEFAULT_RETRY_REASONS];
  const unknown = reasons.filter((r) => !(RETRY_REASONS as readonly string[]).includes(r));
  if (unknown.length > 0) {
    throw badRequest(
      'Invalid reasons',
      `Unknown reason ${unknown.map((r) => JSON.stringify(r)).join(', ')}: use ${RETRY_REASONS.join(', ')}`,
    );
  }
  const answer = await txWithRetry(rt.db, async (q) => {
    const batch = await findWorkspaceBatch(q, workspaceId, batchId);
    if (!batch) throw batchNotFound(batchId);
    if (batch.status === 'cancelled') throw conflict('Batch already cancelled');
    if (batch.status === 'failed') throw conflict('Batch already failed');
    if (body.jobIds !== undefined) {
      const known = await jobIdsInBatch(q, batchId, body.jobIds);
      const missing = body.jobIds.filter((id) => !known.has(id));
      if (missing.length > 0) {
        throw badRequest(
          'Invalid jobIds',
          `Not jobs of this batch: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
        );
      }
    }
    const { retried: retriedCalls, batchStatus } = await retryJobs(
      q,
      batchId,
      { reasons, ...(body.jobIds === undefined ? {} : { jobIds: body.jobIds }) },
      rt.clock.now(),
    );
    // Cancelled (or failed) while this ran: throwing rolls the retried jobs back.
    if (batchStatus === 'cancelled') throw conflict('Batch already cancelled');
    if (batchStatus === 'failed') throw conflict('Batch already failed');
    const after = retriedCalls > 0 ? await findWorkspaceBatch(q, workspaceId, batchId) : batch;
    return { batchId, retriedCalls, status: after!.status };
  });
  if (answer.retriedCalls > 0) rt.wake();
  return answer;
}
