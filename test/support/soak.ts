// Pieces of the soak test (test/soak/soak.test.ts): its settings, the pollers that hammer the
// status endpoints, worker memory sampling, the periodic kill -9 of one worker, and the limit
// checks over the attempt rows.
import { readFileSync } from 'node:fs';
import type { ApiClient } from './api-client.js';
import { busiestInstant, busiestWindow } from './attempt-checks.js';
import type { WorkerProcess } from './cli.js';
import { type AttemptRecord, type Fleet, reservedNumber } from './scale-out.js';

export type SoakForm = 'short' | 'long';

/**
 * The short form's calls. Issue 5 asks for 50,000; on the two cores this suite runs on, the
 * whole deployment (API, 3 workers, PostgreSQL and the 200 pollers) settles about 300 calls/s,
 * and 160-240 when other work shares the machine, so 50,000 take 2.5 to over 5 minutes. 25,000
 * take 1.5 to 3, within what the short form may take; the long form runs the full size and more
 * (docs/soak.md).
 */
const SHORT_CALLS = 25_000;

export interface SoakSettings {
  form: SoakForm;
  /** No more waves are uploaded once this many calls have been (the last wave may be smaller). */
  calls: number;
  /** …or once this much time has passed since the first upload, whichever comes first. */
  minutes: number;
  /** Calls per wave, across every workspace. */
  waveCalls: number;
  pollers: number;
  killEveryMs: number;
  /** The vitest timeout of the whole run: uploads until `minutes`, then the drain and checks. */
  timeoutMs: number;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`${name} must be a positive number, not ${JSON.stringify(raw)}`);
  return n;
}

/**
 * The short form (inside `npm test`) unless OUTDIAL_SOAK=long. OUTDIAL_SOAK_CALLS and
 * OUTDIAL_SOAK_MINUTES override either form's size.
 */
export function soakSettings(env: NodeJS.ProcessEnv = process.env): SoakSettings {
  const form: SoakForm = env['OUTDIAL_SOAK'] === 'long' ? 'long' : 'short';
  const calls = Math.round(
    positive(env, 'OUTDIAL_SOAK_CALLS', form === 'long' ? 2_000_000 : SHORT_CALLS),
  );
  const minutes = positive(env, 'OUTDIAL_SOAK_MINUTES', form === 'long' ? 30 : 10);
  // The short form's size is its calls; the minutes are only a backstop. The drain after the last
  // upload takes about as long as one wave, the checks a few seconds per 10,000 calls.
  const timeoutMs =
    form === 'short' && env['OUTDIAL_SOAK_MINUTES'] === undefined
      ? 300_000
      : Math.round(minutes * 60_000 + 300_000 + (Math.min(calls, 5_000_000) / 10_000) * 5_000);
  return {
    form,
    calls,
    minutes,
    // Five waves at least, so the load is steady for most of the run.
    waveCalls: Math.max(1, Math.min(10_000, Math.ceil(calls / 5))),
    pollers: 200,
    killEveryMs: 30_000,
    timeoutMs,
  };
}

/**
 * The phone numbers of one batch: `ordinary` distinct ordinary numbers (+1 <area> <first…>), with
 * `reserved` of the simulator's reserved numbers (every range in turn, at most 1,000: each number
 * once per file) spread evenly through the file.
 */
export function batchPhones(opts: {
  areaCode: string;
  first: number;
  ordinary: number;
  reserved: number;
}): string[] {
  const reserved = Array.from({ length: Math.min(opts.reserved, 1_000) }, (_, k) =>
    reservedNumber(k % 10, Math.floor(k / 10)),
  );
  const ordinary = Array.from(
    { length: opts.ordinary },
    (_, i) => `+1${opts.areaCode}${opts.first + i}`,
  );
  const every = reserved.length === 0 ? Infinity : Math.ceil(opts.ordinary / reserved.length) + 1;
  const out: string[] = [];
  while (reserved.length + ordinary.length > 0) {
    const slot = out.length % every === 0 && reserved.length > 0;
    out.push((slot ? reserved.shift() : (ordinary.shift() ?? reserved.shift()))!);
  }
  return out;
}

/** What a poller may ask about: one batch, and its job ids for the single-call route. */
export interface PollTarget {
  api: ApiClient;
  batchId: string;
  jobIds: readonly string[];
}

const ROUTES = ['batch', 'progress', 'calls', 'call'] as const;
type Route = (typeof ROUTES)[number];
const LIST_LIMITS = [20, 50, 100];
const LIST_STATUSES = ['all', 'all', 'waiting', 'active', 'completed', 'failed'];

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

function requestPath(t: PollTarget, route: Route): string {
  const base = `/v1/api/batch-calls/${t.batchId}`;
  switch (route) {
    case 'batch':
      return base;
    case 'progress':
      return `${base}/status`;
    case 'calls': {
      const limit = pick(LIST_LIMITS);
      // Mostly early pages, as a dashboard reads them; now and then one deep in the batch.
      const pages = Math.max(1, Math.ceil(t.jobIds.length / limit));
      const page =
        Math.random() < 0.8
          ? 1 + Math.floor(Math.random() * 3)
          : 1 + Math.floor(Math.random() * pages);
      return `${base}/calls?page=${page}&limit=${limit}&status=${pick(LIST_STATUSES)}`;
    }
    case 'call':
      return `${base}/calls/${pick(t.jobIds)}`;
  }
}

export interface PollerTally {
  requests: number;
  /** Responses by status code, per route and in all. */
  byStatus: Record<string, number>;
  byRoute: Record<Route, Record<string, number>>;
  /** Requests that got no response at all (connection refused or reset, timeout). */
  errors: Record<string, number>;
  /** The first few 5xx (and transport errors), with what was asked and answered. */
  evidence: string[];
  seconds: number;
}

/**
 * `n` clients, each asking one status question after another (no pause) about a random batch of
 * `targets()`, until stopped. Every answer is counted by status code.
 */
export class Pollers {
  readonly tally: PollerTally = {
    requests: 0,
    byStatus: {},
    byRoute: { batch: {}, progress: {}, calls: {}, call: {} },
    errors: {},
    evidence: [],
    seconds: 0,
  };
  #stopped = false;
  #loops: Promise<void>[] = [];
  #started = 0;

  constructor(
    private readonly targets: () => readonly PollTarget[],
    private readonly n: number,
  ) {}

  start(): void {
    this.#started = performance.now();
    this.#loops = Array.from({ length: this.n }, () => this.#loop());
  }

  async stop(): Promise<PollerTally> {
    this.#stopped = true;
    await Promise.all(this.#loops);
    this.tally.seconds = (performance.now() - this.#started) / 1000;
    return this.tally;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const all = this.targets();
      if (all.length === 0) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const t = pick(all);
      await this.#ask(t, pick(ROUTES));
    }
  }

  async #ask(t: PollTarget, route: Route): Promise<void> {
    const path = requestPath(t, route);
    const { tally } = this;
    tally.requests++;
    try {
      const res = await fetch(`${t.api.baseUrl}${path}`, {
        headers: t.api.headers,
        signal: AbortSignal.timeout(30_000),
      });
      const body = await res.text();
      const code = String(res.status);
      tally.byStatus[code] = (tally.byStatus[code] ?? 0) + 1;
      tally.byRoute[route][code] = (tally.byRoute[route][code] ?? 0) + 1;
      if (res.status >= 500 && tally.evidence.length < 20) {
        tally.evidence.push(
          `${new Date().toISOString()} GET ${path} → ${code} ${body.slice(0, 300)}`,
        );
      }
    } catch (err) {
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      tally.errors[what] = (tally.errors[what] ?? 0) + 1;
      if (tally.evidence.length < 20) {
        tally.evidence.push(`${new Date().toISOString()} GET ${path} → ${what}`);
      }
    }
  }
}

const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** The creation time (ms) an id carries in its first ten characters (src/domain/ids.ts). */
export function idTime(id: string): number {
  const time = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11);
  let t = 0;
  for (const ch of time) t = t * 32 + ID_ALPHABET.indexOf(ch);
  return t;
}

/** VmRSS of a process in MB (Linux /proc), or undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far (Linux /proc), or undefined once gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces), from the state on: utime and stime are
    // the 12th and 13th, in clock ticks (100 per second on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export interface RssSample {
  at: number;
  mb: number;
}

/** Samples the VmRSS of `pids` every `everyMs` until stopped; samples per pid, with Date.now(). */
export function sampleRss(
  pids: readonly number[],
  everyMs = 1_000,
): () => Map<number, RssSample[]> {
  const out = new Map<number, RssSample[]>(pids.map((p) => [p, []]));
  const take = () => {
    const at = Date.now();
    for (const pid of pids) {
      const mb = rssMb(pid);
      if (mb !== undefined) out.get(pid)!.push({ at, mb });
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return () => {
    clearInterval(timer);
    return out;
  };
}

/** The lowest and the median MB of the samples taken in [from, to), and how many there were. */
export function windowStats(
  samples: readonly RssSample[],
  from: number,
  to: number,
): { min: number; median: number; n: number } {
  const mbs = samples
    .filter((s) => s.at >= from && s.at < to)
    .map((s) => s.mb)
    .sort((a, b) => a - b);
  if (mbs.length === 0) return { min: Number.NaN, median: Number.NaN, n: 0 };
  const mid = Math.floor(mbs.length / 2);
  const median = mbs.length % 2 === 1 ? mbs[mid]! : (mbs[mid - 1]! + mbs[mid]!) / 2;
  return { min: mbs[0]!, median, n: mbs.length };
}

export interface KillRecord {
  pid: number;
  killedAt: number;
  /** The lease owner ids of the killed process (its attempts' worker_id). */
  workerIds: string[];
  /** Milliseconds from the kill until the replacement was running. */
  restartMs: number;
}

/**
 * Every `everyMs`, `kill -9` the worker in one slot and start another in its place, until
 * stopped. The slot always holds the current process; `kills` the history.
 */
export class SlotKiller {
  readonly kills: KillRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(
    private readonly fleet: Fleet,
    public current: WorkerProcess,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  start(everyMs: number): void {
    this.#timer = setInterval(() => {
      this.#running = this.#running
        .then(() => this.#killAndRestart())
        .catch((err) => {
          this.#failure ??= err;
        });
    }, everyMs);
  }

  /** Stops the kills; throws if a restart failed. */
  async stop(): Promise<KillRecord[]> {
    clearInterval(this.#timer);
    await this.#running;
    if (this.#failure !== undefined) throw this.#failure;
    return this.kills;
  }

  async #killAndRestart(): Promise<void> {
    const victim = this.current;
    victim.proc.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    this.current = await this.fleet.startWorker(this.extraEnv);
    this.kills.push({
      pid: victim.proc.pid!,
      killedAt,
      workerIds: victim.workerIds,
      restartMs: Date.now() - killedAt,
    });
  }
}

export interface LimitSubject {
  name: string;
  /** Which attempts count against the limit. */
  owns: (a: AttemptRecord) => boolean;
  maxConcurrent: number;
  /** Starts allowed in any one second; undefined for a limit on concurrency alone (a batch). */
  perSecond?: number;
}

export interface LimitFigure {
  name: string;
  attempts: number;
  maxActive: number;
  maxConcurrent: number;
  maxStartsPerSecond?: number;
  perSecond?: number;
}

/**
 * The busiest instant and busiest second of each subject's attempts, against its limits: the
 * figures, and each limit exceeded in words with the attempts that exceeded it.
 */
export function limitCheck(
  attempts: readonly AttemptRecord[],
  subjects: readonly LimitSubject[],
): { figures: LimitFigure[]; problems: string[] } {
  const figures: LimitFigure[] = [];
  const problems: string[] = [];
  for (const s of subjects) {
    const own = attempts.filter(s.owns);
    const busiest = busiestInstant(
      own.map((a) => ({ start: a.started_at, end: a.ended_at ?? Number.MAX_SAFE_INTEGER, a })),
    );
    const figure: LimitFigure = {
      name: s.name,
      attempts: own.length,
      maxActive: busiest.open.length,
      maxConcurrent: s.maxConcurrent,
    };
    if (busiest.open.length > s.maxConcurrent) {
      problems.push(
        `${s.name}: ${busiest.open.length} attempts open at ${busiest.at} (limit ${s.maxConcurrent}):\n${busiest.open
          .map(
            ({ a }) =>
              `  ${a.id} ${a.call_id} #${a.attempt_no} ${a.worker_id} [${a.started_at}, ${a.ended_at}) ${a.reason}`,
          )
          .join('\n')}`,
      );
    }
    if (s.perSecond !== undefined) {
      const window = busiestWindow(own.map((a) => a.started_at));
      figure.maxStartsPerSecond = window.length;
      figure.perSecond = s.perSecond;
      if (window.length > s.perSecond) {
        problems.push(
          `${s.name}: ${window.length} starts within one second (limit ${s.perSecond}): ${window.join(', ')}`,
        );
      }
    }
    figures.push(figure);
  }
  return { figures, problems };
}
