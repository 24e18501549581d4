import type { AgentTransport, MachineDetection } from '../domain/agent-transport.js';
import type { CallbackGap } from '../domain/types.js';
import type { Queryable } from './db.js';

/**
 * Fields to change; absent fields keep their value. `fromNumber` and `variables` take `null` to
 * remove them.
 */
export interface AgentPatch {
  name?: string;
  greeting?: string;
  prompt?: string;
  fromNumber?: string | null;
  provider?: string;
  smartCallback?: boolean;
  maxAttemptsForSmartCallback?: number;
  gapBetweenEachAttemptForSmartCallback?: CallbackGap[];
  variables?: string[] | null;
  /** §21 fields: `null` returns each to its default (no connection: the simulator). */
  connectionId?: string | null;
  transport?: AgentTransport | null;
  machineDetection?: MachineDetection | null;
  ringTimeoutSec?: number | null;
  maxCallDurationSec?: number | null;
  fallbackMessage?: string | null;
}

/**
 * Applies `patch` to a live agent of `workspaceId`; false when there is no such agent.
 * Each column is set only when its "given" flag is true, so absent and null stay distinct.
 */
export async function updateAgent(
  q: Queryable,
  workspaceId: string,
  id: string,
  patch: AgentPatch,
  now: number,
): Promise<boolean> {
  const given = (v: unknown) => v !== undefined;
  const rows = await q.query<{ id: string }>(
    `UPDATE agents SET
       name = CASE WHEN $3 THEN $4 ELSE name END,
       greeting = CASE WHEN $5 THEN $6 ELSE greeting END,
       prompt = CASE WHEN $7 THEN $8 ELSE prompt END,
       from_number = CASE WHEN $9 THEN $10 ELSE from_number END,
       provider = CASE WHEN $11 THEN $12 ELSE provider END,
       smart_callback = CASE WHEN $13 THEN $14::boolean ELSE smart_callback END,
       smart_max_attempts = CASE WHEN $15 THEN $16::int ELSE smart_max_attempts END,
       smart_gaps = CASE WHEN $17 THEN $18::jsonb ELSE smart_gaps END,
       variables = CASE WHEN $19 THEN $20::jsonb ELSE variables END,
       updated_at = $21,
       connection_id = CASE WHEN $22 THEN $23 ELSE connection_id END,
       transport = CASE WHEN $24 THEN $25::jsonb ELSE transport END,
       machine_detection = CASE WHEN $26 THEN $27 ELSE machine_detection END,
       ring_timeout_sec = CASE WHEN $28 THEN $29::int ELSE ring_timeout_sec END,
       max_call_duration_sec = CASE WHEN $30 THEN $31::int ELSE max_call_duration_sec END,
       fallback_message = CASE WHEN $32 THEN $33 ELSE fallback_message END
     WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL
     RETURNING id`,
    [
      id,
      workspaceId,
      given(patch.name),
      patch.name ?? null,
      given(patch.greeting),
      patch.greeting ?? null,
      given(patch.prompt),
      patch.prompt ?? null,
      given(patch.fromNumber),
      patch.fromNumber ?? null,
      given(patch.provider),
      patch.provider ?? null,
      given(patch.smartCallback),
      patch.smartCallback ?? null,
      given(patch.maxAttemptsForSmartCallback),
      patch.maxAttemptsForSmartCallback ?? null,
      given(patch.gapBetweenEachAttemptForSmartCallback),
      JSON.stringify(patch.gapBetweenEachAttemptForSmartCallback ?? []),
      given(patch.variables),
      patch.variables == null ? null : JSON.stringify(patch.variables),
      now,
      given(patch.connectionId),
      patch.connectionId ?? null,
      given(patch.transport),
      patch.transport == null ? null : JSON.stringify(patch.transport),
      given(patch.machineDetection),
      patch.machineDetection ?? null,
      given(patch.ringTimeoutSec),
      patch.ringTimeoutSec ?? null,
      given(patch.maxCallDurationSec),
      patch.maxCallDurationSec ?? null,
      given(patch.fallbackMessage),
      patch.fallbackMessage ?? null,
    ],
  );
  return rows.length > 0;
}

export type SoftDeleteResult = 'deleted' | 'not_found' | 'in_use';

/**
 * Marks a live agent of `workspaceId` deleted unless a queued or processing batch uses it.
 * Run it inside a transaction: the agent row is locked FOR UPDATE first, so a batch insert that
 * locks the agent FOR SHARE (as batch creation should) cannot slip in between check and delete.
 * $1 agent id, $2 workspace id. Locks: the agent row FOR UPDATE. Index: the in-use check reads
 * batches_live (0002: the workspace's queued/processing batches), not the batch history.
 */
export async function softDeleteAgent(
  q: Queryable,
  workspaceId: string,
  id: string,
  now: number,
): Promise<SoftDeleteResult> {
  const live = await q.query(
    'SELECT id FROM agents WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL FOR UPDATE',
    [id, workspaceId],
  );
  if (live.length === 0) return 'not_found';
  const busy = await q.query(
    `SELECT 1 FROM batches
      WHERE workspace_id = $2 AND agent_id = $1 AND status IN ('queued', 'processing', 'paused')
      LIMIT 1`,
    [id, workspaceId],
  );
  if (busy.length > 0) return 'in_use';
  await q.query('UPDATE agents SET deleted_at = $2, updated_at = $2 WHERE id = $1', [id, now]);
  return 'deleted';
}
