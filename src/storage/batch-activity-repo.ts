import type { Queryable } from './db.js';

/** When a batch's finished calls finished: the first and the last, or nothing yet. */
export interface TerminalSpan {
  first: number;
  last: number;
}

/**
 * The first and last end of a batch's finished calls.
 * $1 batch id. No locks. Index: calls_recent (batch_id, terminal_at DESC) WHERE terminal_at IS
 * NOT NULL: both ends of the index range, two index probes.
 */
export async function terminalSpan(
  q: Queryable,
  batchId: string,
): Promise<TerminalSpan | undefined> {
  const rows = await q.query<{ first: number | null; last: number | null }>(
    `SELECT min(terminal_at) AS first, max(terminal_at) AS last
       FROM calls WHERE batch_id = $1 AND terminal_at IS NOT NULL`,
    [batchId],
  );
  const r = rows[0];
  return r && r.first !== null && r.last !== null ? { first: r.first, last: r.last } : undefined;
}

/** Finished calls of one kind that ended in one interval. */
export interface ActivityCount {
  state: 'completed' | 'failed' | 'cancelled';
  /** completed: the conversation's outcome. */
  outcome: string | null;
  /** failed: why its last attempt ended. */
  reason: string | null;
  /** The interval: floor((terminal_at - from) / bucketMs). */
  bucket: number;
  n: number;
}

/**
 * A batch's finished calls counted by kind and by the interval they ended in.
 * $1 batch id, $2 start of the first interval (epoch ms), $3 interval length (ms). No locks.
 * Index: calls_recent (batch_id, terminal_at DESC): reads the batch's finished calls only, at
 * most the batch's size; the answer has at most (intervals × kinds) rows.
 */
export async function countFinishedCalls(
  q: Queryable,
  batchId: string,
  from: number,
  bucketMs: number,
): Promise<ActivityCount[]> {
  return q.query<ActivityCount>(
    `SELECT state, outcome, CASE WHEN state = 'failed' THEN last_reason END AS reason,
            floor((terminal_at - $2::bigint)::float8 / $3::float8)::int AS bucket,
            count(*)::int AS n
       FROM calls
      WHERE batch_id = $1 AND terminal_at IS NOT NULL
      GROUP BY 1, 2, 3, 4`,
    [batchId, from, bucketMs],
  );
}
