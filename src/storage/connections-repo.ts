import type { Connection, ConnectionProvider } from '../domain/connection.js';
import type { Queryable } from './db.js';

// Telephony connections (0007). Every read is scoped by workspace, so another workspace's ids
// behave as unknown ones. The sealed credentials are read only by `getConnectionCredentials`.

interface ConnectionRow {
  id: string;
  workspace_id: string;
  provider: ConnectionProvider;
  name: string;
  account: string;
  from_numbers: string[];
  calls_per_second: number;
  created_at: number;
  updated_at: number;
}

const COLUMNS = `id, workspace_id, provider, name, account, from_numbers, calls_per_second,
  created_at, updated_at`;

const toConnection = (r: ConnectionRow): Connection => ({
  id: r.id,
  workspaceId: r.workspace_id,
  provider: r.provider,
  name: r.name,
  account: r.account,
  fromNumbers: r.from_numbers,
  callsPerSecond: r.calls_per_second,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export type NewConnection = Omit<Connection, 'createdAt' | 'updatedAt'> & {
  credentialsSealed: string;
  now: number;
};

/** Locks: none beyond the new row. Index: the primary key. */
export async function insertConnection(q: Queryable, c: NewConnection): Promise<Connection> {
  const rows = await q.query<ConnectionRow>(
    `INSERT INTO telephony_connections (id, workspace_id, provider, name, account,
       credentials_sealed, from_numbers, calls_per_second, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ${COLUMNS}`,
    [
      c.id,
      c.workspaceId,
      c.provider,
      c.name,
      c.account,
      c.credentialsSealed,
      JSON.stringify(c.fromNumbers),
      c.callsPerSecond,
      c.now,
    ],
  );
  return toConnection(rows[0]!);
}

/**
 * A live connection of `workspaceId`. Locks: none, or the row FOR UPDATE when `forUpdate` (a
 * change checked against the carrier must not interleave with another). Index: the primary key.
 */
export async function getConnection(
  q: Queryable,
  workspaceId: string,
  id: string,
  forUpdate = false,
): Promise<Connection | undefined> {
  const rows = await q.query<ConnectionRow>(
    `SELECT ${COLUMNS} FROM telephony_connections
      WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL${forUpdate ? ' FOR UPDATE' : ''}`,
    [id, workspaceId],
  );
  return rows[0] && toConnection(rows[0]);
}

/** The sealed credentials of a live connection. Locks: none. Index: the primary key. */
export async function getConnectionCredentials(
  q: Queryable,
  workspaceId: string,
  id: string,
): Promise<string | undefined> {
  const rows = await q.query<{ credentials_sealed: string }>(
    `SELECT credentials_sealed FROM telephony_connections
      WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL`,
    [id, workspaceId],
  );
  return rows[0]?.credentials_sealed;
}

/** Oldest first. Locks: none. Index: telephony_connections_workspace. */
export async function listConnections(q: Queryable, workspaceId: string): Promise<Connection[]> {
  const rows = await q.query<ConnectionRow>(
    `SELECT ${COLUMNS} FROM telephony_connections
      WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
    [workspaceId],
  );
  return rows.map(toConnection);
}

export interface ConnectionPatch {
  name?: string;
  /** Sealed credentials and the account they belong to, replaced together. */
  credentials?: { sealed: string; account: string };
  fromNumbers?: string[];
  callsPerSecond?: number;
}

/**
 * Applies `patch` to a live connection (absent fields keep their value). Locks: the row (an
 * UPDATE). Index: the primary key.
 */
export async function updateConnection(
  q: Queryable,
  workspaceId: string,
  id: string,
  patch: ConnectionPatch,
  now: number,
): Promise<Connection | undefined> {
  const rows = await q.query<ConnectionRow>(
    `UPDATE telephony_connections SET
       name = COALESCE($3, name),
       credentials_sealed = COALESCE($4, credentials_sealed),
       account = COALESCE($5, account),
       from_numbers = COALESCE($6::jsonb, from_numbers),
       calls_per_second = COALESCE($7::int, calls_per_second),
       updated_at = $8
     WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL
     RETURNING ${COLUMNS}`,
    [
      id,
      workspaceId,
      patch.name ?? null,
      patch.credentials?.sealed ?? null,
      patch.credentials?.account ?? null,
      patch.fromNumbers === undefined ? null : JSON.stringify(patch.fromNumbers),
      patch.callsPerSecond ?? null,
      now,
    ],
  );
  return rows[0] && toConnection(rows[0]);
}

export type DeleteConnectionResult = 'deleted' | 'not_found' | 'in_use';

/**
 * Deletes a live connection unless an agent with a queued or processing batch uses it; its
 * credentials are dropped, the row stays for the agents and batches that name it. Run it in a
 * transaction. Locks: the connection row FOR UPDATE first, then the in-use check reads agents
 * by connection (agents_connection, 0007) and their live batches (batches_live, 0002).
 */
export async function deleteConnection(
  q: Queryable,
  workspaceId: string,
  id: string,
  now: number,
): Promise<DeleteConnectionResult> {
  const live = await q.query(
    `SELECT id FROM telephony_connections
      WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL FOR UPDATE`,
    [id, workspaceId],
  );
  if (live.length === 0) return 'not_found';
  const busy = await q.query(
    `SELECT 1 FROM agents a
       JOIN batches b ON b.agent_id = a.id AND b.workspace_id = a.workspace_id
      WHERE a.connection_id = $1 AND a.workspace_id = $2
        AND b.status IN ('queued', 'processing')
      LIMIT 1`,
    [id, workspaceId],
  );
  if (busy.length > 0) return 'in_use';
  await q.query(
    `UPDATE telephony_connections SET deleted_at = $2, updated_at = $2, credentials_sealed = NULL
      WHERE id = $1`,
    [id, now],
  );
  return 'deleted';
}

/**
 * The provider of a live connection of `workspaceId`, for an agent about to name it. Locks: the
 * connection row FOR SHARE until the agent's transaction ends, so a concurrent delete (FOR UPDATE)
 * waits and then sees the agent. Index: the primary key.
 */
export async function lockConnectionForAgent(
  q: Queryable,
  workspaceId: string,
  id: string,
): Promise<ConnectionProvider | undefined> {
  const rows = await q.query<{ provider: ConnectionProvider }>(
    `SELECT provider FROM telephony_connections
      WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL FOR SHARE`,
    [id, workspaceId],
  );
  return rows[0]?.provider;
}
