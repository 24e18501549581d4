import type { BatchConfig } from '../domain/types.js';
import type { Db, Queryable } from './db.js';
import { addProgress } from './progress-repo.js';

export interface NewBatch {
  id: string;
  workspaceId: string;
  agentId: string;
  name?: string;
  /** The original CSV header, in file order. */
  columns: string[];
  /** Frozen at creation (smartCallback, defaultCountry, callingWindow). */
  config: BatchConfig;
  /** The batch's own cap on calls in progress; stored only in batches.max_concurrency. */
  maxConcurrency?: number;
  scheduledAt?: number;
  createdAt: number;
}

/**
 * Consecutive call rows as ONE JSON array of arrays, one a row:
 * `[id tail, line, E.164, zone number, [variable values], consent source, consent at]`
 * (the consent pair, ext §19, only when the file has consent columns). The id is the source's
 * `idHead` and the tail; the zone number indexes `zones` and `runAts` (1-based); the values
 * line up with the source's `variableKeys`. One compact string rather than a column array each:
 * a driver serialises an array parameter element by element, and its copies of a string
 * parameter live until a full collection, so bytes sent are memory.
 */
export interface CallRowChunk {
  count: number;
  rowsJson: string;
  zones: string[];
  runAts: number[];
}

/**
 * The batch's calls, produced a chunk at a time so only one chunk's ids and variable JSON exist
 * at once, however large the upload.
 */
export interface CallRowSource {
  readonly count: number;
  /** When the calls are due but for their calling windows: a later run_at waits for a window. */
  readonly dueAt: number;
  /** The names of the values in each row's variables array. */
  readonly variableKeys: readonly string[];
  /** What every call id starts with (prefix and time); each row holds the rest (ids.ts). */
  readonly idHead: string;
  /** Consecutive chunks covering every row once, in seq order. */
  chunks(): Iterable<CallRowChunk>;
}

async function insertBatchRow(q: Queryable, b: NewBatch, totalCalls: number): Promise<void> {
  await q.query(
    `INSERT INTO batches (id, workspace_id, agent_id, name, status, total_calls, columns, config,
       max_concurrency, scheduled_at, created_at)
     VALUES ($1, $2, $3, $4, 'queued', $5, $6::jsonb, $7::jsonb, $8, $9, $10)`,
    [
      b.id,
      b.workspaceId,
      b.agentId,
      b.name ?? null,
      totalCalls,
      JSON.stringify(b.columns),
      JSON.stringify(b.config),
      b.maxConcurrency ?? null,
      b.scheduledAt ?? null,
      b.createdAt,
    ],
  );
}

/*
 * insertCallChunk — bulk ingest of one chunk of a new batch's calls (state 'waiting').
 * $1 batch id, $2 workspace id, $3 seq of the chunk's first row, $4 the chunk's rows as one JSON
 * array (CallRowChunk), $5 when the calls are due but for their windows: a later run_at was set by
 * a calling window, which the call's waitReason says (held_reason, as the claim sets it). $6 the
 * variables' names, $7 and $8 the chunk's zones and their run_at, $9 the ids' common head.
 * Locks: none beyond the new rows (the batch row is new in the same transaction).
 * Indexes: maintains calls' indexes; uses none.
 */
const INSERT_CALLS = `
  INSERT INTO calls (id, batch_id, workspace_id, seq, line, phone_number, variables, time_zone, run_at,
                     held_until, held_reason, consent_source, consent_at)
  SELECT $9::text || (t.r->>0), $1, $2, $3::int + (t.n - 1)::int, (t.r->>1)::int, t.r->>2,
         jsonb_object($6::text[], ARRAY(SELECT jsonb_array_elements_text(t.r->4))),
         ($7::text[])[(t.r->>3)::int], z.run_at,
         CASE WHEN z.run_at > $5::bigint THEN z.run_at END,
         CASE WHEN z.run_at > $5::bigint THEN 'calling_window' END,
         t.r->>5, (t.r->>6)::int8
    FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS t(r, n),
         LATERAL (SELECT ($8::int8[])[(t.r->>3)::int] AS run_at) z`;

/** Inserts the calls chunk by chunk (one statement a chunk), numbered from `seq`; returns the next seq. */
async function insertCalls(
  q: Queryable,
  batchId: string,
  workspaceId: string,
  seq: number,
  calls: CallRowSource,
): Promise<number> {
  let next = seq;
  for (const c of calls.chunks()) {
    await q.query(INSERT_CALLS, [
      batchId,
      workspaceId,
      next,
      c.rowsJson,
      calls.dueAt,
      calls.variableKeys,
      c.zones,
      c.runAts,
      calls.idHead,
    ]);
    next += c.count;
  }
  return next;
}

/**
 * Creates a batch and all its calls in ONE transaction: the batch row, the calls in multi-row
 * chunks (never one round trip per row), and the batch's progress (all waiting). Either all of
 * it exists afterwards or none of it.
 */
export async function createBatch(db: Db, batch: NewBatch, calls: CallRowSource): Promise<void> {
  await db.tx(async (q) => {
    await insertBatchRow(q, batch, calls.count);
    const seq = await insertCalls(q, batch.id, batch.workspaceId, 0, calls);
    if (seq !== calls.count) throw new Error(`createBatch: ${seq} rows for ${calls.count} calls`);
    await addProgress(q, [{ batchId: batch.id, delta: { waiting: calls.count } }], 0);
  });
}

/**
 * Ext §17 append: the calls of `source` not already in the batch (by number) are added after its
 * last row, waiting, in ONE transaction with the progress and total. Appends to one batch are
 * serialized by a transaction advisory lock, so two appends cannot both add one number; the batch
 * row is locked last (the engine's lock order), and a batch cancelled meanwhile adds nothing.
 * `pick` gets the numbers already in the batch and returns the rows to insert.
 * Locks: advisory (batch), the new rows, progress rows, the batches row. Indexes:
 * calls_ws_phone (workspace_id, phone_number) for the duplicates, calls pkey / unique (batch_id,
 * seq) for the next seq.
 */
export async function appendCalls(
  q: Queryable,
  opts: { batchId: string; workspaceId: string; phones: readonly string[] },
  pick: (already: Set<string>) => CallRowSource,
): Promise<{ added: number; totalCalls: number; status: string } | undefined> {
  await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`append:${opts.batchId}`]);
  const existing = await q.query<{ phone_number: string }>(
    `SELECT phone_number FROM calls
      WHERE workspace_id = $3 AND phone_number = ANY($2::text[]) AND batch_id = $1`,
    [opts.batchId, [...new Set(opts.phones)], opts.workspaceId],
  );
  const source = pick(new Set(existing.map((r) => r.phone_number)));
  const [last] = await q.query<{ next: number }>(
    'SELECT COALESCE(max(seq) + 1, 0)::int AS next FROM calls WHERE batch_id = $1',
    [opts.batchId],
  );
  await insertCalls(q, opts.batchId, opts.workspaceId, last!.next, source);
  if (source.count > 0) {
    await addProgress(q, [{ batchId: opts.batchId, delta: { waiting: source.count } }]);
  }
  const rows = await q.query<{ total_calls: number; status: string }>(
    `UPDATE batches SET total_calls = total_calls + $2
      WHERE id = $1 AND status NOT IN ('cancelled', 'failed')
      RETURNING total_calls, status`,
    [opts.batchId, source.count],
  );
  if (rows.length === 0) return undefined;
  return { added: source.count, totalCalls: rows[0]!.total_calls, status: rows[0]!.status };
}
