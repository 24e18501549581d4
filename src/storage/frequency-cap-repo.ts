import type { CountedStart } from '../domain/frequency-cap.js';
import type { Queryable } from './db.js';

/**
 * Claim step (frequency cap, §19): the workspace's attempts to these numbers that began after
 * `since`, per number, across all its batches, with whether the carrier has accepted them yet.
 * Only a call the carrier accepted is an attempt. An attempt never sent (handed back by a pause,
 * a stopping worker or recovery) or refused for the carrier's own rate limit or queue is deleted
 * when it is released (transitions/release.ts), so it is not here. One still claimed or placing
 * may yet be accepted: it comes back pending, with its check_at (the lease's expiry, or when
 * recovery looks at it), and holds its place only until then (domain/frequency-cap.ts).
 * in_call and ended attempts count in full: the carrier took them, or (ended with the outcome
 * unknown) may have.
 * $1 workspace id, $2 numbers (E.164), $3 since (ms, exclusive).
 * Locks: none; the caller holds the workspace row, which serialises the workspace's claims, so no
 * other claim can add an attempt to these numbers meanwhile.
 * Indexes: calls_ws_phone (the numbers' calls), call_attempts' (call_id, attempt_no) unique index.
 */
const RECENT_STARTS = `
  SELECT c.phone_number, a.started_at,
         CASE WHEN a.state IN ('claimed', 'placing') THEN a.check_at END AS pending_until
    FROM calls c JOIN call_attempts a ON a.call_id = c.id
   WHERE c.workspace_id = $1 AND c.phone_number = ANY($2::text[]) AND a.started_at > $3`;

export async function recentStartsByNumber(
  q: Queryable,
  workspaceId: string,
  phoneNumbers: readonly string[],
  since: number,
): Promise<Map<string, CountedStart[]>> {
  const out = new Map<string, CountedStart[]>();
  if (phoneNumbers.length === 0) return out;
  const rows = await q.query<{
    phone_number: string;
    started_at: string | number;
    pending_until: string | number | null;
  }>(RECENT_STARTS, [workspaceId, [...new Set(phoneNumbers)], since]);
  for (const r of rows) {
    const start: CountedStart = { at: Number(r.started_at) };
    if (r.pending_until !== null) start.pendingUntil = Number(r.pending_until);
    const ts = out.get(r.phone_number);
    if (ts) ts.push(start);
    else out.set(r.phone_number, [start]);
  }
  return out;
}
