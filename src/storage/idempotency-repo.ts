import type { Db, Queryable } from './db.js';

// Idempotency-Key of `POST /batch-calls` (§1 ext). A key is stored in the SAME transaction that
// creates its batch, so a batch and its key exist together or not at all, and two requests racing
// with one key cannot both create a batch: the second waits on the first one's uncommitted key row.

/** How long a key is remembered: a row is live while now - created_at < this; an older row is
 * ignored and may be overwritten. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  response: unknown;
  createdAt: number;
}

export interface NewIdempotencyKey {
  workspaceId: string;
  key: string;
  requestHash: string;
  statusCode: number;
  response: unknown;
  now: number;
}

/**
 * The response remembered for a key, if it was stored less than IDEMPOTENCY_TTL_MS before `now`.
 * $1 workspace id, $2 key, $3 now - TTL (rows at or before it are expired). No locks.
 * Index: primary key.
 */
export async function findIdempotentResponse(
  q: Queryable,
  workspaceId: string,
  key: string,
  now: number,
): Promise<StoredResponse | undefined> {
  const rows = await q.query<StoredResponse>(
    `SELECT request_hash AS "requestHash", status_code AS "statusCode", response,
            created_at AS "createdAt"
       FROM idempotency_keys
      WHERE workspace_id = $1 AND key = $2 AND created_at > $3`,
    [workspaceId, key, now - IDEMPOTENCY_TTL_MS],
  );
  return rows[0];
}

/*
 * claimIdempotencyKey — stores a key's response unless a live row holds the key.
 * $1 workspace id, $2 key, $3 request hash, $4 status, $5 response (jsonb), $6 now, $7 now - TTL.
 * An expired row (created_at <= $7) is overwritten in place.
 * Locks: the key's row. When another open transaction has just inserted the same key, this waits
 * for it to end (ON CONFLICT sees its outcome): committed → no row returned; rolled back → ours is
 * inserted. Index: primary key (workspace_id, key).
 */
const CLAIM = `
  INSERT INTO idempotency_keys AS k (workspace_id, key, request_hash, status_code, response, created_at)
  VALUES ($1, $2, $3, $4, $5::jsonb, $6)
  ON CONFLICT (workspace_id, key) DO UPDATE SET
    request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
    response = EXCLUDED.response, created_at = EXCLUDED.created_at
  WHERE k.created_at <= $7
  RETURNING 1 AS claimed`;

/** True when this transaction now owns the key; false when a live row (committed) holds it. */
export async function claimIdempotencyKey(q: Queryable, k: NewIdempotencyKey): Promise<boolean> {
  const rows = await q.query(CLAIM, [
    k.workspaceId,
    k.key,
    k.requestHash,
    k.statusCode,
    JSON.stringify(k.response),
    k.now,
    k.now - IDEMPOTENCY_TTL_MS,
  ]);
  return rows.length === 1;
}

/**
 * Forgets keys stored before `before` (for a maintenance job: expired rows are already ignored,
 * this only reclaims their space). $1 cutoff. Locks: the deleted rows. Index: none (full scan of a
 * small table).
 */
export async function deleteExpiredIdempotencyKeys(q: Queryable, before: number): Promise<number> {
  const rows = await q.query('DELETE FROM idempotency_keys WHERE created_at < $1 RETURNING 1', [
    before,
  ]);
  return rows.length;
}

/**
 * `db` whose transactions first run `prelude` in the same transaction: how a key is stored
 * atomically with a batch created by a repository function that opens its own transaction.
 */
export function withTxPrelude(db: Db, prelude: (q: Queryable) => Promise<void>): Db {
  return {
    kind: db.kind,
    query: (text, params) => db.query(text, params),
    tx: (fn) =>
      db.tx(async (q) => {
        await prelude(q);
        return fn(q);
      }),
    exec: (q, script) => db.exec(q, script),
    listen: (channel, handler) => db.listen(channel, handler),
    notify: (channel, payload) => db.notify(channel, payload),
    tryHoldLock: (key) => db.tryHoldLock(key),
    close: () => db.close(),
  };
}
