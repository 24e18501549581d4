import { readBatchConfig } from '../domain/batch-config.js';
import type { BatchConfig, RowVariables } from '../domain/types.js';
import type { Queryable } from './db.js';
import {
  DIAL_AGENT_COLUMNS,
  type DialAgentRecord,
  type DialAgentRow,
  toDialAgent,
} from './dial-agent-columns.js';

// The claim transaction's queries, in the order the claim runs them. Lock order everywhere in the
// engine: workspace row → call rows → progress rows → batch row.

export interface LockedWorkspace {
  id: string;
  maxConcurrentCalls: number;
  callsPerSecond: number;
  pacingNextAt: number;
}

/**
 * Claim step 1: the least recently served workspace that has due work, free capacity and a pacing
 * slot within the horizon, locked so that every claim of one workspace is serialized (this is what
 * makes the active counts below exact across any number of workers).
 * $1 now (ms), $2 the pacing horizon's end (now + horizon).
 * Locks: the workspaces row, FOR NO KEY UPDATE SKIP LOCKED (a workspace being claimed by another worker
 * is skipped, never waited for). NO KEY UPDATE, not UPDATE: a batch being inserted holds a KEY
 * SHARE lock on its workspace row (the foreign key), which must not hide the workspace from claims.
 * Indexes: calls_active (capacity), batches_live + calls_due_batch (due work: min(run_at) of a
 * batch's waiting calls is the first entry of calls_due_batch; written as min() so no plan can
 * walk a batch's finished rows instead).
 */
export async function lockNextWorkspace(
  q: Queryable,
  now: number,
  horizonMs: number,
): Promise<LockedWorkspace | undefined> {
  const rows = await q.query<LockedWorkspace>(
    `SELECT w.id, w.max_concurrent_calls AS "maxConcurrentCalls",
            w.calls_per_second AS "callsPerSecond", w.pacing_next_at AS "pacingNextAt"
       FROM workspaces w
      WHERE w.pacing_next_at <= $2
        AND (SELECT count(*) FROM calls a WHERE a.workspace_id = w.id AND a.state = 'active')
            < w.max_concurrent_calls
        AND EXISTS (
          SELECT 1 FROM batches b
           WHERE b.workspace_id = w.id AND b.status IN ('queued', 'processing')
             AND (SELECT min(c.run_at) FROM calls c
                   WHERE c.batch_id = b.id AND c.state = 'waiting') <= $1)
      ORDER BY w.last_served_at, w.id
      LIMIT 1
      FOR NO KEY UPDATE OF w SKIP LOCKED`,
    [now, now + horizonMs],
  );
  return rows[0];
}

/**
 * Claim step 2: active calls of the locked workspace. Exact: claims of this workspace are
 * serialized by its row lock and finishes only lower the count.
 * $1 workspace id. Locks: none. Index: calls_active.
 */
export async function countActiveInWorkspace(q: Queryable, workspaceId: string): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM calls WHERE workspace_id = $1 AND state = 'active'`,
    [workspaceId],
  );
  return rows[0]!.n;
}

export interface LiveBatch {
  id: string;
  /** Null when the batch has no cap of its own. */
  maxConcurrency: number | null;
  active: number;
  config: BatchConfig;
  agent: DialAgentRecord;
}

/**
 * Claim step 3: the workspace's running batches that have due calls, with their active counts
 * (exact for the same reason as the workspace's) and the agent their calls are dialed with.
 * $1 workspace id, $2 now. Locks: none. Indexes: batches_live, calls_due_batch, calls_active (workspace, batch).
 */
export async function liveBatchesWithDueCalls(
  q: Queryable,
  workspaceId: string,
  now: number,
): Promise<LiveBatch[]> {
  const rows = await q.query<
    DialAgentRow & {
      id: string;
      max_concurrency: number | null;
      active: number;
      config: unknown;
    }
  >(
    `SELECT b.id,
            b.max_concurrency,
            (SELECT count(*) FROM calls a
              WHERE a.workspace_id = b.workspace_id AND a.batch_id = b.id AND a.state = 'active')::int
              AS active,
            b.config,
            ${DIAL_AGENT_COLUMNS}
       FROM batches b JOIN agents ag ON ag.id = b.agent_id
      WHERE b.workspace_id = $1 AND b.status IN ('queued', 'processing')
        AND (SELECT min(c.run_at) FROM calls c
              WHERE c.batch_id = b.id AND c.state = 'waiting') <= $2
      ORDER BY b.id`,
    [workspaceId, now],
  );
  return rows.map((r) => ({
    id: r.id,
    maxConcurrency: r.max_concurrency,
    active: r.active,
    config: readBatchConfig(r.config),
    agent: toDialAgent(r),
  }));
}

export interface DueCall {
  id: string;
  batchId: string;
  seq: number;
  runAt: number;
  phoneNumber: string;
  variables: RowVariables;
  timeZone: string | null;
}

/**
 * Claim step 4: up to `limit` due waiting calls of each batch, in dispatch order (run_at, seq).
 * $1 batch ids, $2 per-batch limits, $3 now.
 * Locks: the returned call rows, FOR UPDATE SKIP LOCKED (a row another transaction holds, e.g. a
 * cancel, is skipped rather than waited for). Index: calls_due_batch.
 */
export async function lockDueCalls(
  q: Queryable,
  limits: ReadonlyArray<{ batchId: string; limit: number }>,
  now: number,
): Promise<DueCall[]> {
  if (limits.length === 0) return [];
  const rows = await q.query<{
    id: string;
    batch_id: string;
    seq: number;
    run_at: number;
    phone_number: string;
    variables: RowVariables;
    time_zone: string | null;
  }>(
    `SELECT c.id, c.batch_id, c.seq, c.run_at, c.phone_number, c.variables, c.time_zone
       FROM unnest($1::text[], $2::int[]) AS t(batch_id, lim)
       CROSS JOIN LATERAL (
         SELECT * FROM calls c
          WHERE c.batch_id = t.batch_id AND c.state = 'waiting' AND c.run_at <= $3
          ORDER BY c.run_at, c.seq
          LIMIT t.lim
          FOR UPDATE SKIP LOCKED) c`,
    [limits.map((l) => l.batchId), limits.map((l) => l.limit), now],
  );
  return rows
    .map((r) => ({
      id: r.id,
      batchId: r.batch_id,
      seq: r.seq,
      runAt: r.run_at,
      phoneNumber: r.phone_number,
      variables: r.variables,
      timeZone: r.time_zone,
    }))
    .sort(
      (a, b) =>
        a.runAt - b.runAt ||
        a.seq - b.seq ||
        (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : 0),
    );
}

/**
 * Claim step 5 (optional): calls found outside their calling window stay waiting until it opens.
 * $1 call ids, $2 new run_at values. Locks: those call rows (already held). Index: calls pkey.
 */
export async function deferCalls(
  q: Queryable,
  deferrals: ReadonlyArray<{ id: string; runAt: number }>,
): Promise<void> {
  if (deferrals.length === 0) return;
  await q.query(
    `UPDATE calls c SET run_at = t.run_at
       FROM unnest($1::text[], $2::bigint[]) AS t(id, run_at)
      WHERE c.id = t.id AND c.state = 'waiting'`,
    [deferrals.map((d) => d.id), deferrals.map((d) => d.runAt)],
  );
}

export interface Activation {
  callId: string;
  attemptId: string;
  startedAt: number;
  leaseExpiresAt: number;
}

/**
 * Claim step 6: waiting → active under this worker's lease, one more attempt. Returns each call's
 * new attempt number. $1 worker id, $2 call ids, $3 attempt ids, $4 start slots, $5 lease expiry.
 * Locks: those call rows (already held). Index: calls pkey.
 */
export async function activateCalls(
  q: Queryable,
  workerId: string,
  items: readonly Activation[],
): Promise<Map<string, number>> {
  const rows = await q.query<{ id: string; attempts: number }>(
    `UPDATE calls c SET state = 'active', attempts = c.attempts + 1, lease_owner = $1,
            lease_expires_at = t.lease, current_attempt_id = t.att,
            start_time = COALESCE(c.start_time, t.started)
       FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS t(id, att, started, lease)
      WHERE c.id = t.id AND c.state = 'waiting'
      RETURNING c.id, c.attempts`,
    [
      workerId,
      items.map((i) => i.callId),
      items.map((i) => i.attemptId),
      items.map((i) => i.startedAt),
      items.map((i) => i.leaseExpiresAt),
    ],
  );
  return new Map(rows.map((r) => [r.id, r.attempts]));
}

export interface NewAttempt {
  id: string;
  callId: string;
  batchId: string;
  workspaceId: string;
  attemptNo: number;
  workerId: string;
  provider: string;
  startedAt: number;
}

/**
 * Claim step 7: one call_attempts row per claimed call; UNIQUE (call_id, attempt_no) makes a
 * double attempt impossible even if everything above were wrong.
 * $1..$8 parallel arrays. Locks: the new rows. Index: call_attempts pkey + unique.
 */
export async function insertAttempts(q: Queryable, items: readonly NewAttempt[]): Promise<void> {
  if (items.length === 0) return;
  await q.query(
    `INSERT INTO call_attempts (id, call_id, batch_id, workspace_id, attempt_no, worker_id, provider,
       started_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[],
       $7::text[], $8::bigint[])`,
    [
      items.map((i) => i.id),
      items.map((i) => i.callId),
      items.map((i) => i.batchId),
      items.map((i) => i.workspaceId),
      items.map((i) => i.attemptNo),
      items.map((i) => i.workerId),
      items.map((i) => i.provider),
      items.map((i) => i.startedAt),
    ],
  );
}

/**
 * Claim step 8 (after the progress deltas): a queued batch becomes processing at its first dial.
 * $1 batch ids, $2 their earliest start slot. Locks: those batch rows (last in the lock order).
 */
export async function markBatchesProcessing(
  q: Queryable,
  starts: ReadonlyArray<{ batchId: string; startTime: number }>,
): Promise<void> {
  if (starts.length === 0) return;
  const sorted = [...starts].sort((a, b) => (a.batchId < b.batchId ? -1 : 1));
  await q.query(
    `UPDATE batches b SET status = 'processing', start_time = COALESCE(b.start_time, t.started)
       FROM unnest($1::text[], $2::bigint[]) AS t(id, started)
      WHERE b.id = t.id AND b.status = 'queued'`,
    [sorted.map((s) => s.batchId), sorted.map((s) => s.startTime)],
  );
}

/**
 * Claim step 9: the workspace was served now; its next start slot moves past the ones granted.
 * $1 workspace id, $2 now, $3 next pacing slot. Locks: the workspaces row (already held).
 */
export async function markWorkspaceServed(
  q: Queryable,
  workspaceId: string,
  now: number,
  pacingNextAt: number,
): Promise<void> {
  await q.query('UPDATE workspaces SET last_served_at = $2, pacing_next_at = $3 WHERE id = $1', [
    workspaceId,
    now,
    pacingNextAt,
  ]);
}
