import type { AgentTransport, MachineDetection } from '../domain/agent-transport.js';
import type { Queryable } from './db.js';

// What a real carrier's adapter needs to place one attempt and to check its callbacks: the
// attempt's batch, its agent's telephony fields and the connection's sealed credentials.

export interface DialContext {
  attemptId: string;
  callId: string;
  batchId: string;
  startedAt: number;
  connectionId: string | null;
  /** Null once the connection was deleted. */
  credentialsSealed: string | null;
  fromNumbers: string[] | null;
  agentFromNumber: string | null;
  transport: AgentTransport | null;
  machineDetection: MachineDetection | null;
  ringTimeoutSec: number | null;
  maxCallDurationSec: number | null;
  fallbackMessage: string | null;
}

/**
 * One attempt's dial context. Locks: none. Index: the primary keys of call_attempts, batches,
 * agents and telephony_connections.
 */
export async function getDialContext(
  q: Queryable,
  attemptId: string,
): Promise<DialContext | undefined> {
  const rows = await q.query<DialContext>(
    `SELECT a.id AS "attemptId", a.call_id AS "callId", a.batch_id AS "batchId",
            a.started_at AS "startedAt", ag.connection_id AS "connectionId",
            tc.credentials_sealed AS "credentialsSealed", tc.from_numbers AS "fromNumbers",
            ag.from_number AS "agentFromNumber", ag.transport,
            ag.machine_detection AS "machineDetection", ag.ring_timeout_sec AS "ringTimeoutSec",
            ag.max_call_duration_sec AS "maxCallDurationSec",
            ag.fallback_message AS "fallbackMessage"
       FROM call_attempts a
       JOIN batches b ON b.id = a.batch_id
       JOIN agents ag ON ag.id = b.agent_id
       LEFT JOIN telephony_connections tc ON tc.id = ag.connection_id
      WHERE a.id = $1`,
    [attemptId],
  );
  return rows[0];
}

export interface AgentAttemptContext {
  attemptId: string;
  attemptNo: number;
  jobId: string;
  batchId: string;
  phoneNumber: string;
  variables: Record<string, string>;
  greeting: string;
  prompt: string;
}

/**
 * What the agent of one attempt may read about its call (§21). Locks: none. Index: the primary
 * keys of call_attempts, calls, batches and agents.
 */
export async function getAgentAttemptContext(
  q: Queryable,
  attemptId: string,
): Promise<AgentAttemptContext | undefined> {
  const rows = await q.query<AgentAttemptContext>(
    `SELECT a.id AS "attemptId", a.attempt_no AS "attemptNo", c.id AS "jobId",
            c.batch_id AS "batchId", c.phone_number AS "phoneNumber", c.variables,
            ag.greeting, ag.prompt
       FROM call_attempts a
       JOIN calls c ON c.id = a.call_id
       JOIN batches b ON b.id = c.batch_id
       JOIN agents ag ON ag.id = b.agent_id
      WHERE a.id = $1`,
    [attemptId],
  );
  return rows[0];
}

/**
 * Notes the caller ID an attempt is placed from (not a state: the attempt's own detail). The first
 * one written stays. Locks: the attempt row. Index: its primary key.
 */
export async function noteAttemptCallerId(
  q: Queryable,
  attemptId: string,
  fromNumber: string,
): Promise<void> {
  await q.query('UPDATE call_attempts SET from_number = $2 WHERE id = $1 AND from_number IS NULL', [
    attemptId,
    fromNumber,
  ]);
}
