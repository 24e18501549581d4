import type { Queryable } from '../db.js';
import { addProgress } from '../progress-repo.js';
import { guard, keyedGuard, target } from './table.js';
import { emitBatchEvents } from './webhook-events.js';

// The writes of a claim: waiting → active for each call that starts, its attempt row written as
// claimed under the worker's lease, the progress deltas, and queued → processing for a batch's
// first start. Runs inside the claim transaction (src/engine/claim.ts), which holds the workspace
// row and the calls' rows already.

export interface AttemptStart {
  callId: string;
  batchId: string;
  attemptId: string;
  /** The paced start slot: the attempt's started_at. */
  startedAt: number;
  provider: string;
}

export interface StartedAttempt extends AttemptStart {
  attemptNo: number;
}

/**
 * waiting → active, attempt k+1 claimed. $1 call ids, $2 attempt ids, $3 start slots.
 * Locks: those call rows (already held). Index: calls pkey.
 */
const ACTIVATE = `
  UPDATE calls c SET state = ${target('claimCall')}, attempts = c.attempts + 1,
         current_attempt_id = t.att, start_time = COALESCE(c.start_time, t.started)
    FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(id, att, started)
   WHERE c.id = t.id AND ${keyedGuard('claimCall', 'c.state')}
  RETURNING c.id, c.attempts`;

/**
 * One claimed attempt row per started call, under the worker's lease (check_at: the lease's
 * expiry, a lease period after its slot). UNIQUE (call_id, attempt_no) makes a double attempt
 * impossible even if everything above were wrong.
 * $1..$7 parallel arrays, $8 worker id, $9 lease length. Locks: the new rows.
 */
const INSERT_CLAIMED = `
  INSERT INTO call_attempts (id, call_id, batch_id, workspace_id, attempt_no, worker_id, provider,
    started_at, state, lease_owner, check_at)
  SELECT t.id, t.call_id, t.batch_id, t.ws, t.no, $8, t.provider, t.started,
         ${target('claimAttempt')}, $8, t.started + $9::bigint
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[],
                $7::bigint[]) AS t(id, call_id, batch_id, ws, no, provider, started)`;

/**
 * queued → processing at a batch's first start. $1 batch ids, $2 their earliest start slot.
 * Locks: those batch rows (last in the lock order).
 */
const START_BATCHES = `
  UPDATE batches b SET status = ${target('startBatch')},
         start_time = COALESCE(b.start_time, t.started)
    FROM unnest($1::text[], $2::bigint[]) AS t(id, started)
   WHERE b.id = t.id AND ${guard('startBatch', 'b.status')}
  RETURNING b.id`;

export async function startAttempts(
  q: Queryable,
  opts: {
    workspaceId: string;
    workerId: string;
    leaseMs: number;
    starts: readonly AttemptStart[];
    now: number;
  },
): Promise<StartedAttempt[]> {
  if (opts.starts.length === 0) return [];
  const rows = await q.query<{ id: string; attempts: number }>(ACTIVATE, [
    opts.starts.map((s) => s.callId),
    opts.starts.map((s) => s.attemptId),
    opts.starts.map((s) => s.startedAt),
  ]);
  const attemptNos = new Map(rows.map((r) => [r.id, r.attempts]));
  const started = opts.starts
    .filter((s) => attemptNos.has(s.callId))
    .map((s) => ({ ...s, attemptNo: attemptNos.get(s.callId)! }));
  if (started.length === 0) return [];
  await q.query(INSERT_CLAIMED, [
    started.map((s) => s.attemptId),
    started.map((s) => s.callId),
    started.map((s) => s.batchId),
    started.map(() => opts.workspaceId),
    started.map((s) => s.attemptNo),
    started.map((s) => s.provider),
    started.map((s) => s.startedAt),
    opts.workerId,
    opts.leaseMs,
  ]);

  const perBatch = new Map<string, { n: number; first: number }>();
  for (const s of started) {
    const b = perBatch.get(s.batchId);
    if (b) {
      b.n++;
      b.first = Math.min(b.first, s.startedAt);
    } else perBatch.set(s.batchId, { n: 1, first: s.startedAt });
  }
  await addProgress(
    q,
    [...perBatch].map(([batchId, b]) => ({ batchId, delta: { waiting: -b.n, active: b.n } })),
  );
  const batches = [...perBatch].sort(([a], [b]) => (a < b ? -1 : 1));
  const begun = await q.query<{ id: string }>(START_BATCHES, [
    batches.map(([id]) => id),
    batches.map(([, b]) => b.first),
  ]);
  await emitBatchEvents(
    q,
    begun.map((b) => ({ type: 'batch.started', batchId: b.id, workspaceId: opts.workspaceId })),
    opts.now,
  );
  return started;
}
