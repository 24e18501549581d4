import pino from 'pino';
import { expect } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/domain/clock.js';
import { newId } from '../../src/domain/ids.js';
import type { Runtime } from '../../src/runtime.js';
import type { Db } from '../../src/storage/db.js';
import { readProgress } from '../../src/storage/progress-repo.js';

// Engine test fixtures: batches and calls inserted with plain SQL (the shape ingest leaves them
// in: calls waiting, batch_progress shard 0 holding waiting = n), a runtime on a given clock, and
// a database wrapper that knows when no query is in flight (so a fake clock can wait for the
// engine to settle instead of sleeping).

export interface TrackedDb extends Db {
  inFlight(): number;
  /** The next `n` transactions fail as if PostgreSQL had restarted. */
  failNextTransactions(n: number): void;
}

export function trackDb(inner: Db): TrackedDb {
  let running = 0;
  let failures = 0;
  const track = async <T>(op: () => Promise<T>): Promise<T> => {
    running++;
    try {
      return await op();
    } finally {
      running--;
    }
  };
  return {
    kind: inner.kind,
    query: (text, params) => track(() => inner.query(text, params)),
    tx: (fn) =>
      track(async () => {
        if (failures > 0) {
          failures--;
          throw Object.assign(new Error('terminating connection due to administrator command'), {
            code: '57P01',
          });
        }
        return inner.tx(fn);
      }),
    exec: (q, script) => inner.exec(q, script),
    // Every round trip counts, not only queries: a stopping engine's UNLISTEN or lock release
    // is still under way when no query is, and time must not move on before it is done.
    listen: async (channel, handler) => {
      const unlisten = await track(() => inner.listen(channel, handler));
      return () => track(unlisten);
    },
    notify: (channel, payload) => track(() => inner.notify(channel, payload)),
    tryHoldLock: async (key) => {
      const held = await track(() => inner.tryHoldLock(key));
      if (!held) return undefined;
      return {
        lost: held.lost,
        alive: () => track(() => held.alive()),
        release: () => track(() => held.release()),
      };
    },
    close: () => inner.close(),
    inFlight: () => running,
    failNextTransactions: (n) => {
      failures = n;
    },
  };
}

/** Resolves once no query has been in flight for a few event-loop turns. */
export async function quiesce(...dbs: TrackedDb[]): Promise<void> {
  await new Promise((r) => setTimeout(r, 0));
  let calm = 0;
  while (calm < 3) {
    await new Promise((r) => setImmediate(r));
    calm = dbs.every((d) => d.inFlight() === 0) ? calm + 1 : 0;
  }
}

export function engineRuntime(db: Db, clock: Clock, overrides: Partial<Config> = {}): Runtime {
  return {
    config: { ...loadConfig({ DATABASE_URL: 'memory://' }), ...overrides },
    db,
    clock,
    log: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    wake: () => {},
  };
}

export async function insertWorkspaceWithAgent(
  db: Db,
  now: number,
  opts: { maxConcurrentCalls?: number; callsPerSecond?: number; provider?: string } = {},
): Promise<{ workspaceId: string; agentId: string }> {
  const workspaceId = newId('ws', now);
  const agentId = newId('agent', now);
  await db.query(
    `INSERT INTO workspaces (id, name, max_concurrent_calls, calls_per_second, created_at)
     VALUES ($1, 'Engine test', $2, $3, $4)`,
    [workspaceId, opts.maxConcurrentCalls ?? 10, opts.callsPerSecond ?? 5, now],
  );
  await insertAgentRow(db, workspaceId, agentId, now, opts.provider ?? 'simulator');
  return { workspaceId, agentId };
}

export async function insertAgentRow(
  db: Db,
  workspaceId: string,
  agentId: string,
  now: number,
  provider: string,
): Promise<void> {
  await db.query(
    `INSERT INTO agents (id, workspace_id, name, greeting, prompt, provider, created_at, updated_at)
     VALUES ($1, $2, 'Ava', 'Hello {first_name}, this is Ava from Acme.',
             'You are Ava. Confirm the appointment of {first_name} {last_name}.', $3, $4, $4)`,
    [agentId, workspaceId, provider, now],
  );
}

export interface TestBatch {
  id: string;
  callIds: string[];
}

/** A queued batch of waiting calls, one per phone number, due at `runAt` (default: now). */
export async function insertQueuedBatch(
  db: Db,
  opts: {
    workspaceId: string;
    agentId: string;
    now: number;
    phones: string[];
    runAt?: number;
    maxConcurrency?: number;
    config?: Record<string, unknown>;
    timeZone?: string;
  },
): Promise<TestBatch> {
  const id = newId('batch', opts.now);
  const callIds = opts.phones.map((_, i) => newId('call', opts.now + i));
  await db.tx(async (q) => {
    await q.query(
      `INSERT INTO batches (id, workspace_id, agent_id, status, total_calls, columns, config,
         max_concurrency, created_at)
       VALUES ($1, $2, $3, 'queued', $4, '["phone_number","first_name","last_name"]', $5, $6, $7)`,
      [
        id,
        opts.workspaceId,
        opts.agentId,
        opts.phones.length,
        JSON.stringify(opts.config ?? {}),
        opts.maxConcurrency ?? null,
        opts.now,
      ],
    );
    await q.query(
      `INSERT INTO calls (id, batch_id, workspace_id, seq, line, phone_number, variables, run_at,
         time_zone)
       SELECT c, $2, $3, s - 1, s + 1, p, jsonb_build_object('first_name', 'John' || s,
              'last_name', 'Smith'), $4, $5
         FROM unnest($1::text[], $6::text[]) WITH ORDINALITY AS t(c, p, s)`,
      [callIds, id, opts.workspaceId, opts.runAt ?? opts.now, opts.timeZone ?? null, opts.phones],
    );
    await q.query('INSERT INTO batch_progress (batch_id, shard, waiting) VALUES ($1, 0, $2)', [
      id,
      opts.phones.length,
    ]);
  });
  return { id, callIds };
}

export const reserved = (suffix: number) => `+1500555${String(suffix).padStart(4, '0')}`;

export interface CallRow {
  id: string;
  seq: number;
  phone_number: string;
  state: string;
  attempts: number;
  run_at: number;
  current_attempt_id: string | null;
  start_time: number | null;
  end_time: number | null;
  terminal_at: number | null;
  duration: number | null;
  error: string | null;
  outcome: string | null;
  transcript: string | null;
  last_reason: string | null;
  result_attempt_id: string | null;
}

export async function callsOf(db: Db, batchId: string): Promise<CallRow[]> {
  return db.query<CallRow>('SELECT * FROM calls WHERE batch_id = $1 ORDER BY seq', [batchId]);
}

export interface AttemptRow {
  id: string;
  call_id: string;
  attempt_no: number;
  worker_id: string;
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  reason: string | null;
  outcome: string | null;
  duration: number | null;
  error: string | null;
  state: string;
  lease_owner: string | null;
  check_at: number | null;
  provider_call_id: string | null;
  sip_code: number | null;
  machine_detected_at: number | null;
}

export async function attemptsOf(db: Db, batchId: string): Promise<AttemptRow[]> {
  return db.query<AttemptRow>(
    'SELECT * FROM call_attempts WHERE batch_id = $1 ORDER BY started_at, id',
    [batchId],
  );
}

export async function batchRow(
  db: Db,
  id: string,
): Promise<{ status: string; start_time: number | null; completed_time: number | null }> {
  const rows = await db.query<{
    status: string;
    start_time: number | null;
    completed_time: number | null;
  }>('SELECT status, start_time, completed_time FROM batches WHERE id = $1', [id]);
  return rows[0]!;
}

export async function isBatchCompleted(db: Db, id: string): Promise<boolean> {
  return (await batchRow(db, id)).status === 'completed';
}

/** Most attempts in progress at any one moment ([started_at, ended_at) intervals). */
export function maxOverlap(attempts: readonly AttemptRow[]): number {
  const events = attempts.flatMap((a) => [
    { t: a.started_at, d: 1 },
    { t: a.ended_at ?? Number.MAX_SAFE_INTEGER, d: -1 },
  ]);
  // An end at t frees its slot before a start at t takes it.
  events.sort((x, y) => x.t - y.t || x.d - y.d);
  let now = 0;
  let max = 0;
  for (const e of events) {
    now += e.d;
    max = Math.max(max, now);
  }
  return max;
}

/** The sharded counters agree with the calls table, and add up to the batch's size. */
export async function expectCountersMatchCalls(db: Db, batchId: string): Promise<void> {
  const p = await readProgress(db, batchId);
  const rows = await db.query<{ state: string; n: number; d: number }>(
    `SELECT state, count(*)::int AS n, COALESCE(sum(duration), 0)::float8 AS d
       FROM calls WHERE batch_id = $1 GROUP BY state`,
    [batchId],
  );
  const by = Object.fromEntries(rows.map((r) => [r.state, r.n]));
  expect({
    waiting: p.waiting,
    active: p.active,
    completed: p.completed,
    failed: p.failed,
    cancelled: p.cancelled,
  }).toEqual({
    waiting: by['waiting'] ?? 0,
    active: by['active'] ?? 0,
    completed: by['completed'] ?? 0,
    failed: by['failed'] ?? 0,
    cancelled: by['cancelled'] ?? 0,
  });
  const completedDuration = rows.find((r) => r.state === 'completed')?.d ?? 0;
  expect(p.durationSum).toBeCloseTo(completedDuration, 6);
}
