import type { AgentTransport, MachineDetection } from '../domain/agent-transport.js';
import type { Agent, CallbackGap } from '../domain/types.js';
import type { Queryable } from './db.js';

interface AgentRow {
  id: string;
  workspace_id: string;
  name: string;
  greeting: string;
  prompt: string;
  from_number: string | null;
  provider: string;
  smart_callback: boolean;
  smart_max_attempts: number;
  smart_gaps: CallbackGap[];
  variables: string[] | null;
  connection_id: string | null;
  transport: AgentTransport | null;
  machine_detection: MachineDetection | null;
  ring_timeout_sec: number | null;
  max_call_duration_sec: number | null;
  fallback_message: string | null;
  created_at: number;
  updated_at: number;
}

const toAgent = (r: AgentRow): Agent => ({
  id: r.id,
  workspaceId: r.workspace_id,
  name: r.name,
  greeting: r.greeting,
  prompt: r.prompt,
  ...(r.from_number === null ? {} : { fromNumber: r.from_number }),
  provider: r.provider,
  smartCallback: r.smart_callback,
  maxAttemptsForSmartCallback: r.smart_max_attempts,
  gapBetweenEachAttemptForSmartCallback: r.smart_gaps,
  ...(r.variables === null ? {} : { variables: r.variables }),
  ...(r.connection_id === null ? {} : { connectionId: r.connection_id }),
  ...(r.transport === null ? {} : { transport: r.transport }),
  ...(r.machine_detection === null ? {} : { machineDetection: r.machine_detection }),
  ...(r.ring_timeout_sec === null ? {} : { ringTimeoutSec: r.ring_timeout_sec }),
  ...(r.max_call_duration_sec === null ? {} : { maxCallDurationSec: r.max_call_duration_sec }),
  ...(r.fallback_message === null ? {} : { fallbackMessage: r.fallback_message }),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export type NewAgent = Omit<Agent, 'createdAt' | 'updatedAt'> & { now: number };

export async function insertAgent(q: Queryable, a: NewAgent): Promise<Agent> {
  const rows = await q.query<AgentRow>(
    `INSERT INTO agents (id, workspace_id, name, greeting, prompt, from_number, provider,
       smart_callback, smart_max_attempts, smart_gaps, variables, created_at, updated_at,
       connection_id, transport, machine_detection, ring_timeout_sec, max_call_duration_sec,
       fallback_message)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, $17, $18)
     RETURNING *`,
    [
      a.id,
      a.workspaceId,
      a.name,
      a.greeting,
      a.prompt,
      a.fromNumber ?? null,
      a.provider,
      a.smartCallback,
      a.maxAttemptsForSmartCallback,
      JSON.stringify(a.gapBetweenEachAttemptForSmartCallback),
      a.variables === undefined ? null : JSON.stringify(a.variables),
      a.now,
      a.connectionId ?? null,
      a.transport === undefined ? null : JSON.stringify(a.transport),
      a.machineDetection ?? null,
      a.ringTimeoutSec ?? null,
      a.maxCallDurationSec ?? null,
      a.fallbackMessage ?? null,
    ],
  );
  return toAgent(rows[0]!);
}

/** The agent if it exists, is not deleted and belongs to `workspaceId`. */
export async function getAgent(
  q: Queryable,
  workspaceId: string,
  id: string,
): Promise<Agent | undefined> {
  const rows = await q.query<AgentRow>(
    'SELECT * FROM agents WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL',
    [id, workspaceId],
  );
  return rows[0] && toAgent(rows[0]);
}

/** Looks an agent up by id alone, deleted or not (the engine needs the agent of running batches). */
export async function getAgentById(q: Queryable, id: string): Promise<Agent | undefined> {
  const rows = await q.query<AgentRow>('SELECT * FROM agents WHERE id = $1', [id]);
  return rows[0] && toAgent(rows[0]);
}

export async function listAgents(q: Queryable, workspaceId: string): Promise<Agent[]> {
  const rows = await q.query<AgentRow>(
    'SELECT * FROM agents WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY created_at, id',
    [workspaceId],
  );
  return rows.map(toAgent);
}
