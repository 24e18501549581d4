import type { Queryable } from './db.js';

// Ext §19 "stop everything": the workspace's pause flag and the batches it applies to. The batch
// state changes themselves are transitions (transitions/pause.ts).

/**
 * Sets (epoch ms) or clears (null) the workspace's pause. $1 workspace id, $2 paused_at.
 * Locks: the workspaces row FOR NO KEY UPDATE, so it waits for a claim of the workspace in
 * flight (first in the engine's lock order). Index: workspaces pkey.
 */
export async function setWorkspacePaused(
  q: Queryable,
  workspaceId: string,
  pausedAt: number | null,
): Promise<void> {
  await q.query(
    `UPDATE workspaces SET paused_at = CASE WHEN $2::bigint IS NULL THEN NULL
                                             ELSE COALESCE(paused_at, $2::bigint) END
      WHERE id = $1`,
    [workspaceId, pausedAt],
  );
}

/** When the workspace was paused, if it is. $1 workspace id. No locks. Index: workspaces pkey. */
export async function workspacePausedAt(
  q: Queryable,
  workspaceId: string,
): Promise<number | undefined> {
  const rows = await q.query<{ paused_at: number | null }>(
    'SELECT paused_at FROM workspaces WHERE id = $1',
    [workspaceId],
  );
  return rows[0]?.paused_at ?? undefined;
}

/** The workspace's queued and processing batches. $1 workspace id. No locks. Index: batches_live. */
export async function liveBatchIds(q: Queryable, workspaceId: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM batches
      WHERE workspace_id = $1 AND status IN ('queued', 'processing')`,
    [workspaceId],
  );
  return rows.map((r) => r.id);
}

/**
 * The workspace's batches paused for `reason`. $1 workspace id, $2 reason. No locks.
 * Index: batches_live.
 */
export async function pausedBatchIds(
  q: Queryable,
  workspaceId: string,
  reason: string,
): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM batches
      WHERE workspace_id = $1 AND status = 'paused' AND paused_reason = $2`,
    [workspaceId, reason],
  );
  return rows.map((r) => r.id);
}
