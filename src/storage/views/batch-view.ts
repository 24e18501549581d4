import type { Batch, BatchStatus } from '../../domain/types.js';
import type { TerminalCall } from '../batch-read-repo.js';
import type { Progress } from '../progress-repo.js';

// How the API shows a batch (§2, §3). Kept below the HTTP layer because webhook events carry the
// very same body, built in the transaction of the state change; the routes' schemas check these
// shapes.

/** How many finished calls the batch status lists. */
export const RECENT_CALLS_LIMIT = 10;

/** A cancelled batch is complete only once the calls it let finish have finished. */
export function isBatchComplete(status: BatchStatus, active: number): boolean {
  return status === 'completed' || status === 'failed' || (status === 'cancelled' && active === 0);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function presentRecentCall(c: TerminalCall) {
  const base = { jobId: c.jobId, status: c.state, phone_number: c.phoneNumber };
  switch (c.state) {
    case 'completed':
      return {
        ...base,
        completedAt: c.terminalAt,
        ...(c.duration === undefined ? {} : { duration: c.duration }),
      };
    case 'failed':
      return {
        ...base,
        failedAt: c.terminalAt,
        ...(c.error === undefined ? {} : { error: c.error }),
      };
    case 'cancelled':
      return {
        ...base,
        cancelledAt: c.terminalAt,
        ...(c.error === undefined ? {} : { error: c.error }),
      };
  }
}

/**
 * The `progress` object of §2. `recent` must be newest first (recentTerminalCalls), so its first
 * entry is the latest terminal call and gives lastCompletedTime.
 */
export function presentProgress(batch: Batch, progress: Progress, recent: readonly TerminalCall[]) {
  const last = recent[0];
  return {
    waiting: progress.waiting,
    active: progress.active,
    completed: progress.completed,
    failed: progress.failed,
    cancelled: progress.cancelled,
    total: batch.totalCalls,
    ...(batch.startTime === undefined ? {} : { startTime: batch.startTime }),
    ...(last === undefined ? {} : { lastCompletedTime: last.terminalAt }),
    completedTime: batch.completedTime ?? null,
    averageCallDuration:
      progress.completed > 0 ? round2(progress.durationSum / progress.completed) : 0,
    recent_calls: recent.map(presentRecentCall),
  };
}

/** §2: the batch with its progress. */
export function presentBatchStatus(
  batch: Batch,
  progress: Progress,
  recent: readonly TerminalCall[],
  now: number,
) {
  return {
    id: batch.id,
    status: batch.status,
    isComplete: isBatchComplete(batch.status, progress.active),
    totalCalls: batch.totalCalls,
    progress: presentProgress(batch, progress, recent),
    timestamp: now,
    ...(batch.name === undefined ? {} : { name: batch.name }),
    agentId: batch.agentId,
    createdAt: batch.createdAt,
    ...(batch.scheduledAt === undefined ? {} : { scheduledAt: batch.scheduledAt }),
    ...(batch.pausedAt === undefined ? {} : { pausedAt: batch.pausedAt }),
    ...(batch.pausedReason === undefined ? {} : { pausedReason: batch.pausedReason }),
  };
}

/** §3: the progress object flattened, with the batch status first. */
export function presentBatchProgress(
  batch: Batch,
  progress: Progress,
  recent: readonly TerminalCall[],
) {
  return {
    status: batch.status,
    isComplete: isBatchComplete(batch.status, progress.active),
    ...presentProgress(batch, progress, recent),
  };
}
