// What the CLI client's end-to-end tests share: a real `outdial serve` (embedded or PostgreSQL)
// with a known workspace, key and agent, and the real `bin/outdial.js` run as a user runs it,
// piped (stdout and stderr apart) or on a pseudo-terminal (`script` from util-linux).
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../support/api-client.js';
import { BIN, childEnv, freePort, ROOT, type Server, tempDir, waitUntil } from '../support/cli.js';
import { type Backend, createPostgresDatabase } from '../support/databases.js';
import { reservedNumber } from '../support/scale-out.js';

export const WS = 'ws_e2eclient';
export const KEY = 'od_e2e_client_key_0123456789abcdef';
export const AGENT = 'agent_e2eclient';

export interface ClientServer {
  server: Server;
  /** What a user exports before running the client. */
  env: Record<string, string>;
  /** Direct requests, to compare the client's output with the API's answers. */
  api: ApiClient;
  /** A scratch folder for contact files and exports. */
  dir: string;
  /**
   * Kills the server and starts it again on the same port and database; `whileDown` runs between
   * (a test waits there for what a client says while nothing answers).
   */
  restart(whileDown?: () => Promise<unknown>): Promise<void>;
  /** Throws, with its output, when the server is no longer running. */
  check(): void;
  stop(): Promise<void>;
}

/** Starts `outdial serve` on `port` and resolves once /readyz answers. */
async function serveOn(port: number, env: Record<string, string>): Promise<Server> {
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: childEnv({ ...env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
  });
  proc.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntil('the server to be ready', async () => {
      if (proc.exitCode !== null) throw new Error(`server exited:\n${out}`);
      const res = await fetch(`${baseUrl}/readyz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    });
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return { proc, output: () => out, exited, baseUrl, port };
}

/**
 * A server with the bootstrap workspace, key and agent, on PGlite (a data directory, so it can be
 * restarted) or on a fresh PostgreSQL database.
 */
export async function startClientServer(
  backend: Backend,
  extra: Record<string, string> = {},
): Promise<ClientServer> {
  const tmp = tempDir('outdial-cli-client-');
  const pg = backend === 'postgres' ? await createPostgresDatabase() : undefined;
  const serverEnv = {
    ...(pg ? { DATABASE_URL: pg.url } : { OUTDIAL_DATA_DIR: path.join(tmp.dir, 'data') }),
    OUTDIAL_BOOTSTRAP_WORKSPACE_ID: WS,
    OUTDIAL_BOOTSTRAP_API_KEY: KEY,
    OUTDIAL_BOOTSTRAP_AGENT_ID: AGENT,
    OUTDIAL_SIM_SPEED: '100',
    OUTDIAL_RETRY_DELAYS_MS: '200,400',
    OUTDIAL_LEASE_MS: '2000',
    LOG_LEVEL: 'warn',
    ...extra,
  };
  const port = await freePort();
  let server = await serveOn(port, serverEnv);
  const kill = async () => {
    if (server.proc.exitCode === null && server.proc.signalCode === null) {
      server.proc.kill('SIGKILL');
      await server.exited;
    }
  };
  const handle: ClientServer = {
    server,
    env: { OUTDIAL_URL: server.baseUrl, OUTDIAL_API_KEY: KEY, OUTDIAL_WORKSPACE_ID: WS },
    api: new ApiClient(server.baseUrl, { 'x-api-key': KEY, 'x-workspace-id': WS }),
    dir: tmp.dir,
    async restart(whileDown) {
      await kill();
      await whileDown?.();
      server = await serveOn(port, serverEnv);
      handle.server = server;
    },
    check() {
      if (server.proc.exitCode !== null || server.proc.signalCode !== null) {
        throw new Error(`the server exited (${server.proc.exitCode}):\n${server.output()}`);
      }
    },
    async stop() {
      await kill();
      await pg?.drop();
      tmp.remove();
    },
  };
  return handle;
}

export interface ClientRun {
  code: number | null;
  stdout: string;
  /** stdout as bytes (an export compared byte for byte). */
  stdoutBytes: Buffer;
  stderr: string;
}

/** A running client command: its output so far, and its end. */
export interface RunningClient {
  stdout(): string;
  stderr(): string;
  done: Promise<ClientRun>;
  /** Its end, once it ended. */
  ended(): ClientRun | undefined;
  kill(signal: NodeJS.Signals): void;
}

/** `outdial <args>` piped, as a script runs it (stdout is not a terminal). */
export function startOutdial(args: string[], env: Record<string, string>): RunningClient {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: childEnv({ TZ: 'UTC', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout.on('data', (d: Buffer) => out.push(d));
  proc.stderr.on('data', (d: Buffer) => err.push(d));
  const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
  let ended: ClientRun | undefined;
  const done = new Promise<ClientRun>((resolve) =>
    proc.on('close', (code) => {
      ended = { code, stdout: text(out), stdoutBytes: Buffer.concat(out), stderr: text(err) };
      resolve(ended);
    }),
  );
  return {
    stdout: () => text(out),
    stderr: () => text(err),
    done,
    ended: () => ended,
    kill: (signal) => proc.kill(signal),
  };
}

export const outdial = (args: string[], env: Record<string, string>) =>
  startOutdial(args, env).done;

/** The answer of a successful `--json` command. */
export async function outdialJson(args: string[], env: Record<string, string>): Promise<any> {
  const run = await outdial([...args, '--json'], env);
  if (run.code !== 0) throw new Error(`outdial ${args.join(' ')}: ${run.code}\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

/**
 * A contacts file for the demo agent (which uses {first_name} and {appointment_date}), so an
 * upload has no warnings unless a test writes them in.
 */
export function writeContacts(dir: string, name: string, phones: readonly string[]): string {
  const rows = phones.map((p, i) => `${p},Person${i},Monday ${9 + (i % 8)} am`);
  const file = path.join(dir, `${name}.csv`);
  writeFileSync(file, `phone_number,first_name,appointment_date\n${rows.join('\n')}\n`);
  return file;
}

export const hasScript = existsSync('/usr/bin/script') || existsSync('/bin/script');

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

export interface TerminalRun {
  code: number | null;
  /** Everything the terminal showed (stdout and stderr), line ends as written (`\r\n`). */
  output: string;
}

/**
 * `outdial <args>` on a pseudo-terminal of `columns` columns, as in an interactive shell. `input`
 * is typed into the terminal once `when` holds for the output so far.
 */
export function outdialInTerminal(
  args: string[],
  env: Record<string, string>,
  opts: { columns?: number; input?: { when: (output: string) => boolean; text: string } } = {},
): Promise<TerminalRun> {
  const command = `stty cols ${opts.columns ?? 100} rows 40; exec ${[process.execPath, BIN, ...args].map(shellQuote).join(' ')}`;
  const proc = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: childEnv({ TZ: 'UTC', ...env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let typed = false;
  proc.stdout.on('data', (d) => {
    output += d;
    if (opts.input && !typed && opts.input.when(output)) {
      typed = true;
      proc.stdin.write(opts.input.text);
    }
  });
  proc.stderr.on('data', (d) => {
    output += d;
  });
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, output })));
}

/** What a terminal shows once every redraw is applied: the text after each line's last \r. */
export function screenLines(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .map((line) => line.split('\r').at(-1)!.replaceAll('\x1b[2K', ''));
}

/** `n` numbers that answer (simulator range 0000–0099), from index `from`. */
export const answering = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => reservedNumber(0, from + i));

/** A file with two errors (row 2 not a number, row 4 a repeat of row 3) and one warning (row 5). */
export function writeBadRows(dir: string): string {
  const file = path.join(dir, 'bad-rows.csv');
  writeFileSync(
    file,
    'phone_number,first_name,appointment_date\n12ab,Ann,Monday\n+15005550030,Bob,Monday\n' +
      '+15005550030,Cid,Monday\n+1234567890,Dee,Monday\n',
  );
  return file;
}

/** The ids of the workspace's batches (at most 100). */
export async function batchIds(s: ClientServer): Promise<Set<string>> {
  const { body } = await s.api.get('/v1/api/batch-calls?limit=100');
  return new Set(body.batches.map((b: { id: string }) => b.id));
}

/** The newest batch, once one not in `known` exists; fails if `starter` ends before. */
export async function newestBatch(
  s: ClientServer,
  known: ReadonlySet<string>,
  starter: RunningClient,
): Promise<string> {
  return waitUntil('the new batch', async () => {
    const ended = starter.ended();
    if (ended) throw new Error(`batch start ended (${ended.code}): ${ended.stderr}`);
    const { body } = await s.api.get('/v1/api/batch-calls?limit=1');
    const id = body.batches[0]?.id;
    return id && !known.has(id) ? (id as string) : undefined;
  });
}

/** A status answer with its server time blanked (it differs between two reads). */
export const withoutTimestamp = (body: any) => ({ ...body, timestamp: 0 });

/** `ms` from now, as --schedule takes it. */
export const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();
