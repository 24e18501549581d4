import type { Queryable } from './db.js';

/**
 * Claim step (frequency cap, §19): the start times of the workspace's attempts to these numbers
 * that began after `since`, per number, across all its batches. Every attempt row counts: an
 * attempt never sent to the carrier is deleted when it is handed back (transitions/release.ts),
 * and one still claimed or placing may yet be accepted, so it counts until then.
 * $1 workspace id, $2 numbers (E.164), $3 since (ms, exclusive).
 * Locks: none; the caller holds the workspace row, which serialises the workspace's claims, so no
 * other claim can add an attempt to these numbers meanwhile.
 * Indexes: calls_ws_phone (the numbers' calls), call_attempts' (call_id, attempt_no) unique index.
 */
export async function recentStartsByNumber(
  q: Queryable,
  workspaceId: string,
  phoneNumbers: readonly string[],
  since: number,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (phoneNumbers.length === 0) return out;
  const rows = await q.query<{ phone_number: string; started_at: string | number }>(
    `SELECT c.phone_number, a.started_at
       FROM calls c JOIN call_attempts a ON a.call_id = c.id
      WHERE c.workspace_id = $1 AND c.phone_number = ANY($2::text[]) AND a.started_at > $3`,
    [workspaceId, [...new Set(phoneNumbers)], since],
  );
  for (const r of rows) {
    const t = Number(r.started_at);
    const ts = out.get(r.phone_number);
    if (ts) ts.push(t);
    else out.set(r.phone_number, [t]);
  }
  return out;
}
