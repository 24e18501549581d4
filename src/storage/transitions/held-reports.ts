import type { AttemptEnding } from '../../domain/attempt-event.js';
import type { Outcome } from '../../domain/types.js';
import type { Queryable } from '../db.js';

// The agent reports held until their attempt's end (extensions §21): the end applies them
// (end.ts), so the carrier's answered end and the agent's outcome make one result.

export interface HeldReport {
  outcome: Outcome;
  transcript: string;
  callbackAt?: number;
}

/**
 * The reports held for attempts that end now, marked applied. $1 attempt ids, $2 now.
 * Locks: those agent_reports rows. Index: agent_reports pkey.
 */
const TAKE_HELD = `
  UPDATE agent_reports SET applied_at = $2
   WHERE attempt_id = ANY($1::text[]) AND applied_at IS NULL
  RETURNING attempt_id, outcome, transcript, callback_at`;

export async function takeHeldReports(
  q: Queryable,
  attemptIds: readonly string[],
  now: number,
): Promise<Map<string, HeldReport>> {
  if (attemptIds.length === 0) return new Map();
  const rows = await q.query<{
    attempt_id: string;
    outcome: Outcome;
    transcript: string;
    callback_at: string | number | null;
  }>(TAKE_HELD, [[...attemptIds], now]);
  return new Map(
    rows.map((r) => [
      r.attempt_id,
      {
        outcome: r.outcome,
        transcript: r.transcript,
        ...(r.callback_at === null ? {} : { callbackAt: Number(r.callback_at) }),
      },
    ]),
  );
}

/**
 * The ends with the held reports of their answered attempts applied: a carrier reports no
 * conversation, so the agent's outcome and transcript are the call's. Other ends are unchanged.
 */
export async function withHeldReports<E extends { attemptId: string; ending: AttemptEnding }>(
  q: Queryable,
  ends: readonly E[],
  now: number,
): Promise<E[]> {
  // A provider that plays the agent itself (the simulator) brings its own outcome: no look-up.
  const answered = ends.filter(
    (e) =>
      e.ending.kind === 'carrier' &&
      e.ending.end.reason === 'answered' &&
      e.ending.end.outcome === undefined,
  );
  const held = await takeHeldReports(
    q,
    answered.map((e) => e.attemptId),
    now,
  );
  if (held.size === 0) return [...ends];
  return ends.map((e) => {
    const r = held.get(e.attemptId);
    if (!r || e.ending.kind !== 'carrier') return e;
    return {
      ...e,
      ending: {
        kind: 'carrier',
        end: {
          ...e.ending.end,
          outcome: r.outcome,
          transcript: r.transcript,
          ...(r.callbackAt === undefined ? {} : { callbackAt: r.callbackAt }),
        },
      },
    };
  });
}
