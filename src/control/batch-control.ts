import { PAUSED_BY_REQUEST, WORKSPACE_PAUSED } from '../domain/call-state.js';
import { batchNotFound, conflict } from '../domain/errors.js';
import type { Batch } from '../domain/types.js';
import type { Runtime } from '../runtime.js';
import { findWorkspaceBatch } from '../storage/batch-read-repo.js';
import type { Queryable } from '../storage/db.js';
import { txWithRetry } from '../storage/transaction-retry.js';
import { pauseBatches, resumeBatches } from '../storage/transitions/pause.js';
import {
  liveBatchIds,
  pausedBatchIds,
  setWorkspacePaused,
  workspacePausedAt,
} from '../storage/workspace-pause-repo.js';

// Ext §17 pause/resume of one batch and §19 "stop everything". Each is one transaction (retried
// whole on a deadlock); the state changes are transitions (src/storage/transitions/pause.ts). A
// resume wakes every engine (NOTIFY on PostgreSQL), so due work starts on the wake-up rather than
// on the next poll.

export interface BatchPaused {
  batchId: string;
  status: 'paused';
  message: string;
}

export interface BatchResumed {
  batchId: string;
  status: 'processing' | 'queued';
  message: string;
}

/** The 409s of §17 for a batch that has ended. */
function refuseEnded(batch: Batch): void {
  if (batch.status === 'cancelled') throw conflict('Batch already cancelled');
  if (batch.status === 'completed') throw conflict('Batch already completed');
  if (batch.status === 'failed') throw conflict('Batch already failed');
}

async function readLive(q: Queryable, workspaceId: string, batchId: string): Promise<Batch> {
  const batch = await findWorkspaceBatch(q, workspaceId, batchId);
  if (!batch) throw batchNotFound(batchId);
  refuseEnded(batch);
  return batch;
}

/** Pausing a paused batch is 200 with no change. */
export function pauseBatch(
  rt: Runtime,
  workspaceId: string,
  batchId: string,
): Promise<BatchPaused> {
  return txWithRetry(rt.db, async (q) => {
    const batch = await readLive(q, workspaceId, batchId);
    if (batch.status !== 'paused') {
      const paused = await pauseBatches(q, {
        workspaceId,
        batchIds: [batchId],
        reason: PAUSED_BY_REQUEST,
        now: rt.clock.now(),
      });
      // Ended since the read (its last call finished): throwing rolls back the hand-back.
      if (paused.length === 0) refuseEnded((await findWorkspaceBatch(q, workspaceId, batchId))!);
    }
    return {
      batchId,
      status: 'paused',
      message: 'Batch paused: no new call starts; calls in progress finish',
    };
  });
}

/**
 * Resuming a running batch is 200 with no change. While the workspace itself is paused (§19) a
 * batch cannot be resumed on its own: 409 "Workspace paused".
 */
export async function resumeBatch(
  rt: Runtime,
  workspaceId: string,
  batchId: string,
): Promise<BatchResumed> {
  const answer = await txWithRetry(rt.db, async (q) => {
    const batch = await readLive(q, workspaceId, batchId);
    if (batch.status === 'paused') {
      if ((await workspacePausedAt(q, workspaceId)) !== undefined)
        throw conflict('Workspace paused', 'Resume the workspace first');
      await resumeBatches(q, [batchId], rt.clock.now());
    }
    const status: BatchResumed['status'] =
      batch.status === 'queued' || (batch.status === 'paused' && batch.startTime === undefined)
        ? 'queued'
        : 'processing';
    return { batchId, status, message: 'Batch resumed' };
  });
  rt.wake();
  return answer;
}

/**
 * §19 "stop everything": the workspace is marked paused (no claim serves it, a batch created
 * meanwhile included) and every running batch is paused with reason "workspace paused". Batches
 * paused on their own keep their reason.
 */
export function pauseWorkspace(rt: Runtime, workspaceId: string): Promise<{ paused: true }> {
  return txWithRetry(rt.db, async (q) => {
    const now = rt.clock.now();
    await setWorkspacePaused(q, workspaceId, now);
    await pauseBatches(q, {
      workspaceId,
      batchIds: await liveBatchIds(q, workspaceId),
      reason: WORKSPACE_PAUSED,
      now,
    });
    return { paused: true } as const;
  });
}

/** Resumes the workspace and the batches its pause paused (not those paused on their own). */
export async function resumeWorkspace(
  rt: Runtime,
  workspaceId: string,
): Promise<{ paused: false }> {
  await txWithRetry(rt.db, async (q) => {
    await setWorkspacePaused(q, workspaceId, null);
    await resumeBatches(q, await pausedBatchIds(q, workspaceId, WORKSPACE_PAUSED), rt.clock.now());
  });
  rt.wake();
  return { paused: false };
}
