import type { CallState, Outcome, RowVariables } from '../domain/types.js';
import type { Queryable } from './db.js';

// The results export (§9) reads a batch's calls in CSV order, one keyset page at a time: each
// page is a short query of its own, so a 100,000-row export never holds rows, a transaction or
// a cursor open while the client reads slowly.

interface ExportRow {
  id: string;
  seq: number;
  phone_number: string;
  state: CallState;
  attempts: number;
  start_time: number | null;
  end_time: number | null;
  duration: number | null;
  outcome: Outcome | null;
  error: string | null;
  transcript: string | null;
  variables: RowVariables;
}

/** One call as the export writes it; optional fields are absent when the column is NULL. */
export interface ExportedCall {
  id: string;
  phoneNumber: string;
  state: CallState;
  attempts: number;
  startTime?: number;
  endTime?: number;
  duration?: number;
  outcome?: Outcome;
  error?: string;
  transcript?: string;
  variables: RowVariables;
}

export interface ExportPage {
  rows: ExportedCall[];
  /** The seq to continue after; undefined when the page was empty. */
  lastSeq?: number;
}

/**
 * The next `limit` calls of a batch after CSV position `afterSeq` (-1: from the start).
 * $1 batch id, $2 after seq, $3 limit. No locks.
 * Index: the (batch_id, seq) unique index: a range scan that starts where the last page ended, so
 * every page costs the same however deep into the batch it is (no OFFSET).
 */
export async function readExportPage(
  q: Queryable,
  batchId: string,
  afterSeq: number,
  limit: number,
): Promise<ExportPage> {
  const rows = await q.query<ExportRow>(
    `SELECT id, seq, phone_number, state, attempts, start_time, end_time, duration, outcome, error,
            transcript, variables
       FROM calls
      WHERE batch_id = $1 AND seq > $2
      ORDER BY seq
      LIMIT $3`,
    [batchId, afterSeq, limit],
  );
  const last = rows.at(-1);
  return {
    rows: rows.map((r) => ({
      id: r.id,
      phoneNumber: r.phone_number,
      state: r.state,
      attempts: r.attempts,
      ...(r.start_time === null ? {} : { startTime: r.start_time }),
      ...(r.end_time === null ? {} : { endTime: r.end_time }),
      ...(r.duration === null ? {} : { duration: r.duration }),
      ...(r.outcome === null ? {} : { outcome: r.outcome }),
      ...(r.error === null ? {} : { error: r.error }),
      ...(r.transcript === null ? {} : { transcript: r.transcript }),
      variables: r.variables,
    })),
    ...(last === undefined ? {} : { lastSeq: last.seq }),
  };
}
