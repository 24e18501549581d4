import { newId } from '../../src/domain/ids.js';
import type {
  AttemptReason,
  BatchStatus,
  CallState,
  Outcome,
  RowVariables,
} from '../../src/domain/types.js';
import type { Db, Queryable } from '../../src/storage/db.js';
import {
  addProgress,
  PROGRESS_SHARDS,
  type ProgressDelta,
} from '../../src/storage/progress-repo.js';

// Batches, calls, attempts and progress written straight with SQL, in exactly the shape ingest and
// the engine leave them (see "Semantics of the calls table" in the brief): tests of the read side
// do not depend on those parts. Attempt k of a call starts at startTime + (k-1) * ATTEMPT_GAP_MS.

export const ATTEMPT_GAP_MS = 120_000;

interface CommonSpec {
  id?: string;
  phone?: string;
  variables?: RowVariables;
}

/** One call in the state it should be in; the fixture derives every column from it. */
export type CallSpec = CommonSpec &
  (
    | {
        /** Never dialed (attempts 0), or `attempts` done and a retry due at `runAt`. */
        state: 'waiting';
        runAt?: number;
        attempts?: number;
        startTime?: number;
        lastReason?: AttemptReason;
      }
    | { state: 'active'; startTime: number; attempts?: number }
    | {
        state: 'completed';
        startTime: number;
        endTime: number;
        duration: number;
        outcome?: Outcome;
        transcript?: string;
        attempts?: number;
      }
    | {
        state: 'failed';
        startTime: number;
        endTime: number;
        error: string;
        lastReason?: AttemptReason;
        attempts?: number;
      }
    | {
        /** Without `startTime`: cancelled before any dial (attempts 0, no end_time). */
        state: 'cancelled';
        cancelledAt: number;
        startTime?: number;
        attempts?: number;
        /** Defaults to "Batch cancelled"; null leaves the column empty. */
        error?: string | null;
      }
  );

export interface BatchSpec {
  workspaceId: string;
  agentId: string;
  createdAt: number;
  id?: string;
  name?: string;
  /** Derived from the calls when absent: queued, processing or completed. */
  status?: BatchStatus;
  scheduledAt?: number;
  /** Extra CSV columns after phone_number; defaults to the first call's variable names. */
  columns?: string[];
  completedTime?: number;
  calls: CallSpec[];
}

export interface InsertedBatch {
  id: string;
  callIds: string[];
  status: BatchStatus;
  startTime?: number;
  completedTime?: number;
}

/** +1500555 numbers answer in the simulator; the row index keeps them unique. */
export const phoneFor = (i: number) => `+1500555${String(i % 100).padStart(4, '0')}`;

const attemptsOf = (c: CallSpec): number => {
  if (c.attempts !== undefined) return c.attempts;
  if (c.state === 'waiting') return 0;
  if (c.state === 'cancelled') return c.startTime === undefined ? 0 : 1;
  return 1;
};

const terminalAtOf = (c: CallSpec): number | null => {
  if (c.state === 'completed' || c.state === 'failed') return c.endTime;
  if (c.state === 'cancelled') return c.cancelledAt;
  return null;
};

const endTimeOf = (c: CallSpec): number | null => {
  if (c.state === 'completed' || c.state === 'failed') return c.endTime;
  if (c.state === 'cancelled' && attemptsOf(c) > 0) return c.cancelledAt;
  return null;
};

const errorOf = (c: CallSpec): string | null => {
  if (c.state === 'failed') return c.error;
  if (c.state === 'cancelled') return c.error === undefined ? 'Batch cancelled' : c.error;
  return null;
};

/** Why the latest attempt ended (null while it is still going). */
const lastReasonOf = (c: CallSpec): AttemptReason | null => {
  switch (c.state) {
    case 'waiting':
      return attemptsOf(c) > 0 ? (c.lastReason ?? 'busy') : null;
    case 'active':
      return attemptsOf(c) > 1 ? 'busy' : null;
    case 'completed':
      return 'answered';
    case 'failed':
      return c.lastReason ?? 'busy';
    case 'cancelled':
      return attemptsOf(c) > 0 ? 'busy' : null;
  }
};

function deriveStatus(calls: CallSpec[]): BatchStatus {
  if (calls.every((c) => attemptsOf(c) === 0 && c.state === 'waiting')) return 'queued';
  if (calls.some((c) => c.state === 'waiting' || c.state === 'active')) return 'processing';
  return 'completed';
}

/** How long after its start an open fixture attempt is looked up (the default deadline). */
const IN_CALL_DEADLINE_MS = 60_000 + 3_600_000 + 30_000;

async function insertAttempts(
  q: Queryable,
  c: CallSpec,
  ids: { callId: string; batchId: string; workspaceId: string },
): Promise<string | null> {
  const n = attemptsOf(c);
  if (n === 0 || c.startTime === undefined) return null;
  let last: string | null = null;
  for (let k = 1; k <= n; k++) {
    const startedAt = c.startTime + (k - 1) * ATTEMPT_GAP_MS;
    const isLast = k === n;
    const open = isLast && c.state === 'active';
    const answered = isLast && c.state === 'completed';
    const endedAt = open
      ? null
      : isLast
        ? (endTimeOf(c) ?? startedAt + 30_000)
        : startedAt + 30_000;
    const reason = open ? null : isLast ? lastReasonOf(c) : 'busy';
    last = newId('att', startedAt);
    await q.query(
      `INSERT INTO call_attempts (id, call_id, batch_id, workspace_id, attempt_no, worker_id, provider,
         provider_call_id, started_at, answered_at, ended_at, reason, outcome, duration, error,
         state, check_at)
       VALUES ($1, $2, $3, $4, $5, 'w_fixture', 'simulator', $6, $7, $8, $9, $10, $11, $12, NULL,
         $13, $14)`,
      [
        last,
        ids.callId,
        ids.batchId,
        ids.workspaceId,
        k,
        `sim_${last}`,
        startedAt,
        answered && c.state === 'completed' ? endedAt! - c.duration * 1000 : null,
        endedAt,
        reason,
        answered && c.state === 'completed' ? (c.outcome ?? 'successful') : null,
        answered && c.state === 'completed' ? c.duration : null,
        // An open attempt is in a call the carrier accepted; its deadline is far off.
        open ? 'in_call' : 'ended',
        open ? startedAt + IN_CALL_DEADLINE_MS : null,
      ],
    );
  }
  return last;
}

/**
 * Inserts a batch with its calls (seq = array index), their attempts and consistent progress
 * counters: ingest's `waiting = total` on shard 0, then one delta per call that left waiting, on
 * varying shards, exactly as the engine would add them.
 */
export async function insertBatch(db: Db, spec: BatchSpec): Promise<InsertedBatch> {
  const id = spec.id ?? newId('batch', spec.createdAt);
  const vars = spec.columns ?? Object.keys(spec.calls[0]?.variables ?? {});
  const columns = ['phone_number', ...vars];
  const status = spec.status ?? deriveStatus(spec.calls);
  const starts = spec.calls.flatMap((c) => (c.startTime === undefined ? [] : [c.startTime]));
  const startTime = starts.length > 0 ? Math.min(...starts) : undefined;
  const terminals = spec.calls.flatMap((c) => terminalAtOf(c) ?? []);
  const completedTime =
    spec.completedTime ??
    (status === 'completed' && terminals.length > 0 ? Math.max(...terminals) : undefined);
  const callIds: string[] = [];
  for (const c of spec.calls) {
    if (attemptsOf(c) > 0 && c.startTime === undefined) {
      throw new Error(`fixture: a ${c.state} call with attempts needs a startTime`);
    }
    const end = endTimeOf(c);
    if (c.startTime !== undefined && end !== null) {
      if (end < c.startTime + (attemptsOf(c) - 1) * ATTEMPT_GAP_MS) {
        throw new Error('fixture: the call ends before its last attempt starts');
      }
    }
  }

  await db.tx(async (q) => {
    await q.query(
      `INSERT INTO batches (id, workspace_id, agent_id, name, status, total_calls, columns, config,
         scheduled_at, created_at, start_time, completed_time, cancelled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', $8, $9, $10, $11, $12)`,
      [
        id,
        spec.workspaceId,
        spec.agentId,
        spec.name ?? null,
        status,
        spec.calls.length,
        JSON.stringify(columns),
        spec.scheduledAt ?? null,
        spec.createdAt,
        startTime ?? null,
        completedTime ?? null,
        status === 'cancelled' ? Math.max(spec.createdAt, ...terminals) : null,
      ],
    );
    await addProgress(q, [{ batchId: id, delta: { waiting: spec.calls.length } }], 0);

    for (const [seq, c] of spec.calls.entries()) {
      const callId = c.id ?? newId('call', spec.createdAt + seq);
      callIds.push(callId);
      const ids = { callId, batchId: id, workspaceId: spec.workspaceId };
      // The attempts reference the call, so the call goes in first and learns its attempt after.
      await q.query(
        `INSERT INTO calls (id, batch_id, workspace_id, seq, line, phone_number, variables, state,
           attempts, run_at, start_time, end_time, duration, last_reason, error, outcome,
           transcript, terminal_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
        [
          callId,
          id,
          spec.workspaceId,
          seq,
          seq + 2,
          c.phone ?? phoneFor(seq),
          JSON.stringify(c.variables ?? {}),
          c.state,
          attemptsOf(c),
          c.state === 'waiting' ? (c.runAt ?? spec.scheduledAt ?? spec.createdAt) : spec.createdAt,
          c.startTime ?? null,
          endTimeOf(c),
          c.state === 'completed' ? c.duration : null,
          lastReasonOf(c),
          errorOf(c),
          c.state === 'completed' ? (c.outcome ?? 'successful') : null,
          c.state === 'completed' ? (c.transcript ?? 'Agent: Hello.\nCustomer: Hi.') : null,
          terminalAtOf(c),
        ],
      );
      const lastAttempt = await insertAttempts(q, c, ids);
      if (lastAttempt !== null) {
        await q.query(
          `UPDATE calls SET current_attempt_id = CASE WHEN state = 'active' THEN $2 END,
                  result_attempt_id = CASE WHEN state = 'completed' THEN $2 END
            WHERE id = $1`,
          [callId, lastAttempt],
        );
      }
      if (c.state !== 'waiting') {
        const delta: ProgressDelta = { waiting: -1, [c.state]: 1 };
        if (c.state === 'completed') delta.durationSum = c.duration;
        await addProgress(q, [{ batchId: id, delta }], 1 + (seq % (PROGRESS_SHARDS - 1)));
      }
    }
  });
  return {
    id,
    callIds,
    status,
    ...(startTime === undefined ? {} : { startTime }),
    ...(completedTime === undefined ? {} : { completedTime }),
  };
}

/** The call's current attempt id or result attempt id, for assertions. */
export async function attemptIdOf(db: Db, callId: string): Promise<string | null> {
  const rows = await db.query<{ id: string | null }>(
    'SELECT COALESCE(result_attempt_id, current_attempt_id) AS id FROM calls WHERE id = $1',
    [callId],
  );
  return rows[0]?.id ?? null;
}

/** Counts by state straight from the calls table, to check the fixture's counters against. */
export async function countStates(db: Db, batchId: string): Promise<Record<CallState, number>> {
  const rows = await db.query<{ state: CallState; n: number }>(
    'SELECT state, count(*)::int AS n FROM calls WHERE batch_id = $1 GROUP BY state',
    [batchId],
  );
  const out = { waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const r of rows) out[r.state] = r.n;
  return out;
}

export const MIXED_BUSY_ERROR = 'Number busy - unable to connect after 3 attempts';

/**
 * One call in every state the API distinguishes, in CSV order: 0 waiting (never dialed), 1 waiting
 * for a retry, 2 active, 3 completed, 4 failed after 3 attempts, 5 cancelled before any dial,
 * 6 cancelled after one attempt. Variables: first_name, last_name, plan.
 */
export function mixedCalls(t0: number): CallSpec[] {
  const ann = { first_name: 'Ann', last_name: 'Lee', plan: 'gold' };
  return [
    { state: 'waiting', variables: ann },
    {
      state: 'waiting',
      attempts: 1,
      startTime: t0 + 1_000,
      runAt: t0 + 1_000 + 30_000 + ATTEMPT_GAP_MS,
      variables: { first_name: 'Bo', last_name: 'Ng', plan: 'free' },
    },
    { state: 'active', startTime: t0 + 2_000, variables: { ...ann, first_name: 'Cy' } },
    {
      state: 'completed',
      startTime: t0 + 3_000,
      endTime: t0 + 60_000,
      duration: 42.5,
      outcome: 'callback_requested',
      transcript: 'Agent: Hello Di.\nCustomer: Call me later.',
      variables: { ...ann, first_name: 'Di' },
    },
    {
      state: 'failed',
      startTime: t0 + 4_000,
      attempts: 3,
      endTime: t0 + 4_000 + 2 * ATTEMPT_GAP_MS + 30_000,
      error: MIXED_BUSY_ERROR,
      variables: { ...ann, first_name: 'Ed' },
    },
    { state: 'cancelled', cancelledAt: t0 + 500_000, error: 'Call cancelled', variables: ann },
    { state: 'cancelled', startTime: t0 + 5_000, cancelledAt: t0 + 400_000, variables: ann },
  ];
}
