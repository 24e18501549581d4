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
}

const COLUMNS = `id, batch_id, seq, line, phone_number, variables, state, attempts, run_at, start_time,
  end_time, duration, error, outcome, transcript, result_attempt_id`;

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
});

export interface CallsPage {
  /** Only calls in this state; all states when absent. */
  state?: CallState;
  limit: number;
  offset: number;
}

/**
 * One page of a batch's calls in CSV order, optionally of one state. The caller knows the total
 * from the progress counters, so nothing here counts.
 * $1 batch id, $2 limit, $3 offset, $4 state (filtered variant only). No locks.
 * Index: the (batch_id, seq) unique index, or calls_batch_state (batch_id, state, seq) when
 * filtered; both yield rows already in seq order, so no sort happens.
 */
export async function listCallsPage(
  q: Queryable,
  batchId: string,
  page: CallsPage,
): Promise<CallRecord[]> {
  const rows =
    page.state === undefined
      ? await q.query<CallRow>(
          `SELECT ${COLUMNS} FROM calls WHERE batch_id = $1 ORDER BY seq LIMIT $2 OFFSET $3`,
          [batchId, page.limit, page.offset],
        )
      : await q.query<CallRow>(
          `SELECT ${COLUMNS} FROM calls WHERE batch_id = $1 AND state = $4
            ORDER BY seq LIMIT $2 OFFSET $3`,
          [batchId, page.limit, page.offset, page.state],
        );
  return rows.map(toCall);
}

/**
 * One call of one batch of one workspace: a job of another batch or workspace reads as missing.
 * $1 call id, $2 batch id, $3 workspace id. No locks. Index: calls primary key.
 */
export async function findBatchCall(
  q: Queryable,
  workspaceId: string,
  batchId: string,
  callId: string,
): Promise<CallRecord | undefined> {
  const rows = await q.query<CallRow>(
    `SELECT ${COLUMNS} FROM calls WHERE id = $1 AND batch_id = $2 AND workspace_id = $3`,
    [callId, batchId, workspaceId],
  );
  return rows[0] && toCall(rows[0]);
}
