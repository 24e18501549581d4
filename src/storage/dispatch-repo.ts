import { readBatchConfig } from '../domain/batch-config.js';
import type { CallingWindow } from '../domain/calling-window.js';
import { compareText } from '../domain/compare-text.js';
import type { BatchConfig, RowVariables } from '../domain/types.js';
import type { Queryable } from './db.js';
import {
  DIAL_AGENT_COLUMNS,
  type DialAgentRecord,
  type DialAgentRow,
  toDialAgent,
} from './dial-agent-columns.js';
import { readFloor } from './workspaces-repo.js';

// The claim transaction's reads, in the order the claim runs them (its state changes are
// transitions: src/storage/transitions/claim.ts). Lock order everywhere in the engine:
// workspace row → pacing buckets → call rows → attempt rows → progress rows → batch row.

export interface LockedWorkspace {
  id: string;
  maxConcurrentCalls: number;
  callsPerSecond: number;
  pacingNextAt: number;
  lastServedAt: number;
  /** §19 frequency cap; both null when off. */
  frequencyCapMax: number | null;
  frequencyCapHours: number | null;
  /** Its zone: where a number with no single zone of its own is read. */
  timezone: string;
  /** §19 legal floor for real-carrier calls. */
  callingWindow: CallingWindow;
}

/**
 * Claim step 1: the least recently served workspace that is not paused (§19 "stop everything")
 * and has due work, free capacity and its next pacing slot no later than `aheadMs` from now,
 * locked so that every claim of one workspace is serialized (this is what makes the active counts
 * below exact across any number of workers).
 * $1 now (ms), $2 now + aheadMs.
 * Locks: the workspaces row, FOR NO KEY UPDATE SKIP LOCKED (a workspace being claimed by another worker
 * is skipped, never waited for). NO KEY UPDATE, not UPDATE: a batch being inserted holds a KEY
 * SHARE lock on its workspace row (the foreign key), which must not hide the workspace from claims.
 * Indexes: calls_active (capacity), batches_live + calls_due_batch (due work: min(run_at) of a
 * batch's waiting calls is the first entry of calls_due_batch; written as min() so no plan can
 * walk a batch's finished rows instead).
 */
export async function lockNextWorkspace(
  q: Queryable,
  now: number,
  aheadMs: number,
): Promise<LockedWorkspace | undefined> {
  const rows = await q.query<Omit<LockedWorkspace, 'callingWindow'> & { callingWindow: unknown }>(
    `SELECT w.id, w.max_concurrent_calls AS "maxConcurrentCalls",
            w.calls_per_second AS "callsPerSecond", w.pacing_next_at AS "pacingNextAt",
            w.last_served_at AS "lastServedAt",
            w.frequency_cap_max AS "frequencyCapMax", w.frequency_cap_hours AS "frequencyCapHours",
            w.timezone, w.calling_window AS "callingWindow"
       FROM workspaces w
      WHERE w.pacing_next_at <= $2 AND w.paused_at IS NULL
        AND (SELECT count(*) FROM calls a WHERE a.workspace_id = w.id AND a.state = 'active')
            < w.max_concurrent_calls
        AND EXISTS (
          SELECT 1 FROM batches b
           WHERE b.workspace_id = w.id AND b.status IN ('queued', 'processing')
             AND (SELECT min(c.run_at) FROM calls c
                   WHERE c.batch_id = b.id AND c.state = 'waiting') <= $1)
      ORDER BY w.last_served_at, w.id
      LIMIT 1
      FOR NO KEY UPDATE OF w SKIP LOCKED`,
    [now, now + aheadMs],
  );
  const r = rows[0];
  return r && { ...r, callingWindow: readFloor(r.callingWindow) };
}

/**
 * Claim step 2: active calls of the locked workspace. Exact: claims of this workspace are
 * serialized by its row lock and finishes only lower the count.
 * $1 workspace id. Locks: none. Index: calls_active.
 */
export async function countActiveInWorkspace(q: Queryable, workspaceId: string): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM calls WHERE workspace_id = $1 AND state = 'active'`,
    [workspaceId],
  );
  return rows[0]!.n;
}

/** A carrier account's bucket: calls per second its provider declares, and its next start. */
export interface CarrierBucket {
  provider: string;
  account: string;
  callsPerSecond: number;
  nextAt: number;
}

/**
 * Claim step 4 (when a provider declares its own limit): the carrier accounts' buckets, created
 * on first use, their rate kept to what the provider declares, and locked — several workspaces'
 * claims may share an account, so its starts are serialized here (in key order: no deadlock).
 * $1 providers, $2 accounts, $3 rates. Locks: those pacing_buckets rows. Index: pkey.
 */
export async function lockCarrierBuckets(
  q: Queryable,
  keys: ReadonlyArray<{ provider: string; account: string; callsPerSecond: number }>,
): Promise<CarrierBucket[]> {
  if (keys.length === 0) return [];
  const sorted = [...keys].sort((a, b) =>
    a.provider === b.provider ? (a.account < b.account ? -1 : 1) : a.provider < b.provider ? -1 : 1,
  );
  return q.query<CarrierBucket>(
    `INSERT INTO pacing_buckets AS p (provider, account, calls_per_second)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
     ON CONFLICT (provider, account) DO UPDATE SET calls_per_second = EXCLUDED.calls_per_second
     RETURNING p.provider, p.account, p.calls_per_second AS "callsPerSecond", p.next_at AS "nextAt"`,
    [
      sorted.map((k) => k.provider),
      sorted.map((k) => k.account),
      sorted.map((k) => k.callsPerSecond),
    ],
  );
}

/** Claim, last steps: the carrier accounts' next starts. Locks: those rows (already held). */
export async function saveCarrierBuckets(
  q: Queryable,
  buckets: ReadonlyArray<{ provider: string; account: string; nextAt: number }>,
): Promise<void> {
  if (buckets.length === 0) return;
  await q.query(
    `UPDATE pacing_buckets p SET next_at = t.next_at
       FROM unnest($1::text[], $2::text[], $3::float8[]) AS t(provider, account, next_at)
      WHERE p.provider = t.provider AND p.account = t.account`,
    [buckets.map((b) => b.provider), buckets.map((b) => b.account), buckets.map((b) => b.nextAt)],
  );
}

export interface LiveBatch {
  id: string;
  /** Null when the batch has no cap of its own. */
  maxConcurrency: number | null;
  active: number;
  config: BatchConfig;
  agent: DialAgentRecord;
  /** Its agent places calls through a real carrier connection (§21): the legal floor applies. */
  realCarrier: boolean;
  /**
   * The carrier account the agent's connection places calls with, and its limit (§21): its
   * pacing bucket is shared by every workspace whose connections use that account.
   */
  carrierAccount?: { account: string; callsPerSecond: number };
}

/**
 * Claim step 3: the workspace's running batches that have due calls, with their active counts
 * (exact for the same reason as the workspace's) and the agent their calls are dialed with.
 * $1 workspace id, $2 now. Locks: none. Indexes: batches_live, calls_due_batch, calls_active
 * (workspace, batch), and the connection's primary key.
 */
export async function liveBatchesWithDueCalls(
  q: Queryable,
  workspaceId: string,
  now: number,
): Promise<LiveBatch[]> {
  const rows = await q.query<
    DialAgentRow & {
      id: string;
      max_concurrency: number | null;
      active: number;
      config: unknown;
      carrier_account: string | null;
      carrier_cps: number | null;
      real_carrier: boolean;
    }
  >(
    `SELECT b.id,
            b.max_concurrency,
            (SELECT count(*) FROM calls a
              WHERE a.workspace_id = b.workspace_id AND a.batch_id = b.id AND a.state = 'active')::int
              AS active,
            b.config,
            tc.account AS carrier_account,
            tc.calls_per_second AS carrier_cps,
            ag.connection_id IS NOT NULL AS real_carrier,
            ${DIAL_AGENT_COLUMNS}
       FROM batches b JOIN agents ag ON ag.id = b.agent_id
       LEFT JOIN telephony_connections tc ON tc.id = ag.connection_id AND tc.deleted_at IS NULL
      WHERE b.workspace_id = $1 AND b.status IN ('queued', 'processing')
        AND (SELECT min(c.run_at) FROM calls c
              WHERE c.batch_id = b.id AND c.state = 'waiting') <= $2
      ORDER BY b.id`,
    [workspaceId, now],
  );
  return rows.map((r) => ({
    id: r.id,
    maxConcurrency: r.max_concurrency,
    active: r.active,
    config: readBatchConfig(r.config),
    agent: toDialAgent(r),
    realCarrier: r.real_carrier,
    ...(r.carrier_account === null || r.carrier_cps === null
      ? {}
      : { carrierAccount: { account: r.carrier_account, callsPerSecond: r.carrier_cps } }),
  }));
}

export interface DueCall {
  id: string;
  batchId: string;
  seq: number;
  runAt: number;
  phoneNumber: string;
  variables: RowVariables;
  /** The recipient's zone as stored at upload; null on calls stored before it always was. */
  timeZone: string | null;
}

/**
 * Claim step 5: up to `limit` due waiting calls of each batch, in dispatch order (run_at, seq).
 * $1 batch ids, $2 per-batch limits, $3 now.
 * Locks: the returned call rows, FOR UPDATE SKIP LOCKED (a row another transaction holds, e.g. a
 * cancel, is skipped rather than waited for). Index: calls_due_batch.
 */
export async function lockDueCalls(
  q: Queryable,
  limits: ReadonlyArray<{ batchId: string; limit: number }>,
  now: number,
): Promise<DueCall[]> {
  if (limits.length === 0) return [];
  const rows = await q.query<{
    id: string;
    batch_id: string;
    seq: number;
    run_at: number;
    phone_number: string;
    variables: RowVariables;
    time_zone: string | null;
  }>(
    `SELECT c.id, c.batch_id, c.seq, c.run_at, c.phone_number, c.variables, c.time_zone
       FROM unnest($1::text[], $2::int[]) AS t(batch_id, lim)
       CROSS JOIN LATERAL (
         SELECT * FROM calls c
          WHERE c.batch_id = t.batch_id AND c.state = 'waiting' AND c.run_at <= $3
          ORDER BY c.run_at, c.seq
          LIMIT t.lim
          FOR UPDATE SKIP LOCKED) c`,
    [limits.map((l) => l.batchId), limits.map((l) => l.limit), now],
  );
  return rows
    .map((r) => ({
      id: r.id,
      batchId: r.batch_id,
      seq: r.seq,
      runAt: r.run_at,
      phoneNumber: r.phone_number,
      variables: r.variables,
      timeZone: r.time_zone,
    }))
    .sort((a, b) => a.runAt - b.runAt || a.seq - b.seq || compareText(a.batchId, b.batchId));
}

/**
 * Claim step 6 (optional): calls found outside their calling window, or over the frequency cap,
 * stay waiting until then; held_reason/held_until say why (the job's waitReason, while run_at is
 * still held_until).
 * $1 call ids, $2 new run_at values. Locks: those call rows (already held). Index: calls pkey.
 */
export async function deferCalls(
  q: Queryable,
  deferrals: ReadonlyArray<{ id: string; runAt: number; reason: string }>,
): Promise<void> {
  if (deferrals.length === 0) return;
  await q.query(
    `UPDATE calls c SET run_at = t.run_at, held_until = t.run_at, held_reason = t.reason
       FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(id, run_at, reason)
      WHERE c.id = t.id AND c.state = 'waiting'`,
    [deferrals.map((d) => d.id), deferrals.map((d) => d.runAt), deferrals.map((d) => d.reason)],
  );
}

/**
 * Claim, last step: the workspace was served (at $2: now, or its previous time to keep its place
 * in line); its next start slot moves past the ones granted.
 * $1 workspace id, $2 served at, $3 next pacing slot. Locks: the workspaces row (already held).
 */
export async function markWorkspaceServed(
  q: Queryable,
  workspaceId: string,
  now: number,
  pacingNextAt: number,
): Promise<void> {
  await q.query('UPDATE workspaces SET last_served_at = $2, pacing_next_at = $3 WHERE id = $1', [
    workspaceId,
    now,
    pacingNextAt,
  ]);
}
