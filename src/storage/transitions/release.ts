import { BATCH_CANCELLED_ERROR } from '../../domain/call-state.js';
import type { Queryable } from '../db.js';
import { addProgress } from '../progress-repo.js';
import { completeBatchesIfDone } from './completion.js';
import { guard, keyedGuard, sqlState, target } from './table.js';
import { emitCallEvents } from './webhook-events.js';

// Releasing attempts that were never sent: a claimed one (its worker stopped or died before
// asking the carrier), or a placing one whose provider proved it never had the call. The attempt
// row goes and its call is waiting again as if it had not been claimed — the attempt is not
// spent. A call whose batch was cancelled meanwhile is cancelled instead (a cancel skips the
// calls that are active, so nobody else would).

/**
 * The calls of the attempts, locked first (calls before attempts, the engine's lock order).
 * $1 attempt ids. Locks: those calls rows FOR UPDATE, in id order.
 */
const LOCK_CALLS = `
  SELECT c.id FROM call_attempts a JOIN calls c ON c.id = a.call_id
   WHERE a.id = ANY($1::text[])
   ORDER BY c.id
     FOR UPDATE OF c`;

/**
 * The attempt rows go, if still claimed/placing (and, with $2, still held by that worker).
 * $1 attempt ids, $2 lease owner or NULL. Locks: those rows. Index: call_attempts pkey.
 */
const DELETE_ATTEMPTS = `
  DELETE FROM call_attempts
   WHERE id = ANY($1::text[]) AND ${guard('releaseAttempt', 'state')}
     AND ($2::text IS NULL OR lease_owner = $2)
  RETURNING id, call_id`;

/** The same for a pause: only attempts still claimed (a placing one may be with the carrier). */
const DELETE_CLAIMED = `
  DELETE FROM call_attempts
   WHERE id = ANY($1::text[]) AND ${guard('releaseClaimedAttempt', 'state')}
     AND ($2::text IS NULL OR lease_owner = $2)
  RETURNING id, call_id`;

/**
 * active → waiting, the attempt not spent. $1 call ids, $2 their attempt ids, $3 when they are
 * due again (NULL: when they were).
 */
const RELEASE_CALLS = `
  UPDATE calls c SET state = ${target('releaseCall')}, attempts = c.attempts - 1,
         current_attempt_id = NULL, run_at = COALESCE($3::bigint, c.run_at),
         start_time = CASE WHEN c.attempts = 1 THEN NULL ELSE c.start_time END
    FROM unnest($1::text[], $2::text[]) AS t(id, att)
   WHERE c.id = t.id AND ${keyedGuard('releaseCall', 'c.state')} AND c.current_attempt_id = t.att
  RETURNING c.id, c.batch_id`;

/**
 * A statement of its own, so it sees a cancel that committed while this transaction waited:
 * waiting → cancelled for the released calls of cancelled (or failed) batches.
 * $1 call ids, $2 now, $3 error.
 */
const CANCEL_RELEASED = `
  UPDATE calls c SET state = ${target('cancelCall')}, terminal_at = $2::bigint, error = $3::text,
         end_time = CASE WHEN c.attempts > 0 THEN $2::bigint END
    FROM batches b
   WHERE c.id = ANY($1::text[]) AND ${keyedGuard('cancelCall', 'c.state')} AND b.id = c.batch_id
     AND b.status IN (${target('cancelBatch')}, ${sqlState('failed')})
  RETURNING c.id, c.batch_id, c.workspace_id`;

export interface Released {
  attemptId: string;
  callId: string;
  batchId: string;
  /** Its batch had been cancelled: the call is cancelled, not waiting. */
  cancelled: boolean;
}

/** Releases the attempts (see above); returns those released, the others were not releasable. */
export async function releaseAttempts(
  q: Queryable,
  opts: {
    attemptIds: readonly string[];
    owner?: string;
    now: number;
    /** When the calls are due again (a carrier that asked to be called later); default: as before. */
    runAt?: number;
    /** Only attempts still claimed (a pause): one that is placing may be with the carrier. */
    claimedOnly?: boolean;
  },
): Promise<Released[]> {
  if (opts.attemptIds.length === 0) return [];
  await q.query(LOCK_CALLS, [[...opts.attemptIds]]);
  const gone = await q.query<{ id: string; call_id: string }>(
    opts.claimedOnly ? DELETE_CLAIMED : DELETE_ATTEMPTS,
    [[...opts.attemptIds], opts.owner ?? null],
  );
  if (gone.length === 0) return [];
  const waiting = await q.query<{ id: string; batch_id: string }>(RELEASE_CALLS, [
    gone.map((g) => g.call_id),
    gone.map((g) => g.id),
    opts.runAt ?? null,
  ]);
  const cancelled = await q.query<{ id: string; batch_id: string; workspace_id: string }>(
    CANCEL_RELEASED,
    [waiting.map((w) => w.id), opts.now, BATCH_CANCELLED_ERROR],
  );
  await emitCallEvents(
    q,
    cancelled.map((c) => ({ type: 'call.cancelled', callId: c.id, workspaceId: c.workspace_id })),
    opts.now,
  );
  const perBatch = new Map<string, { released: number; cancelled: number }>();
  const count = (batchId: string) => {
    let c = perBatch.get(batchId);
    if (!c) {
      c = { released: 0, cancelled: 0 };
      perBatch.set(batchId, c);
    }
    return c;
  };
  for (const w of waiting) count(w.batch_id).released++;
  for (const c of cancelled) count(c.batch_id).cancelled++;
  await addProgress(
    q,
    [...perBatch].map(([batchId, c]) => ({
      batchId,
      delta: { active: -c.released, waiting: c.released - c.cancelled, cancelled: c.cancelled },
    })),
  );
  await completeBatchesIfDone(
    q,
    cancelled.map((c) => c.batch_id),
    opts.now,
  );
  const batchOf = new Map(waiting.map((w) => [w.id, w.batch_id]));
  const cancelledIds = new Set(cancelled.map((c) => c.id));
  return gone
    .filter((g) => batchOf.has(g.call_id))
    .map((g) => ({
      attemptId: g.id,
      callId: g.call_id,
      batchId: batchOf.get(g.call_id)!,
      cancelled: cancelledIds.has(g.call_id),
    }));
}
