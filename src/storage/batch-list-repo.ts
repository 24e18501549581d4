import type { BatchStatus } from '../domain/types.js';
import type { Queryable } from './db.js';

// §13 List batches: a workspace's batches, newest first, one page at a time.

export interface BatchListRow {
  id: string;
  name?: string;
  status: BatchStatus;
  totalCalls: number;
  createdAt: number;
  scheduledAt?: number;
  agentId: string;
  pausedReason?: string;
}

export interface BatchListPage {
  rows: BatchListRow[];
  /** Batches matching the filter, all pages together. */
  total: number;
}

interface Row {
  id: string;
  name: string | null;
  status: BatchStatus;
  total_calls: number;
  created_at: number;
  scheduled_at: number | null;
  agent_id: string;
  paused_reason: string | null;
  total: number;
}

/*
 * One page of a workspace's batches, newest first (ties: the later id first, ids sort by time),
 * with the number of matching batches alongside each row.
 * $1 workspace id, $2 status or NULL for all, $3 limit, $4 offset. No locks.
 * Index: batches_workspace (workspace_id, created_at DESC); the count walks the workspace's batches
 * once, as a separate count(*) would.
 */
const PAGE = `
  SELECT id, name, status, total_calls, created_at, scheduled_at, agent_id, paused_reason,
         count(*) OVER ()::int AS total
    FROM batches
   WHERE workspace_id = $1 AND ($2::text IS NULL OR status = $2::text)
   ORDER BY created_at DESC, id DESC
   LIMIT $3 OFFSET $4`;

/** $1 workspace id, $2 status or NULL. No locks. Index: batches_workspace. */
const COUNT = `
  SELECT count(*)::int AS total FROM batches
   WHERE workspace_id = $1 AND ($2::text IS NULL OR status = $2::text)`;

export async function listBatchesPage(
  q: Queryable,
  workspaceId: string,
  opts: { status?: BatchStatus; limit: number; offset: number },
): Promise<BatchListPage> {
  const status = opts.status ?? null;
  const rows = await q.query<Row>(PAGE, [workspaceId, status, opts.limit, opts.offset]);
  // A page past the end has no row to carry the total.
  const total =
    rows[0]?.total ??
    (opts.offset === 0
      ? 0
      : (await q.query<{ total: number }>(COUNT, [workspaceId, status]))[0]!.total);
  return {
    total,
    rows: rows.map((r) => ({
      id: r.id,
      ...(r.name === null ? {} : { name: r.name }),
      status: r.status,
      totalCalls: r.total_calls,
      createdAt: r.created_at,
      ...(r.scheduled_at === null ? {} : { scheduledAt: r.scheduled_at }),
      agentId: r.agent_id,
      ...(r.paused_reason === null ? {} : { pausedReason: r.paused_reason }),
    })),
  };
}

/**
 * Active calls of several batches at once (a cancelled batch is complete only at zero).
 * $1 batch ids. No locks. Index: batch_progress primary key (batch_id, shard): at most
 * PROGRESS_SHARDS rows per batch.
 */
export async function activeCallCounts(
  q: Queryable,
  batchIds: readonly string[],
): Promise<Map<string, number>> {
  if (batchIds.length === 0) return new Map();
  const rows = await q.query<{ batch_id: string; active: number }>(
    `SELECT batch_id, COALESCE(sum(active), 0)::int AS active
       FROM batch_progress WHERE batch_id = ANY($1::text[]) GROUP BY batch_id`,
    [batchIds],
  );
  return new Map(rows.map((r) => [r.batch_id, r.active]));
}
