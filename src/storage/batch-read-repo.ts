import { readBatchConfig } from '../domain/batch-config.js';
import type { Batch, BatchStatus } from '../domain/types.js';
import type { Queryable } from './db.js';

interface BatchRow {
  id: string;
  workspace_id: string;
  agent_id: string;
  name: string | null;
  status: BatchStatus;
  total_calls: number;
  columns: string[];
  config: unknown;
  scheduled_at: number | null;
  created_at: number;
  start_time: number | null;
  completed_time: number | null;
  paused_at: number | null;
  paused_reason: string | null;
}

const toBatch = (r: BatchRow): Batch => ({
  id: r.id,
  workspaceId: r.workspace_id,
  agentId: r.agent_id,
  ...(r.name === null ? {} : { name: r.name }),
  status: r.status,
  totalCalls: r.total_calls,
  columns: r.columns,
  config: readBatchConfig(r.config),
  ...(r.scheduled_at === null ? {} : { scheduledAt: r.scheduled_at }),
  createdAt: r.created_at,
  ...(r.start_time === null ? {} : { startTime: r.start_time }),
  ...(r.completed_time === null ? {} : { completedTime: r.completed_time }),
  ...(r.paused_at === null ? {} : { pausedAt: r.paused_at }),
  ...(r.paused_reason === null ? {} : { pausedReason: r.paused_reason }),
});

/** What a batch's answer is read from (toBatch): the API's reads and its webhook events alike. */
const BATCH_COLUMNS = `id, workspace_id, agent_id, name, status, total_calls, columns, config,
  scheduled_at, created_at, start_time, completed_time, paused_at, paused_reason`;

/**
 * The batch if it exists in `workspaceId`; another workspace's batch reads exactly like a missing one.
 * $1 batch id, $2 workspace id. No locks. Index: batches primary key.
 */
export async function findWorkspaceBatch(
  q: Queryable,
  workspaceId: string,
  batchId: string,
): Promise<Batch | undefined> {
  const rows = await q.query<BatchRow>(
    `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = $1 AND workspace_id = $2`,
    [batchId, workspaceId],
  );
  return rows[0] && toBatch(rows[0]);
}

/** The batch's original CSV header, if the batch is this workspace's. $1 batch, $2 workspace. */
export async function findBatchColumns(
  q: Queryable,
  workspaceId: string,
  batchId: string,
): Promise<string[] | undefined> {
  const rows = await q.query<{ columns: string[] }>(
    'SELECT columns FROM batches WHERE id = $1 AND workspace_id = $2',
    [batchId, workspaceId],
  );
  return rows[0]?.columns;
}

/** A call that reached a terminal state, as the batch status lists it among its recent calls. */
export interface TerminalCall {
  jobId: string;
  state: 'completed' | 'failed' | 'cancelled';
  phoneNumber: string;
  terminalAt: number;
  duration?: number;
  error?: string;
}

interface TerminalRow {
  id: string;
  state: TerminalCall['state'];
  phone_number: string;
  terminal_at: number;
  duration: number | null;
  error: string | null;
}

/**
 * The batch's most recently finished calls, newest first (ties: later CSV row first); the first
 * one's terminalAt is the batch's lastCompletedTime.
 * $1 batch id, $2 how many. No locks. Index: calls_recent (batch_id, terminal_at DESC), so the cost
 * is the limit, not the batch size.
 */
export async function recentTerminalCalls(
  q: Queryable,
  batchId: string,
  limit: number,
): Promise<TerminalCall[]> {
  const rows = await q.query<TerminalRow>(
    `SELECT id, state, phone_number, terminal_at, duration, error
       FROM calls
      WHERE batch_id = $1 AND terminal_at IS NOT NULL
      ORDER BY terminal_at DESC, seq DESC
      LIMIT $2`,
    [batchId, limit],
  );
  return rows.map((r) => ({
    jobId: r.id,
    state: r.state,
    phoneNumber: r.phone_number,
    terminalAt: r.terminal_at,
    ...(r.duration === null ? {} : { duration: r.duration }),
    ...(r.error === null ? {} : { error: r.error }),
  }));
}

/** Batches by id, whatever their workspace. $1 batch ids. No locks. Index: batches pkey. */
export async function findBatchesByIds(q: Queryable, ids: readonly string[]): Promise<Batch[]> {
  if (ids.length === 0) return [];
  const rows = await q.query<BatchRow>(
    `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ANY($1::text[])`,
    [ids],
  );
  return rows.map(toBatch);
}
