import type { CallState } from '../domain/types.js';
import type { Queryable } from './db.js';

// What /metrics reads at scrape time. Both queries stay cheap however much history the database
// holds: they only touch live batches and active calls, through partial indexes.

export type WorkspaceCallCounts = { workspaceId: string } & Record<CallState, number>;

/**
 * Calls of each workspace's live (queued, processing or paused) batches, by state, summed from the progress
 * shards. Waiting calls only exist in live batches, so `waiting` is the workspace's whole queue.
 * No params, no locks. Index: batches_live (the predicate matches it), then batch_progress's
 * primary key: O(live batches × shards), never O(calls).
 */
export async function liveCallCountsByWorkspace(q: Queryable): Promise<WorkspaceCallCounts[]> {
  return q.query<WorkspaceCallCounts>(
    `SELECT b.workspace_id AS "workspaceId",
            COALESCE(sum(p.waiting), 0)::int AS waiting, COALESCE(sum(p.active), 0)::int AS active,
            COALESCE(sum(p.completed), 0)::int AS completed,
            COALESCE(sum(p.failed), 0)::int AS failed,
            COALESCE(sum(p.cancelled), 0)::int AS cancelled
       FROM batches b
       JOIN batch_progress p ON p.batch_id = b.id
      WHERE b.status IN ('queued', 'processing', 'paused')
      GROUP BY b.workspace_id
      ORDER BY b.workspace_id`,
  );
}

/**
 * Calls being dialed right now per workspace, counted exactly (cancelled batches' calls that are
 * still finishing included). No params, no locks. Index: calls_active (partial, state =
 * 'active'), whose size is bounded by the workspaces' concurrency caps.
 */
export async function activeCallsByWorkspace(
  q: Queryable,
): Promise<Array<{ workspaceId: string; active: number }>> {
  return q.query(
    `SELECT workspace_id AS "workspaceId", count(*)::int AS active
       FROM calls
      WHERE state = 'active'
      GROUP BY workspace_id
      ORDER BY workspace_id`,
  );
}
