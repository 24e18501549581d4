import { type Consent, consentView } from '../domain/consent.js';
import type { PhoneSearch } from '../domain/phone-search.js';
import type { CallState, Outcome, RowVariables } from '../domain/types.js';
import type { Queryable } from './db.js';

/** One call (job) as the read API reports it. Optional fields are absent when the column is NULL. */
export interface CallRecord {
  id: string;
  batchId: string;
  seq: number;
  line: number;
  phoneNumber: string;
  variables: RowVariables;
  state: CallState;
  attempts: number;
  runAt: number;
  startTime?: number;
  endTime?: number;
  duration?: number;
  error?: string;
  outcome?: Outcome;
  transcript?: string;
  resultAttemptId?: string;
  /** Why the claim last held it back, while its run_at is still the one it set. */
  heldReason?: 'calling_window' | 'frequency_cap';
  /** Its batch or its workspace is paused. */
  paused: boolean;
  /** Ext §19: the consent its row recorded. */
  consent?: Consent;
}

interface CallRow {
  id: string;
  batch_id: string;
  seq: number;
  line: number;
  phone_number: string;
  variables: RowVariables;
  state: CallState;
  attempts: number;
  run_at: number;
  start_time: number | null;
  end_time: number | null;
  duration: number | null;
  error: string | null;
  outcome: Outcome | null;
  transcript: string | null;
  result_attempt_id: string | null;
  held_reason: 'calling_window' | 'frequency_cap' | null;
  paused: boolean | null;
  consent_source: string | null;
  consent_at: number | null;
}

// held_reason holds only while run_at is what the claim set; paused reads the call's batch row
// (primary key) and its workspace's row (primary key).
const COLUMNS = `id, batch_id, seq, line, phone_number, variables, state, attempts, run_at, start_time,
  end_time, duration, error, outcome, transcript, result_attempt_id, consent_source, consent_at,
  CASE WHEN held_until = run_at THEN held_reason END AS held_reason,
  (SELECT b.status = 'paused' OR w.paused_at IS NOT NULL
     FROM batches b JOIN workspaces w ON w.id = b.workspace_id
    WHERE b.id = calls.batch_id) AS paused`;

const toCall = (r: CallRow): CallRecord => ({
  id: r.id,
  batchId: r.batch_id,
  seq: r.seq,
  line: r.line,
  phoneNumber: r.phone_number,
  variables: r.variables,
  state: r.state,
  attempts: r.attempts,
  runAt: r.run_at,
  ...(r.start_time === null ? {} : { startTime: r.start_time }),
  ...(r.end_time === null ? {} : { endTime: r.end_time }),
  ...(r.duration === null ? {} : { duration: r.duration }),
  ...(r.error === null ? {} : { error: r.error }),
  ...(r.outcome === null ? {} : { outcome: r.outcome }),
  ...(r.transcript === null ? {} : { transcript: r.transcript }),
  ...(r.result_attempt_id === null ? {} : { resultAttemptId: r.result_attempt_id }),
  ...(r.held_reason === null ? {} : { heldReason: r.held_reason }),
  paused: r.paused === true,
  ...consentField(r),
});

function consentField(r: CallRow): { consent?: Consent } {
  const consent = consentView(r.consent_source, r.consent_at);
  return consent === undefined ? {} : { consent };
}

export interface CallsPage {
  /** Only calls in this state; all states when absent. */
  state?: CallState;
  /** Only calls whose number matches (domain/phone-search.ts); all numbers when absent. */
  phone?: PhoneSearch;
  limit: number;
  offset: number;
}

/**
 * The WHERE clause of a page or a count: $1 batch id, then the filter's parameters from $next on
 * (state; the phone digits; the whole number or NULL).
 */
function callsFilter(
  batchId: string,
  filter: Pick<CallsPage, 'state' | 'phone'>,
  next: number,
): { where: string; params: unknown[] } {
  const conds = ['batch_id = $1'];
  const params: unknown[] = [batchId];
  let n = next;
  if (filter.state !== undefined) {
    conds.push(`state = $${n++}`);
    params.push(filter.state);
  }
  if (filter.phone !== undefined) {
    conds.push(`(strpos(phone_number, $${n}) > 0 OR phone_number = $${n + 1})`);
    params.push(filter.phone.digits, filter.phone.e164 ?? null);
  }
  return { where: conds.join(' AND '), params };
}

/**
 * One page of a batch's calls in CSV order, optionally of one state and of numbers matching a
 * search. The caller knows the total of an unsearched list from the progress counters, so
 * nothing here counts (countCalls does, for a search).
 * $1 batch id, $2 limit, $3 offset, then the filter's (callsFilter). No locks.
 * Index: the (batch_id, seq) unique index, or calls_batch_state (batch_id, state, seq) when
 * filtered by state; both yield rows already in seq order, so no sort happens. A phone search
 * is checked on each of the batch's rows in that order: bounded by the batch's size, and a
 * page stops reading as soon as it is full.
 */
export async function listCallsPage(
  q: Queryable,
  batchId: string,
  page: CallsPage,
): Promise<CallRecord[]> {
  const { where, params } = callsFilter(batchId, page, 4);
  const rows = await q.query<CallRow>(
    `SELECT ${COLUMNS} FROM calls WHERE ${where} ORDER BY seq LIMIT $2 OFFSET $3`,
    [params[0], page.limit, page.offset, ...params.slice(1)],
  );
  return rows.map(toCall);
}

/**
 * How many of a batch's calls match a phone search (and a state): the total of a searched list.
 * $1 batch id, then the filter's (callsFilter). No locks. Index: as listCallsPage; reads at most
 * the batch's rows.
 */
export async function countCalls(
  q: Queryable,
  batchId: string,
  filter: Pick<CallsPage, 'state' | 'phone'>,
): Promise<number> {
  const { where, params } = callsFilter(batchId, filter, 2);
  const rows = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM calls WHERE ${where}`,
    params,
  );
  return rows[0]?.n ?? 0;
}

/** Which call a status read asks for: a job of another batch or workspace reads as missing. */
export interface BatchCallKey {
  workspaceId: string;
  batchId: string;
  callId: string;
}

/**
 * Many status reads in one statement: for each key its call, or undefined when no such call is
 * in that batch of that workspace. $1 call ids. No locks. Index: calls primary key.
 */
export async function findBatchCalls(
  q: Queryable,
  keys: readonly BatchCallKey[],
): Promise<(CallRecord | undefined)[]> {
  const ids = [...new Set(keys.map((k) => k.callId))];
  const rows = await q.query<CallRow & { workspace_id: string }>(
    `SELECT ${COLUMNS}, workspace_id FROM calls WHERE id = ANY($1::text[])`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return keys.map((k) => {
    const r = byId.get(k.callId);
    return r && r.batch_id === k.batchId && r.workspace_id === k.workspaceId
      ? toCall(r)
      : undefined;
  });
}

/**
 * Calls by id, whatever their batch (webhook events of a transition, which holds their rows).
 * $1 call ids. No locks. Index: calls primary key.
 */
export async function findCallsByIds(q: Queryable, ids: readonly string[]): Promise<CallRecord[]> {
  if (ids.length === 0) return [];
  const rows = await q.query<CallRow>(`SELECT ${COLUMNS} FROM calls WHERE id = ANY($1::text[])`, [
    ids,
  ]);
  return rows.map(toCall);
}

/** Which of `ids` are jobs of the batch. $1 batch id, $2 ids. No locks. Index: calls pkey. */
export async function jobIdsInBatch(
  q: Queryable,
  batchId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await q.query<{ id: string }>(
    'SELECT id FROM calls WHERE id = ANY($1::text[]) AND batch_id = $2',
    [[...new Set(ids)], batchId],
  );
  return new Set(rows.map((r) => r.id));
}
