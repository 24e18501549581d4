// A scale-out deployment for end-to-end tests: real `outdial serve` / `outdial worker` processes
// sharing one PostgreSQL database, and always killed at the end.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { demoAgent } from '../../src/cli/demo-agent.js';
import { generateApiKey } from '../../src/domain/api-key.js';
import { DNC_CANCELLED_ERROR } from '../../src/domain/call-state.js';
import { newId } from '../../src/domain/ids.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { insertAgent } from '../../src/storage/agents-repo.js';
import { insertApiKey } from '../../src/storage/api-keys-repo.js';
import type { Db } from '../../src/storage/db.js';
import { insertWorkspace, updateWorkspaceSettings } from '../../src/storage/workspaces-repo.js';
import { ApiClient } from './api-client.js';
import { groupBy, jobAttemptProblems } from './attempt-checks.js';
import { type CliRun, type Server, startServer, startWorker, type WorkerProcess } from './cli.js';

export class Fleet {
  readonly workers: WorkerProcess[] = [];
  api: Server | undefined;
  // Starts still under way: killAll waits for them, so a process that finishes booting after a
  // failure elsewhere is killed too instead of outliving the test.
  private readonly starting: Promise<unknown>[] = [];

  constructor(readonly env: Record<string, string>) {}

  /** `outdial serve --workers 0`: the HTTP API alone. */
  async startApi(extra: Record<string, string> = {}): Promise<Server> {
    const start = startServer({ ...this.env, ...extra }, ['--workers', '0']);
    this.starting.push(start.catch(() => {}));
    this.api = await start;
    return this.api;
  }

  /** `n` `outdial worker` processes, started side by side. */
  async startWorkers(n: number, extra: Record<string, string> = {}): Promise<WorkerProcess[]> {
    const all = Promise.allSettled(Array.from({ length: n }, () => this.startWorker(extra)));
    const failed = (await all).find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return this.workers;
  }

  /** One more `outdial worker` process (a restart after a kill, for one). */
  async startWorker(extra: Record<string, string> = {}): Promise<WorkerProcess> {
    const start = startWorker({ ...this.env, ...extra }).then((w) => {
      this.workers.push(w);
      return w;
    });
    this.starting.push(start.catch(() => {}));
    return start;
  }

  all(): CliRun[] {
    return [...(this.api ? [this.api] : []), ...this.workers];
  }

  /** Every process's output, labelled, for a failure message. */
  outputs(): string {
    return this.all()
      .map((p, i) => `--- process ${i} (pid ${p.proc.pid}) ---\n${p.output().slice(-4_000)}`)
      .join('\n');
  }

  /** SIGKILL for every process still running; resolves once they are gone. */
  async killAll(): Promise<void> {
    await Promise.allSettled(this.starting);
    await Promise.all(
      this.all().map(async (p) => {
        if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
        p.proc.kill('SIGKILL');
        await p.exited;
      }),
    );
  }
}

export interface WorkspaceAccess {
  workspaceId: string;
  agentId: string;
  api: ApiClient;
}

/**
 * A workspace with a key, an agent and the given limits, written through the storage layer
 * (`updateWorkspaceSettings` is what the settings API calls): spawning the admin CLI once per step
 * would cost seconds on a loaded machine and test nothing the admin tests do not.
 */
export async function seedWorkspace(
  db: Db,
  opts: {
    name: string;
    maxConcurrentCalls: number;
    callsPerSecond: number;
    /** OUTDIAL_KEY_SECRET of the processes (the key kept outside the database). */
    keySecret?: string;
  },
): Promise<{ workspaceId: string; apiKey: string; agentId: string }> {
  const now = Date.now();
  const workspaceId = newId('ws', now);
  const apiKey = generateApiKey();
  const agentId = newId('agent', now);
  const secret = await resolveKeySecret(db, { keySecret: opts.keySecret });
  await db.tx(async (q) => {
    await insertWorkspace(q, { id: workspaceId, name: opts.name, createdAt: now });
    await insertApiKey(q, secret, {
      id: newId('key', now),
      workspaceId,
      key: apiKey,
      createdAt: now,
    });
    await insertAgent(q, demoAgent(agentId, workspaceId, now));
    await updateWorkspaceSettings(q, workspaceId, {
      maxConcurrentCalls: opts.maxConcurrentCalls,
      callsPerSecond: opts.callsPerSecond,
    });
  });
  return { workspaceId, apiKey, agentId };
}

/** The API as that workspace's key holder sees it. */
export function accessFor(
  baseUrl: string,
  seed: { workspaceId: string; apiKey: string; agentId: string },
): WorkspaceAccess {
  return {
    workspaceId: seed.workspaceId,
    agentId: seed.agentId,
    api: new ApiClient(baseUrl, { 'x-api-key': seed.apiKey, 'x-workspace-id': seed.workspaceId }),
  };
}

/** +1500555XXXX: the simulator's reserved numbers, XXXX in 0000–0999; the range is its hundreds. */
export function reservedNumber(range: number, index: number): string {
  if (range < 0 || range > 9 || index < 0 || index > 99) {
    throw new Error(`no reserved number ${index} in range ${range}`);
  }
  return `+15005550${range}${String(index).padStart(2, '0')}`;
}

/** The reserved range of a number, or undefined for an ordinary one. */
export function reservedRange(phone: string): number | undefined {
  const m = /^\+15005550(\d)\d\d$/.exec(phone);
  return m ? Number(m[1]) : undefined;
}

/**
 * What the contract's simulator table makes of each reserved range under the default retry policy
 * (3 attempts): the reason of each attempt in turn and the job's final status.
 */
export const RESERVED_RANGES: Record<number, { reasons: string[]; status: string }> = {
  0: { reasons: ['answered'], status: 'completed' },
  1: { reasons: ['busy', 'busy', 'busy'], status: 'failed' },
  2: { reasons: ['no_answer', 'no_answer', 'no_answer'], status: 'failed' },
  3: { reasons: ['voicemail'], status: 'completed' },
  4: { reasons: ['unreachable'], status: 'failed' },
  5: { reasons: ['busy', 'answered'], status: 'completed' },
  6: { reasons: ['answered'], status: 'completed' },
  7: { reasons: ['answered'], status: 'completed' },
  8: { reasons: ['provider_error', 'answered'], status: 'completed' },
  9: { reasons: ['answered'], status: 'completed' },
};

/** Writes a contacts CSV (phone_number, first_name) and returns its path. */
export function writeContacts(dir: string, name: string, phones: readonly string[]): string {
  const lines = ['phone_number,first_name', ...phones.map((p, i) => `${p},Person${i}`)];
  const file = path.join(dir, `${name}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Uploads a CSV as a new batch (§1) and returns its id. */
export async function uploadBatch(
  access: WorkspaceAccess,
  csv: string,
  fields: Record<string, string> = {},
): Promise<string> {
  const res = await access.api.uploadCsv(csv, { agentId: access.agentId, ...fields });
  if (res.status !== 200) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.batchId;
}

export interface AttemptRecord {
  id: string;
  call_id: string;
  batch_id: string;
  workspace_id: string;
  attempt_no: number;
  worker_id: string;
  started_at: number;
  ended_at: number | null;
  reason: string | null;
  outcome: string | null;
  error: string | null;
}

export interface CallRecord {
  id: string;
  batch_id: string;
  workspace_id: string;
  phone_number: string;
  state: string;
  attempts: number;
  error: string | null;
  outcome: string | null;
  current_attempt_id: string | null;
  terminal_at: number | null;
}

/** A plain client on the deployment's database: what the assertions read, not what the app does. */
export async function rowReader(url: string) {
  const client = new pg.Client({ connectionString: url });
  // int8 columns as numbers: every time here is epoch ms, well inside 2^53.
  client.setTypeParser(20, (v: string) => Number(v));
  await client.connect();
  return {
    client,
    attempts: async (where = 'TRUE', params: unknown[] = []) =>
      (
        await client.query<AttemptRecord>(
          `SELECT id, call_id, batch_id, workspace_id, attempt_no, worker_id, started_at, ended_at,
                  reason, outcome, error
             FROM call_attempts WHERE ${where} ORDER BY started_at, id`,
          params,
        )
      ).rows,
    calls: async (where = 'TRUE', params: unknown[] = []) =>
      (
        await client.query<CallRecord>(
          `SELECT id, batch_id, workspace_id, phone_number, state, attempts, error, outcome,
                  current_attempt_id, terminal_at
             FROM calls WHERE ${where} ORDER BY batch_id, seq`,
          params,
        )
      ).rows,
    end: () => client.end().catch(() => {}),
  };
}

export type RowReader = Awaited<ReturnType<typeof rowReader>>;

export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Counts of a batch's calls by state, from the rows. */
export function countByState(calls: readonly CallRecord[]): Record<string, number> {
  const out: Record<string, number> = {
    waiting: 0,
    active: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const c of calls) out[c.state] = (out[c.state] ?? 0) + 1;
  return out;
}

/**
 * What is wrong with how a set of jobs ended, from their rows: a job not terminal, or (per job)
 * attempts not numbered 1..n, n not the recorded count, over `budget`, or two at once. Empty when
 * every job settled and none was dialed twice.
 */
export function settlementProblems(
  calls: readonly CallRecord[],
  attempts: readonly AttemptRecord[],
  budget: number,
): string[] {
  const byCall = groupBy(attempts, (a) => a.call_id);
  return [
    ...calls.filter((c) => !TERMINAL.has(c.state)).map((c) => `${c.id} ${c.state}`),
    ...calls.flatMap((c) =>
      jobAttemptProblems(
        (byCall.get(c.id) ?? []).map((a) => ({
          attemptNo: a.attempt_no,
          startedAt: a.started_at,
          endedAt: a.ended_at,
        })),
        { recorded: c.attempts, budget },
      ).map((p) => `${c.id} (${c.phone_number}): ${p}`),
    ),
  ];
}

/**
 * Jobs on reserved numbers that did not go as the contract's simulator table says (final status
 * and the reason of each attempt in turn), in words; empty when all did. Ordinary numbers are
 * skipped: their plan is a seeded mix.
 */
export function reservedOutcomeProblems(
  calls: readonly CallRecord[],
  attempts: readonly AttemptRecord[],
): string[] {
  const byCall = groupBy(attempts, (a) => a.call_id);
  // A callee who opted out is on the workspace's do-not-call list from the end of that call: a
  // later call to the number is cancelled when it comes due, never dialed.
  const phoneOf = new Map(calls.map((c) => [c.id, `${c.workspace_id} ${c.phone_number}`]));
  const optedOutAt = new Map<string, number>();
  for (const a of attempts) {
    if (a.outcome !== 'opted_out' || a.ended_at === null) continue;
    const key = phoneOf.get(a.call_id)!;
    optedOutAt.set(key, Math.min(optedOutAt.get(key) ?? Infinity, a.ended_at));
  }
  return calls.flatMap((c) => {
    const range = reservedRange(c.phone_number);
    if (range === undefined) return [];
    const want = RESERVED_RANGES[range]!;
    const got = (byCall.get(c.id) ?? [])
      .sort((x, y) => x.attempt_no - y.attempt_no)
      .map((a) => a.reason);
    if (c.state === want.status && JSON.stringify(got) === JSON.stringify(want.reasons)) return [];
    const listedAt = optedOutAt.get(`${c.workspace_id} ${c.phone_number}`);
    if (
      c.state === 'cancelled' &&
      c.error === DNC_CANCELLED_ERROR &&
      got.length === 0 &&
      listedAt !== undefined &&
      c.terminal_at !== null &&
      listedAt <= c.terminal_at
    ) {
      return [];
    }
    return [`${c.id} (${c.phone_number}): ${c.state} after ${JSON.stringify(got)}`];
  });
}
