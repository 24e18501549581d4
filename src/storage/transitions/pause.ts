import {
  AGENT_UNREACHABLE_PAUSE_REASON,
  AGENT_UNREACHABLE_STREAK,
  type AutoPauseRule,
  agentUnreachableStreak,
  autoPauseReason,
} from '../../domain/auto-pause.js';
import type { Queryable } from '../db.js';
import { releaseAttempts } from './release.js';
import { guard, sqlState, target } from './table.js';
import { emitBatchEvents } from './webhook-events.js';

// Pause and resume (ext §17, §19). Exact across processes: a pause holds the workspace row the way
// a claim does, so no claim of the workspace is in flight while it runs; it hands back every
// attempt of its batches that is claimed but not sent (the calls wait again, the attempts
// unspent), and any claim after it finds the batches paused. An attempt that moved to placing
// before the pause took its row was committed before the pause answers; one that did not is
// handed back here, and the claimed → placing transition (placing.ts) refuses a paused batch's
// attempts in its own guarded UPDATE. Scheduled retries keep their run_at: the claim skips paused
// batches, so they wait, and are due at once on resume if their time has passed.
// Each writes its batch.paused / batch.resumed events in the same transaction.

/**
 * Serializes with the claims of the workspace (the same row lock, waited for rather than skipped).
 * $1 workspace id. Locks: the workspaces row FOR NO KEY UPDATE (first in the engine's lock order).
 */
const LOCK_WORKSPACE = 'SELECT id FROM workspaces WHERE id = $1 FOR NO KEY UPDATE';

/**
 * The attempts of those batches claimed but not sent. $1 workspace id, $2 batch ids.
 * Locks: none. Indexes: calls_active (workspace, batch), call_attempts pkey.
 */
const CLAIMED_OF_BATCHES = `
  SELECT a.id FROM calls c JOIN call_attempts a ON a.id = c.current_attempt_id
   WHERE c.workspace_id = $1 AND c.batch_id = ANY($2::text[]) AND c.state = 'active'
     AND a.state = ${sqlState('claimed')}`;

/**
 * queued/processing → paused. $1 batch ids, $2 now, $3 reason.
 * Locks: those batches rows (last in the lock order). Index: batches pkey.
 */
const PAUSE = `
  UPDATE batches SET status = ${target('pauseBatch')}, paused_at = $2, paused_reason = $3
   WHERE id = ANY($1::text[]) AND ${guard('pauseBatch', 'status')}
  RETURNING id`;

/**
 * paused → processing, or → queued when it never started. $1 batch ids.
 * Locks: those batches rows. Index: batches pkey.
 */
const RESUME = `
  UPDATE batches
     SET status = CASE WHEN start_time IS NULL THEN ${target('resumeQueuedBatch')}
                       ELSE ${target('resumeBatch')} END,
         paused_at = NULL, paused_reason = NULL
   WHERE id = ANY($1::text[]) AND ${guard('resumeBatch', 'status')}
  RETURNING id, workspace_id`;

/** Pauses the batches (those not running are left as they are); returns the ids it paused. */
export async function pauseBatches(
  q: Queryable,
  opts: { workspaceId: string; batchIds: readonly string[]; reason: string; now: number },
): Promise<string[]> {
  if (opts.batchIds.length === 0) return [];
  await q.query(LOCK_WORKSPACE, [opts.workspaceId]);
  const ids = [...opts.batchIds].sort();
  const claimed = await q.query<{ id: string }>(CLAIMED_OF_BATCHES, [opts.workspaceId, ids]);
  await releaseAttempts(q, {
    attemptIds: claimed.map((a) => a.id),
    now: opts.now,
    claimedOnly: true,
  });
  const rows = await q.query<{ id: string }>(PAUSE, [ids, opts.now, opts.reason]);
  await emitBatchEvents(
    q,
    rows.map((r) => ({ type: 'batch.paused', batchId: r.id, workspaceId: opts.workspaceId })),
    opts.now,
  );
  return rows.map((r) => r.id);
}

/** Resumes the paused batches among `batchIds`; returns the ids it resumed. */
export async function resumeBatches(
  q: Queryable,
  batchIds: readonly string[],
  now: number,
): Promise<string[]> {
  if (batchIds.length === 0) return [];
  const rows = await q.query<{ id: string; workspace_id: string }>(RESUME, [[...batchIds].sort()]);
  await emitBatchEvents(
    q,
    rows.map((r) => ({ type: 'batch.resumed', batchId: r.id, workspaceId: r.workspace_id })),
    now,
  );
  return rows.map((r) => r.id);
}

/**
 * The reasons of the batch's latest ended attempts, newest first. $1 workspace id, $2 batch id,
 * $3 how many. No locks. Index: call_attempts_ws_started (workspace_id, started_at), read
 * backwards and filtered by batch.
 */
const LATEST_REASONS = `
  SELECT reason FROM call_attempts
   WHERE workspace_id = $1 AND batch_id = $2 AND state = ${sqlState('ended')}
   ORDER BY started_at DESC
   LIMIT $3`;

/**
 * Ext §17 auto-pause, in the transaction that records attempt ends: a running batch whose latest
 * attempts break its rule pauses itself with the reason. Without the workspace lock of a pause
 * request (this runs in the recording path, which must not wait for claims): an attempt claimed
 * meanwhile is refused at claimed → placing and handed back by its engine (placing.ts).
 * Locks: the batches row (last in the lock order). Returns the reason when it paused the batch.
 */
export async function autoPauseIfFailing(
  q: Queryable,
  opts: { workspaceId: string; batchId: string; rule: AutoPauseRule; now: number },
): Promise<string | undefined> {
  const rows = await q.query<{ reason: string | null }>(LATEST_REASONS, [
    opts.workspaceId,
    opts.batchId,
    opts.rule.minAttempts,
  ]);
  const reason = autoPauseReason(
    opts.rule,
    rows.map((r) => r.reason ?? 'unknown'),
  );
  if (reason === undefined) return undefined;
  const paused = await q.query<{ id: string }>(PAUSE, [[opts.batchId], opts.now, reason]);
  if (paused.length === 0) return undefined;
  await emitBatchEvents(
    q,
    [{ type: 'batch.paused', batchId: opts.batchId, workspaceId: opts.workspaceId }],
    opts.now,
  );
  return reason;
}

/**
 * Ext §21: a running batch whose latest attempts are a streak of agent_unreachable pauses itself
 * with pausedReason "agent unreachable", in the transaction that records the last of them (no
 * workspace lock, as autoPauseIfFailing). Locks: the batches row. Returns whether it paused.
 */
export async function pauseIfAgentUnreachable(
  q: Queryable,
  opts: { workspaceId: string; batchId: string; now: number },
): Promise<boolean> {
  const rows = await q.query<{ reason: string | null }>(LATEST_REASONS, [
    opts.workspaceId,
    opts.batchId,
    AGENT_UNREACHABLE_STREAK,
  ]);
  if (!agentUnreachableStreak(rows.map((r) => r.reason ?? 'unknown'))) return false;
  const paused = await q.query<{ id: string }>(PAUSE, [
    [opts.batchId],
    opts.now,
    AGENT_UNREACHABLE_PAUSE_REASON,
  ]);
  if (paused.length === 0) return false;
  await emitBatchEvents(
    q,
    [{ type: 'batch.paused', batchId: opts.batchId, workspaceId: opts.workspaceId }],
    opts.now,
  );
  return true;
}
