import type { AttemptRef } from '../domain/attempt.js';
import type { AttemptState, RowVariables } from '../domain/types.js';
import type { Queryable } from './db.js';
import { DIAL_AGENT_COLUMNS, type DialAgentRow, toDialAgent } from './dial-agent-columns.js';

// What attempt recovery reads, and the bookkeeping it does on check_at and lease_owner (no state
// changes here: those are transitions). An open attempt's check_at is when someone must look at
// it if nothing has happened to it: its lease's expiry while claimed or placing, its deadline
// while in_call (see docs/state-machine.md). An in_call attempt whose carrier end is kept while
// it waits for its agent's report (carrier_end, ext §21) is the grace task's, not recovery's.

export interface DueAttempt {
  attemptId: string;
  callId: string;
  state: Exclude<AttemptState, 'ended'>;
  startedAt: number;
  provider: string;
  providerCallId: string | null;
  /** The worker that held it when it was taken (NULL: lost before). */
  leaseOwner: string | null;
}

/**
 * Takes up to `limit` open attempts whose check_at has come: each is held for `holdUntil` (its
 * check_at moves there, so no other pass takes it meanwhile) and its worker, if any, is declared
 * lost (lease_owner cleared: from now on only recovery's guards apply to it). A lease held by one
 * of `liveOwners` (engines alive in this process) is left alone whatever it says.
 * Locks: the taken call_attempts rows, FOR UPDATE SKIP LOCKED. Index: calls_active (the scan is of
 * the active calls, bounded by the concurrency caps) and call_attempts pkey.
 */
export async function takeDueAttempts(
  q: Queryable,
  opts: { now: number; holdUntil: number; limit: number; liveOwners: readonly string[] },
): Promise<DueAttempt[]> {
  const rows = await q.query<{
    id: string;
    call_id: string;
    state: DueAttempt['state'];
    started_at: number;
    provider: string;
    provider_call_id: string | null;
    lease_owner: string | null;
  }>(
    `WITH due AS (
       SELECT a.id, a.lease_owner FROM calls c JOIN call_attempts a ON a.id = c.current_attempt_id
        WHERE c.state = 'active' AND a.state <> 'ended' AND a.check_at <= $1
          AND a.carrier_end IS NULL
          AND NOT (COALESCE(a.lease_owner, '') = ANY($4::text[]))
        ORDER BY a.check_at
        LIMIT $3
          FOR UPDATE OF a SKIP LOCKED)
     UPDATE call_attempts a SET check_at = $2, lease_owner = NULL
       FROM due WHERE a.id = due.id
     RETURNING a.id, a.call_id, a.state, a.started_at, a.provider, a.provider_call_id,
               due.lease_owner`,
    [opts.now, opts.holdUntil, opts.limit, [...opts.liveOwners]],
  );
  return rows.map((r) => ({
    attemptId: r.id,
    callId: r.call_id,
    state: r.state,
    startedAt: r.started_at,
    provider: r.provider,
    providerCallId: r.provider_call_id,
    leaseOwner: r.lease_owner,
  }));
}

/**
 * Embedded PostgreSQL, at a process's start (one process per data directory): every open attempt
 * that no engine alive here claimed belongs to a process that died. Its claimed and placing
 * attempts are due now, and so are the in_call attempts of `localProviders`, whose events died
 * with that process; the next pass takes them. Returns how many were made due.
 * $1 now, $2 live engines, $3 local providers. Locks: those call_attempts rows. Index: calls_active.
 */
export async function dueAfterRestart(
  q: Queryable,
  opts: { now: number; liveOwners: readonly string[]; localProviders: readonly string[] },
): Promise<number> {
  const rows = await q.query(
    `UPDATE call_attempts a SET check_at = $1
       FROM calls c
      WHERE c.current_attempt_id = a.id AND c.state = 'active' AND a.state <> 'ended'
        AND a.check_at > $1 AND a.carrier_end IS NULL AND NOT (a.worker_id = ANY($2::text[]))
        AND (a.state IN ('claimed', 'placing') OR a.provider = ANY($3::text[]))
     RETURNING a.id`,
    [opts.now, [...opts.liveOwners], [...opts.localProviders]],
  );
  return rows.length;
}

/**
 * Looks at open attempts again at the given times (a placing attempt waiting for its callbacks,
 * a lookup to repeat, an in_call attempt whose events will not come: check it now).
 * $1 attempt ids, $2 times. Locks: those rows. Index: call_attempts pkey.
 */
export async function checkAttemptsAt(
  q: Queryable,
  items: ReadonlyArray<{ attemptId: string; at: number }>,
): Promise<void> {
  if (items.length === 0) return;
  await q.query(
    `UPDATE call_attempts a SET check_at = t.at
       FROM unnest($1::text[], $2::bigint[]) AS t(id, at)
      WHERE a.id = t.id AND a.state <> 'ended'`,
    [items.map((i) => i.attemptId), items.map((i) => i.at)],
  );
}

/** What a provider needs to look an attempt up: the attempt as the port knows it. $1 attempt id. */
export async function loadAttemptRef(
  q: Queryable,
  attemptId: string,
): Promise<AttemptRef | undefined> {
  const rows = await q.query<
    DialAgentRow & {
      id: string;
      call_id: string;
      attempt_no: number;
      provider_call_id: string | null;
      started_at: number;
      phone_number: string;
      variables: RowVariables;
    }
  >(
    `SELECT a.id, a.call_id, a.attempt_no, a.provider_call_id, a.started_at,
            c.phone_number, c.variables, ${DIAL_AGENT_COLUMNS}
       FROM call_attempts a
       JOIN calls c ON c.id = a.call_id
       JOIN batches b ON b.id = c.batch_id
       JOIN agents ag ON ag.id = b.agent_id
      WHERE a.id = $1`,
    [attemptId],
  );
  const r = rows[0];
  if (!r) return undefined;
  const agent = toDialAgent(r);
  return {
    attemptId: r.id,
    callId: r.call_id,
    attemptNo: r.attempt_no,
    phoneNumber: r.phone_number,
    ...(agent.fromNumber === null ? {} : { fromNumber: agent.fromNumber }),
    agent: { id: agent.id, name: agent.name, greeting: agent.greeting, prompt: agent.prompt },
    variables: r.variables,
    startedAt: r.started_at,
    ...(r.provider_call_id === null ? {} : { providerCallId: r.provider_call_id }),
  };
}
