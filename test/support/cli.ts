import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/outdial.js');

export function tempDir(prefix = 'outdial-e2e-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The environment a child gets: ours minus anything that would change its database or output. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (
      k.startsWith('OUTDIAL_') ||
      ['DATABASE_URL', 'PORT', 'HOST', 'LOG_FORMAT', 'LOG_LEVEL'].includes(k)
    )
      delete env[k];
  }
  // The end-to-end tests poll several times a second; the request limit is tested elsewhere.
  return { ...env, LOG_LEVEL: 'info', OUTDIAL_RATE_LIMIT_PER_MIN: '1000000', ...extra };
}

export interface CliRun {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs `outdial <args>` as a user would (from the project's folder), collecting stdout and stderr. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  opts: { cwd?: string } = {},
): CliRun {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => {
    out += d;
  });
  proc.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

export interface Server extends CliRun {
  baseUrl: string;
  port: number;
}

/**
 * Starts `outdial serve` and resolves once /readyz answers 200. A first start's banner comes just
 * after: read it with waitForBanner.
 */
export async function startServer(
  env: Record<string, string>,
  args: string[] = [],
  opts: { cwd?: string } = {},
): Promise<Server> {
  const port = await freePort();
  const run = runCli(['serve', ...args], { PORT: String(port), ...env }, opts);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let exitCode: number | null | undefined;
  void run.exited.then((c) => {
    exitCode = c;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`server exited with ${exitCode} before it was ready:\n${run.output()}`);
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.status === 200) return { ...run, baseUrl, port };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  run.proc.kill('SIGKILL');
  throw new Error(`server not ready in time:\n${run.output()}`);
}

/** The `export BASE=… KEY=… WS=… AGENT=…` line of the first-run banner. */
export function bannerExportLine(output: string): string {
  const m = /^ {2}(export BASE=\S+ KEY=\S+ WS=\S+ AGENT=\S+)$/m.exec(output);
  if (!m) throw new Error(`no export line in the first-run output:\n${output}`);
  return m[1]!;
}

/** Waits for the whole first-run banner (printed just after the server says it listens). */
export async function waitForBanner(s: CliRun): Promise<ReturnType<typeof parseBanner>> {
  await waitUntil('the first-run banner', () =>
    /export BASE=.*\n[\s\S]*-F agentId="\$AGENT"\n/.test(s.output()) ? true : undefined,
  );
  return parseBanner(s.output());
}

/** Parses the first-run banner the server prints on an empty database. */
export function parseBanner(output: string): {
  workspaceId: string;
  apiKey: string;
  agentId: string;
} {
  const get = (label: string) => {
    const m = new RegExp(`^\\s+${label}\\s+(\\S+)$`, 'm').exec(output);
    if (!m) throw new Error(`no ${label} in the first-run output:\n${output}`);
    return m[1]!;
  };
  return { workspaceId: get('workspace'), apiKey: get('API key'), agentId: get('agent') };
}

export async function stopServer(
  s: CliRun,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (s.proc.exitCode !== null) return s.proc.exitCode;
  s.proc.kill(signal);
  return s.exited;
}

/** The JSON log lines (pino) in a process's output; anything else it printed is skipped. */
export function logEntries(output: string): Array<Record<string, any>> {
  const entries: Array<Record<string, any>> = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      entries.push(JSON.parse(line));
    } catch {
      // a line cut in half by the read, or not a log line
    }
  }
  return entries;
}

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface WorkerProcess extends CliRun {
  /** The ids of its dispatch engines (call_attempts.worker_id and lease_owner). */
  workerIds: string[];
}

/** Starts `outdial worker` and resolves once all its engines run. */
export async function startWorker(
  env: Record<string, string>,
  args: string[] = [],
): Promise<WorkerProcess> {
  const run = runCli(['worker', ...args], env);
  try {
    await waitUntil('the worker to start', () => {
      if (run.proc.exitCode !== null || run.proc.signalCode !== null) {
        throw new Error(`worker exited before it was running:\n${run.output()}`);
      }
      return logEntries(run.output()).some((e) => e.msg === 'Outdial worker running')
        ? true
        : undefined;
    });
  } catch (err) {
    run.proc.kill('SIGKILL');
    throw err;
  }
  const workerIds = logEntries(run.output())
    .filter((e) => e.msg === 'dispatch engine started')
    .map((e) => String(e.workerId));
  return { ...run, workerIds };
}
