import {
  HASH_SCHEME,
  hashesEqual,
  hmacApiKey,
  keyDisplayPrefix,
  keyLookup,
  legacyApiKeyHash,
} from '../domain/api-key.js';
import type { Db, Queryable } from './db.js';

/** NOTIFY channel on which every key revocation is announced. */
export const KEYS_CHANNEL = 'outdial_keys';

export interface ApiKeyInfo {
  id: string;
  workspaceId: string;
  prefix: string;
  name?: string;
  createdAt: number;
  revokedAt?: number;
}

interface KeyRow {
  id: string;
  workspace_id: string;
  prefix: string;
  secret_hash: string;
  hash_scheme: number;
  name: string | null;
  created_at: number;
  revoked_at: number | null;
}

const toInfo = (r: KeyRow): ApiKeyInfo => ({
  id: r.id,
  workspaceId: r.workspace_id,
  prefix: r.prefix,
  ...(r.name === null ? {} : { name: r.name }),
  createdAt: r.created_at,
  ...(r.revoked_at === null ? {} : { revokedAt: r.revoked_at }),
});

/** Stores a key by its keyed hash only; the plain key is the caller's to show once. */
export async function insertApiKey(
  q: Queryable,
  secret: Uint8Array,
  k: { id: string; workspaceId: string; key: string; name?: string; createdAt: number },
): Promise<ApiKeyInfo> {
  const hash = hmacApiKey(secret, k.key);
  const rows = await q.query<KeyRow>(
    `INSERT INTO api_keys (id, workspace_id, prefix, lookup, secret_hash, hash_scheme, name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      k.id,
      k.workspaceId,
      keyDisplayPrefix(k.key),
      keyLookup(hash),
      hash,
      HASH_SCHEME.hmac,
      k.name ?? null,
      k.createdAt,
    ],
  );
  return toInfo(rows[0]!);
}

/**
 * The live (not revoked) key matching `key`, compared in constant time, or undefined. A key stored
 * before key secrets existed is found by its plain hash and rewritten under the secret.
 */
export async function findLiveKey(
  q: Queryable,
  secret: Uint8Array,
  key: string,
): Promise<ApiKeyInfo | undefined> {
  const hash = hmacApiKey(secret, key);
  const legacy = legacyApiKeyHash(key);
  const rows = await q.query<KeyRow>(
    'SELECT * FROM api_keys WHERE lookup = ANY($1::text[]) AND revoked_at IS NULL',
    [[keyLookup(hash), keyLookup(legacy)]],
  );
  const row = rows.find((r) =>
    hashesEqual(r.secret_hash, r.hash_scheme === HASH_SCHEME.hmac ? hash : legacy),
  );
  if (row && row.hash_scheme !== HASH_SCHEME.hmac) {
    await q.query(
      `UPDATE api_keys SET lookup = $2, secret_hash = $3, hash_scheme = $4
       WHERE id = $1 AND hash_scheme = $5`,
      [row.id, keyLookup(hash), hash, HASH_SCHEME.hmac, row.hash_scheme],
    );
  }
  return row && toInfo(row);
}

export async function listApiKeys(q: Queryable, workspaceId: string): Promise<ApiKeyInfo[]> {
  const rows = await q.query<KeyRow>(
    'SELECT * FROM api_keys WHERE workspace_id = $1 ORDER BY created_at, id',
    [workspaceId],
  );
  return rows.map(toInfo);
}

/** Whether any stored key is hashed under a key secret (then the secret cannot change). */
export async function anyKeyedHash(q: Queryable): Promise<boolean> {
  const rows = await q.query('SELECT 1 FROM api_keys WHERE hash_scheme = $1 LIMIT 1', [
    HASH_SCHEME.hmac,
  ]);
  return rows.length > 0;
}

/**
 * Revokes a key and announces it on the keys channel (delivered at commit), so API processes drop
 * their cached verifications at once.
 */
export async function revokeApiKey(db: Db, id: string, now: number): Promise<boolean> {
  return db.tx(async (q) => {
    const rows = await q.query(
      'UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [id, now],
    );
    if (rows.length > 0) await q.query('SELECT pg_notify($1, $2)', [KEYS_CHANNEL, id]);
    return rows.length > 0;
  });
}
