import type { AttemptEnding, CarrierEnd } from '../../domain/attempt-event.js';
import {
  awaitsReport,
  type BridgeState,
  graceOverEnd,
  reportDeadline,
} from '../../domain/report-grace.js';
import type { Queryable } from '../db.js';
import { guard, target } from './table.js';

// The grace wait of ext §21 (src/domain/report-grace.ts) in storage: an answered end that waits
// for its agent's report is kept on its attempt (carrier_end), which stays in_call with check_at
// at the end of the grace period; the job stays active and keeps its slot. The agent's report
// (report.ts) or the grace task (engine/maintenance/report-grace.ts) later ends the attempt with
// that end, through the one recording path.

/** What an ending attempt knows of its bridge (its row, and the events of its group). */
export type KnownBridge = Omit<BridgeState, 'watched'>;

/** Bridges that report their fate: stream status callbacks, SIP dial actions (not user TwiML). */
const WATCHED_TRANSPORTS = new Set(['stream', 'sip']);

/**
 * The transport type of each attempt's agent. $1 attempt ids. Locks: none.
 * Index: the primary keys of call_attempts, batches and agents.
 */
const TRANSPORTS = `
  SELECT a.id, ag.transport->>'type' AS transport
    FROM call_attempts a JOIN batches b ON b.id = a.batch_id JOIN agents ag ON ag.id = b.agent_id
   WHERE a.id = ANY($1::text[])`;

async function watchedBridges(q: Queryable, attemptIds: readonly string[]) {
  if (attemptIds.length === 0) return new Set<string>();
  const rows = await q.query<{ id: string; transport: string | null }>(TRANSPORTS, [
    [...attemptIds],
  ]);
  return new Set(
    rows.filter((r) => r.transport && WATCHED_TRANSPORTS.has(r.transport)).map((r) => r.id),
  );
}

/**
 * Each attempt keeps its carrier's end and waits (in_call, lease released) until check_at. A
 * repeated end keeps the first one and its deadline: a duplicate callback never extends a wait.
 * $1 attempt ids, $2 ends (JSON text), $3 deadlines, $4 answered at, $5 carrier call ids,
 * $6 bridge started, $7 bridge failed, $8 bridge errors.
 * Locks: those call_attempts rows (already held by the recording transaction). Index: pkey.
 */
const HOLD = `
  UPDATE call_attempts a
     SET state = ${target('acceptAttempt')}, lease_owner = NULL,
         carrier_end = COALESCE(a.carrier_end, t.end_json::jsonb),
         check_at = CASE WHEN a.carrier_end IS NULL THEN t.deadline ELSE a.check_at END,
         answered_at = COALESCE(a.answered_at, t.answered),
         provider_call_id = COALESCE(a.provider_call_id, t.provider_call_id),
         bridge_started_at = COALESCE(a.bridge_started_at, t.bs),
         bridge_failed_at = COALESCE(a.bridge_failed_at, t.bf),
         bridge_error = COALESCE(a.bridge_error, t.be)
    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[],
                $7::bigint[], $8::text[])
         AS t(id, end_json, deadline, answered, provider_call_id, bs, bf, be)
   WHERE a.id = t.id
     AND (${guard('acceptAttempt', 'a.state')} OR a.state = ${target('acceptAttempt')})`;

/**
 * Splits ends into those that end now and those held for their agent's report (written here).
 * With no grace period (0) nothing waits: an answered end without a report is decided at once.
 */
export async function holdForReports<
  E extends { attemptId: string; ending: AttemptEnding; bridge: KnownBridge },
>(
  q: Queryable,
  ends: readonly E[],
  ctx: { now: number; reportGraceMs: number },
): Promise<{ ending: E[]; held: string[] }> {
  const waiting = ends.flatMap((e) => (awaitsReport(e.ending) ? [{ e, end: e.ending.end }] : []));
  if (waiting.length === 0) return { ending: [...ends], held: [] };
  if (ctx.reportGraceMs <= 0) {
    const watched = await watchedBridges(
      q,
      waiting.map(({ e }) => e.attemptId),
    );
    return {
      ending: ends.map((e) =>
        awaitsReport(e.ending)
          ? {
              ...e,
              ending: {
                kind: 'carrier',
                end: graceOverEnd(e.ending.end, {
                  ...e.bridge,
                  watched: watched.has(e.attemptId),
                }),
              },
            }
          : e,
      ),
      held: [],
    };
  }
  await q.query(HOLD, [
    waiting.map(({ e }) => e.attemptId),
    waiting.map(({ end }) => JSON.stringify(end)),
    waiting.map(({ end }) => reportDeadline(end, ctx.now, ctx.reportGraceMs)),
    waiting.map(({ end }) => end.answeredAt ?? null),
    waiting.map(({ end }) => end.providerCallId ?? null),
    waiting.map(({ e }) => e.bridge.startedAt),
    waiting.map(({ e }) => e.bridge.failedAt),
    waiting.map(({ e }) => e.bridge.error),
  ]);
  const held = new Set(waiting.map(({ e }) => e.attemptId));
  return { ending: ends.filter((e) => !held.has(e.attemptId)), held: [...held] };
}

/** An attempt waiting for its agent's report. */
export interface ReportWait {
  attemptId: string;
  /** The carrier's end, kept aside. */
  end: CarrierEnd;
  /** The end of the grace period. */
  deadline: number;
  bridge: BridgeState;
}

interface WaitRow {
  id: string;
  carrier_end: CarrierEnd | string;
  check_at: number;
  bridge_started_at: number | null;
  bridge_failed_at: number | null;
  bridge_error: string | null;
  transport: string | null;
}

const WAIT_COLUMNS = `
  a.id, a.carrier_end, a.check_at, a.bridge_started_at, a.bridge_failed_at, a.bridge_error,
  ag.transport->>'type' AS transport`;

const waitOf = (r: WaitRow): ReportWait => ({
  attemptId: r.id,
  end: typeof r.carrier_end === 'string' ? JSON.parse(r.carrier_end) : r.carrier_end,
  deadline: Number(r.check_at),
  bridge: {
    watched: r.transport !== null && WATCHED_TRANSPORTS.has(r.transport),
    startedAt: r.bridge_started_at === null ? null : Number(r.bridge_started_at),
    failedAt: r.bridge_failed_at === null ? null : Number(r.bridge_failed_at),
    error: r.bridge_error,
  },
});

/**
 * The attempt's report wait, if it is waiting. $1 attempt id. Locks: none (the report's
 * transaction holds the rows already). Index: the primary keys.
 */
export async function reportWaitOf(
  q: Queryable,
  attemptId: string,
): Promise<ReportWait | undefined> {
  const rows = await q.query<WaitRow>(
    `SELECT ${WAIT_COLUMNS}
       FROM call_attempts a JOIN batches b ON b.id = a.batch_id JOIN agents ag ON ag.id = b.agent_id
      WHERE a.id = $1 AND a.state = 'in_call' AND a.carrier_end IS NOT NULL`,
    [attemptId],
  );
  return rows[0] && waitOf(rows[0]);
}

/**
 * Up to `limit` report waits whose grace period is over at `now`, soonest first. A waiting
 * attempt is the current one of its call, which stays active meanwhile (the slot held).
 * $1 now, $2 limit. Locks: none (ending them goes through the recording path, which locks and
 * ignores one already ended). Index: calls_active (the scan is of the active calls, bounded by
 * the concurrency caps), then call_attempts pkey.
 */
export async function dueReportWaits(
  q: Queryable,
  now: number,
  limit: number,
): Promise<ReportWait[]> {
  const rows = await q.query<WaitRow>(
    `SELECT ${WAIT_COLUMNS}
       FROM calls c JOIN call_attempts a ON a.id = c.current_attempt_id
       JOIN batches b ON b.id = a.batch_id JOIN agents ag ON ag.id = b.agent_id
      WHERE c.state = 'active' AND a.carrier_end IS NOT NULL AND a.state = 'in_call'
        AND a.check_at <= $1
      ORDER BY a.check_at
      LIMIT $2`,
    [now, limit],
  );
  return rows.map(waitOf);
}

/** The end an attempt records once its wait is over without a report. */
export const endAfterWait = (w: ReportWait): CarrierEnd => graceOverEnd(w.end, w.bridge);
