import type { Queryable } from './db.js';

// Ext §18: a workspace's do-not-call list. Numbers are stored and compared in E.164. One row per
// (workspace, number): listing a listed number again changes nothing.

export type DncSource = 'api' | 'import' | 'opt_out';

export interface DncEntry {
  phoneNumber: string;
  reason?: string;
  source: DncSource;
  createdAt: number;
  batchId?: string;
  jobId?: string;
}

interface Row {
  phone_number: string;
  reason: string | null;
  source: DncSource;
  created_at: number;
  batch_id: string | null;
  job_id: string | null;
}

const toEntry = (r: Row): DncEntry => ({
  phoneNumber: r.phone_number,
  ...(r.reason === null ? {} : { reason: r.reason }),
  source: r.source,
  createdAt: r.created_at,
  ...(r.batch_id === null ? {} : { batchId: r.batch_id }),
  ...(r.job_id === null ? {} : { jobId: r.job_id }),
});

/**
 * Lists the numbers; returns how many were new. $1 workspace id, $2 E.164 numbers (distinct),
 * $3 reason or NULL, $4 source, $5 now. Locks: the inserted rows. Index: dnc_entries pkey.
 */
export async function addDncEntries(
  q: Queryable,
  opts: {
    workspaceId: string;
    phones: readonly string[];
    reason?: string;
    source: DncSource;
    now: number;
  },
): Promise<number> {
  if (opts.phones.length === 0) return 0;
  const rows = await q.query<{ n: number }>(
    `WITH added AS (
       INSERT INTO dnc_entries (workspace_id, phone_number, reason, source, created_at)
       SELECT $1, p, $3, $4, $5 FROM unnest($2::text[]) AS t(p)
       ON CONFLICT (workspace_id, phone_number) DO NOTHING
       RETURNING 1)
     SELECT count(*)::int AS n FROM added`,
    [opts.workspaceId, [...new Set(opts.phones)], opts.reason ?? null, opts.source, opts.now],
  );
  return rows[0]!.n;
}

/**
 * Callees said stop: the numbers of those calls are listed, each with the call that heard it.
 * Idempotent (a repeated end, or a number listed already, changes nothing). Runs in the
 * transaction that records the end, so the number is listed exactly when the outcome is.
 * $1 call ids, $2 now. Locks: the inserted rows. Index: calls pkey, dnc_entries pkey.
 */
export async function addOptOuts(
  q: Queryable,
  callIds: readonly string[],
  now: number,
): Promise<void> {
  if (callIds.length === 0) return;
  await q.query(
    `INSERT INTO dnc_entries (workspace_id, phone_number, reason, source, created_at, batch_id, job_id)
     SELECT DISTINCT ON (c.workspace_id, c.phone_number)
            c.workspace_id, c.phone_number, 'Opted out during a call', 'opt_out', $2::bigint,
            c.batch_id, c.id
       FROM calls c WHERE c.id = ANY($1::text[])
      ORDER BY c.workspace_id, c.phone_number, c.id
     ON CONFLICT (workspace_id, phone_number) DO NOTHING`,
    [[...callIds], now],
  );
}

/** Which of the numbers are listed. $1 workspace id, $2 numbers. No locks. Index: pkey. */
export async function listedAmong(
  q: Queryable,
  workspaceId: string,
  phones: readonly string[],
): Promise<Set<string>> {
  const listed = new Set<string>();
  // A part at a time: an upload asks about every row's number, and one array of a few hundred
  // thousand would be serialised into a string the size of the file, freed only by a full
  // collection.
  for (let from = 0; from < phones.length; from += LOOKUP_PART) {
    const rows = await q.query<{ phone_number: string }>(
      `SELECT phone_number FROM dnc_entries
        WHERE workspace_id = $1 AND phone_number = ANY($2::text[])`,
      [workspaceId, phones.slice(from, from + LOOKUP_PART)],
    );
    for (const r of rows) listed.add(r.phone_number);
  }
  return listed;
}

/** Numbers per lookup statement: its array parameter stays well under V8's large-object size. */
const LOOKUP_PART = 4000;

/** One entry. $1 workspace id, $2 E.164 number. No locks. Index: dnc_entries pkey. */
export async function getDncEntry(
  q: Queryable,
  workspaceId: string,
  phone: string,
): Promise<DncEntry | undefined> {
  const rows = await q.query<Row>(
    `SELECT phone_number, reason, source, created_at, batch_id, job_id
       FROM dnc_entries WHERE workspace_id = $1 AND phone_number = $2`,
    [workspaceId, phone],
  );
  return rows[0] && toEntry(rows[0]);
}

/** Removes an entry; false when it was not listed. $1 workspace id, $2 number. Index: pkey. */
export async function removeDncEntry(
  q: Queryable,
  workspaceId: string,
  phone: string,
): Promise<boolean> {
  const rows = await q.query(
    'DELETE FROM dnc_entries WHERE workspace_id = $1 AND phone_number = $2 RETURNING 1',
    [workspaceId, phone],
  );
  return rows.length > 0;
}

/**
 * One page of entries, newest first, optionally those whose number contains `digits`.
 * $1 workspace id, $2 digits or NULL, $3 limit, $4 offset. No locks.
 * Index: dnc_entries_recent (workspace_id, created_at DESC, phone_number).
 */
export async function listDncEntries(
  q: Queryable,
  workspaceId: string,
  opts: { digits?: string; limit: number; offset: number },
): Promise<{ entries: DncEntry[]; total: number }> {
  const digits = opts.digits ?? null;
  const rows = await q.query<Row & { total: number }>(
    `SELECT phone_number, reason, source, created_at, batch_id, job_id,
            count(*) OVER ()::int AS total
       FROM dnc_entries
      WHERE workspace_id = $1 AND ($2::text IS NULL OR strpos(phone_number, $2::text) > 0)
      ORDER BY created_at DESC, phone_number
      LIMIT $3 OFFSET $4`,
    [workspaceId, digits, opts.limit, opts.offset],
  );
  const total =
    rows[0]?.total ??
    (opts.offset === 0
      ? 0
      : (
          await q.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM dnc_entries
              WHERE workspace_id = $1 AND ($2::text IS NULL OR strpos(phone_number, $2::text) > 0)`,
            [workspaceId, digits],
          )
        )[0]!.n);
  return { entries: rows.map(toEntry), total };
}
