// A new user's first `npm start` (issue 10 §1): a taken port is one clear line and spends nothing,
// so the next start still shows the one-time credentials; on a terminal the logs read as lines
// and the banner comes whole.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BIN,
  bannerExportLine,
  type CliRun,
  childEnv,
  freePort,
  ROOT,
  runCli,
  startServer,
  stopServer,
  tempDir,
  waitForBanner,
  waitUntil,
} from '../support/cli.js';

function occupy(port = 0): Promise<NetServer> {
  const blocker = createServer();
  return new Promise((resolve, reject) => {
    blocker.once('error', reject);
    blocker.listen(port, '127.0.0.1', () => resolve(blocker));
  });
}
const portOf = (s: NetServer) => (s.address() as { port: number }).port;
const close = (s: NetServer) => new Promise<void>((r) => s.close(() => r()));

/** The credentials of a first start work against that server. */
async function expectCredentialsWork(server: { baseUrl: string } & CliRun) {
  const creds = await waitForBanner(server);
  const res = await fetch(`${server.baseUrl}/v1/api/workspace`, {
    headers: { 'x-api-key': creds.apiKey, 'x-workspace-id': creds.workspaceId },
  });
  expect(res.status).toBe(200);
}

describe('first start', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('with the port taken says so in one line, creates nothing, and the next start shows the key', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const dataDir = path.join(tmp.dir, 'data');
    const blocker = await occupy();
    const port = portOf(blocker);

    const run = runCli(['serve'], { PORT: String(port), OUTDIAL_DATA_DIR: dataDir });
    expect(await run.exited).toBe(2);
    expect(run.output()).toBe(
      `outdial: port ${port} is already in use (on 127.0.0.1); start on another port with ` +
        `PORT=${port + 1} npm start\n`,
    );
    expect(existsSync(dataDir)).toBe(false);

    await close(blocker);
    const server = await startServer({ OUTDIAL_DATA_DIR: dataDir });
    cleanups.push(() => stopServer(server));
    await expectCredentialsWork(server);
  }, 120_000);

  it('with the port taken while the database opens, creates no credentials before it listens', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const dataDir = path.join(tmp.dir, 'data');
    const port = await freePort();
    const run = runCli(['serve'], { PORT: String(port), OUTDIAL_DATA_DIR: dataDir });
    cleanups.push(() => stopServer(run, 'SIGKILL'));
    // The port was free when the start looked; another program takes it while the embedded
    // database opens (the lock file is written just before).
    await waitUntil(
      'the data directory lock',
      () => (existsSync(path.join(dataDir, 'outdial.lock')) ? true : undefined),
      60_000,
      5,
    );
    const blocker = await occupy(port);
    cleanups.push(() => close(blocker));

    expect(await run.exited).toBe(2);
    const out = run.output();
    expect(out.trimEnd().split('\n').at(-1)).toBe(
      `outdial: port ${port} is already in use (on 127.0.0.1); start on another port with ` +
        `PORT=${port + 1} npm start`,
    );
    expect(out).not.toMatch(/^\s+at /m);
    expect(out).not.toContain('API key');
    // It let go of the directory: no lock, no socket left behind.
    // The deployment secret's key file stays: it belongs to the database, not to this start.
    expect(readdirSync(dataDir).sort()).toEqual(['outdial.key', 'pgdata']);

    const server = await startServer({ OUTDIAL_DATA_DIR: dataDir });
    cleanups.push(() => stopServer(server));
    await expectCredentialsWork(server);
  }, 120_000);

  it("names a worker's metrics port when that one is taken", async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const blocker = await occupy();
    cleanups.push(() => close(blocker));
    const port = portOf(blocker);
    const run = runCli(['worker'], {
      OUTDIAL_DATA_DIR: path.join(tmp.dir, 'data'),
      OUTDIAL_METRICS_PORT: String(port),
    });
    expect(await run.exited).toBe(2);
    expect(run.output()).toBe(
      `outdial: port ${port} is already in use (on 127.0.0.1); start on another port with ` +
        `OUTDIAL_METRICS_PORT=${port + 1} npx outdial worker\n`,
    );
  });

  const hasScript = existsSync('/usr/bin/script') || existsSync('/bin/script');
  if (!hasScript) console.warn('\n*** SKIPPING the terminal test: no `script` (util-linux) ***\n');

  (hasScript ? it : it.skip)(
    'on a terminal, logs one readable line per request and shows the banner whole',
    async () => {
      const tmp = tempDir();
      cleanups.push(tmp.remove);
      const dataDir = path.join(tmp.dir, 'data');
      const port = await freePort();
      // `script` gives the server a pseudo-terminal as stdout, as `npm start` in a shell has.
      const proc = spawn(
        'script',
        ['-qefc', `exec ${process.execPath} ${BIN} serve`, '/dev/null'],
        {
          cwd: ROOT,
          env: childEnv({ PORT: String(port), OUTDIAL_DATA_DIR: dataDir }),
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
      });
      const exited = new Promise((r) => proc.on('exit', r));
      cleanups.push(async () => {
        if (proc.exitCode === null) {
          proc.kill('SIGKILL');
          await exited;
        }
      });
      const server = { proc, output: () => out.replaceAll('\r\n', '\n'), exited } as CliRun;
      await waitForBanner(server);
      const baseUrl = `http://127.0.0.1:${port}`;
      expect(bannerExportLine(server.output())).toMatch(new RegExp(`^export BASE=${baseUrl} `));
      const res = await fetch(`${baseUrl}/readyz`);
      expect(res.status).toBe(200);
      const reqId = res.headers.get('x-request-id')!;
      await waitUntil('the request line', () =>
        server.output().includes(reqId) ? true : undefined,
      );

      const lines = server.output().split('\n');
      expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^\\d\\d:\\d\\d:\\d\\d INFO {2}Outdial listening on ${baseUrl} `),
        ),
      );
      // One line for the request: no "incoming request" line before it.
      expect(lines.filter((l) => l.includes(reqId))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^\\d\\d:\\d\\d:\\d\\d INFO {2}request completed reqId=${reqId} method=GET ` +
              'url=/readyz statusCode=200 responseTime=[\\d.]+$',
          ),
        ),
      ]);
      // The banner's lines are whole, not interleaved with log lines.
      const banner = server.output().slice(server.output().indexOf('Outdial created'));
      expect(banner.split('\n').slice(0, 6)).toEqual([
        'Outdial created your workspace, API key and a demo agent. The key is shown only this once:',
        '',
        expect.stringMatching(/^ {2}workspace {2}ws_\w+$/),
        expect.stringMatching(/^ {2}API key {4}od_[\w-]+$/),
        expect.stringMatching(/^ {2}agent {6}agent_\w+$/),
        '',
      ]);

      // Ctrl-C, as typed at that terminal.
      proc.stdin.write('\x03');
      await exited;
      expect(server.output()).toMatch(/INFO {2}stopping: no call in progress/);
      expect(server.output()).toMatch(/INFO {2}stopped cleanly/);
    },
    120_000,
  );
});
