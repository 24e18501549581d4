import { compareText } from '../domain/compare-text.js';
import type { Queryable } from './db.js';

// Batch progress lives in a few shard rows per batch (batch_progress). Every state change adds
// its deltas to one shard in the same transaction as the change, so counters never drift from the
// calls table, readers sum at most PROGRESS_SHARDS rows (O(1) in batch size), and concurrent
// finishers rarely wait on the same row.
export const PROGRESS_SHARDS = 16;

export interface ProgressDelta {
  waiting?: number;
  active?: number;
  completed?: number;
  failed?: number;
  cancelled?: number;
  /** Seconds of talk time added to the completed calls' total. */
  durationSum?: number;
}

export interface Progress {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  cancelled: number;
  durationSum: number;
}

export const randomShard = () => Math.floor(Math.random() * PROGRESS_SHARDS);

/**
 * Adds deltas for several batches in one statement. Rows are touched in (batch_id, shard) order so
 * two transactions updating overlapping batches can never deadlock on each other.
 */
export async function addProgress(
  q: Queryable,
  entries: ReadonlyArray<{ batchId: string; delta: ProgressDelta }>,
  shard: number = randomShard(),
): Promise<void> {
  if (entries.length === 0) return;
  const sorted = [...entries].sort((a, b) => compareText(a.batchId, b.batchId));
  const col = (k: keyof ProgressDelta) => sorted.map((e) => e.delta[k] ?? 0);
  await q.query(
    `INSERT INTO batch_progress AS p (batch_id, shard, waiting, active, completed, failed, cancelled, duration_sum)
     SELECT b, $2::smallint, w, a, c, f, x, d
       FROM unnest($1::text[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::float8[])
            AS t(b, w, a, c, f, x, d)
     ON CONFLICT (batch_id, shard) DO UPDATE SET
       waiting = p.waiting + EXCLUDED.waiting,
       active = p.active + EXCLUDED.active,
       completed = p.completed + EXCLUDED.completed,
       failed = p.failed + EXCLUDED.failed,
       cancelled = p.cancelled + EXCLUDED.cancelled,
       duration_sum = p.duration_sum + EXCLUDED.duration_sum`,
    [
      sorted.map((e) => e.batchId),
      shard,
      col('waiting'),
      col('active'),
      col('completed'),
      col('failed'),
      col('cancelled'),
      col('durationSum'),
    ],
  );
}

/** The batch's counters: the sum of its shard rows. */
export async function readProgress(q: Queryable, batchId: string): Promise<Progress> {
  const rows = await q.query<Progress>(
    `SELECT COALESCE(sum(waiting), 0)::int AS waiting, COALESCE(sum(active), 0)::int AS active,
            COALESCE(sum(completed), 0)::int AS completed, COALESCE(sum(failed), 0)::int AS failed,
            COALESCE(sum(cancelled), 0)::int AS cancelled,
            COALESCE(sum(duration_sum), 0)::float8 AS "durationSum"
       FROM batch_progress WHERE batch_id = $1`,
    [batchId],
  );
  return rows[0]!;
}
