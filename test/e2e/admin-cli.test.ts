// `outdial workspaces create|list`, `keys create|list|revoke` and `migrate`, run as a user would:
// with the server stopped (the command opens the data directory) and while it runs (the command
// asks the server over its Unix socket), then the created keys used against the real server.
import { lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  logEntries,
  runCli,
  type Server,
  startServer,
  stopServer,
  tempDir,
  waitForBanner,
} from '../support/cli.js';

type Env = Record<string, string>;

async function cliOutput(args: string[], env: Env, opts: { cwd?: string } = {}): Promise<string> {
  const run = runCli(args, env, opts);
  const code = await run.exited;
  expect(code, run.output()).toBe(0);
  return run.output();
}
const cli = async (args: string[], env: Env, opts: { cwd?: string } = {}) =>
  JSON.parse(await cliOutput(args, env, opts));

/** Exit code 2 and the one line `outdial: <message>`. */
async function refused(args: string[], env: Env, opts: { cwd?: string } = {}): Promise<string> {
  const run = runCli(args, env, opts);
  expect(await run.exited, run.output()).toBe(2);
  const out = run.output();
  expect(out).toMatch(/^outdial: [^\n]+\n$/);
  return out;
}

const workspaceStatus = async (baseUrl: string, key: string, ws: string) =>
  (
    await fetch(`${baseUrl}/v1/api/workspace`, {
      headers: { 'x-api-key': key, 'x-workspace-id': ws },
    })
  ).status;

describe('admin commands on the embedded database, server stopped', () => {
  const data = tempDir();
  const env = { OUTDIAL_DATA_DIR: data.dir };
  let server: Server | undefined;
  afterAll(async () => {
    if (server) await stopServer(server);
    data.remove();
  });

  it('creates a workspace and a key that the API accepts, lists it by prefix, revokes it', async () => {
    expect(await cli(['migrate'], env)).toEqual({ applied: expect.any(Array) });
    const ws = await cli(['workspaces', 'create', '--name', 'Acme'], env);
    expect(ws).toMatchObject({ id: expect.stringMatching(/^ws_/), name: 'Acme' });
    const key = await cli(['keys', 'create', '--workspace', ws.id, '--name', 'ci'], env);
    expect(key.apiKey).toMatch(/^od_/);
    expect(key.id).toMatch(/^key_/);

    const listOutput = await cliOutput(['keys', 'list', '--workspace', ws.id], env);
    const listed = JSON.parse(listOutput);
    expect(listed).toHaveLength(1);
    expect(listed[0].prefix.length).toBeLessThan(key.apiKey.length / 2);
    expect(key.apiKey.startsWith(listed[0].prefix)).toBe(true);
    // The raw output, not just the parsed JSON: nothing of the key beyond its shown prefix.
    expect(listOutput).not.toContain(key.apiKey);
    expect(listOutput).not.toContain(key.apiKey.slice(listed[0].prefix.length));
    expect(listOutput).not.toContain(
      key.apiKey.slice(listed[0].prefix.length, listed[0].prefix.length + 8),
    );

    server = await startServer(env);
    const res = await fetch(`${server.baseUrl}/v1/api/workspace`, {
      headers: { 'x-api-key': key.apiKey, 'x-workspace-id': ws.id },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: ws.id, name: 'Acme', maxConcurrentCalls: 10 });
    expect(await stopServer(server)).toBe(0);
    server = undefined;

    const revokeOutput = await cliOutput(['keys', 'revoke', key.id], env);
    expect(JSON.parse(revokeOutput)).toEqual({ id: key.id, revoked: true });
    expect(revokeOutput).not.toContain(key.apiKey.slice(listed[0].prefix.length));
    server = await startServer(env);
    expect(await workspaceStatus(server.baseUrl, key.apiKey, ws.id)).toBe(401);
    expect(await stopServer(server)).toBe(0);
    server = undefined;
  }, 120_000);

  it('says clearly when a workspace does not exist', async () => {
    expect(await refused(['keys', 'create', '--workspace', 'ws_missing'], env)).toBe(
      'outdial: No workspace ws_missing\n',
    );
    expect(await refused(['keys', 'list', '--workspace', 'ws_missing'], env)).toBe(
      'outdial: No workspace ws_missing\n',
    );
  });
});

describe('admin commands while the embedded server runs', () => {
  const dirs: Array<{ remove(): void }> = [];
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await stopServer(server, 'SIGKILL');
    server = undefined;
    for (const d of dirs.splice(0)) d.remove();
  });
  const newDataDir = () => {
    const d = tempDir();
    dirs.push(d);
    return d.dir;
  };

  it('go to the server over its 0600 socket and take effect at once', async () => {
    const env = { OUTDIAL_DATA_DIR: newDataDir() };
    server = await startServer(env);
    const first = await waitForBanner(server);
    const socket = lstatSync(path.join(env.OUTDIAL_DATA_DIR, 'outdial.sock'));
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);

    expect((await cli(['workspaces', 'list'], env)).map((w: { id: string }) => w.id)).toEqual([
      first.workspaceId,
    ]);
    const ws = await cli(['workspaces', 'create', '--name', 'Beta'], env);
    const key = await cli(['keys', 'create', '--workspace', ws.id, '--name', 'ops'], env);
    expect(await workspaceStatus(server.baseUrl, key.apiKey, ws.id)).toBe(200);
    const listed = await cli(['keys', 'list', '--workspace', ws.id], env);
    expect(listed).toEqual([
      { id: key.id, workspaceId: ws.id, prefix: key.prefix, name: 'ops', createdAt: key.createdAt },
    ]);
    expect(await refused(['keys', 'list', '--workspace', 'ws_nope'], env)).toBe(
      'outdial: No workspace ws_nope\n',
    );

    expect(await cli(['keys', 'revoke', key.id], env)).toEqual({ id: key.id, revoked: true });
    expect(await workspaceStatus(server.baseUrl, key.apiKey, ws.id)).toBe(401);
    expect(await refused(['keys', 'revoke', key.id], env)).toBe(`outdial: No live key ${key.id}\n`);

    // The server ran them: its log names each, and never the key it made.
    const ops = logEntries(server.output())
      .filter((e) => e.msg === 'admin command')
      .map((e) => e.op);
    expect(ops).toEqual([
      'workspaces.list',
      'workspaces.create',
      'keys.create',
      'keys.list',
      'keys.revoke',
    ]);
    expect(server.output()).not.toContain(key.apiKey);
  }, 120_000);

  it('that cannot go to the server (migrate, export-db, import-db) say to stop it first', async () => {
    const env = { OUTDIAL_DATA_DIR: newDataDir() };
    server = await startServer(env);
    const dump = path.join(env.OUTDIAL_DATA_DIR, 'dump.jsonl');
    writeFileSync(dump, '');
    for (const args of [
      ['migrate'],
      ['export-db', '--out', `${dump}.out`],
      ['import-db', '--in', dump],
    ]) {
      const out = await refused(args, env);
      expect(out).toContain('stop the server first');
      expect(out).toContain(`(pid ${server.proc.pid})`);
      // Another data directory would be another database: never the advice.
      expect(out).not.toContain('OUTDIAL_DATA_DIR');
    }
  }, 120_000);

  it("after kill -9, open the directory past the dead server's socket; the next start serves again", async () => {
    const env = { OUTDIAL_DATA_DIR: newDataDir() };
    server = await startServer(env);
    const { workspaceId } = await waitForBanner(server);
    await stopServer(server, 'SIGKILL');
    server = undefined;
    expect(lstatSync(path.join(env.OUTDIAL_DATA_DIR, 'outdial.sock')).isSocket()).toBe(true);

    const key = await cli(['keys', 'create', '--workspace', workspaceId], env);
    server = await startServer(env);
    expect(await workspaceStatus(server.baseUrl, key.apiKey, workspaceId)).toBe(200);
    expect(await cli(['keys', 'revoke', key.id], env)).toEqual({ id: key.id, revoked: true });
    expect(await workspaceStatus(server.baseUrl, key.apiKey, workspaceId)).toBe(401);
  }, 120_000);

  it('reach a data directory whose socket path is too long for a Unix socket from nearby', async () => {
    // Deep enough that the absolute path passes the 107 bytes a socket path may have.
    const near = path.join(newDataDir(), 'a'.repeat(60), 'b'.repeat(40));
    mkdirSync(near, { recursive: true });
    const env = { OUTDIAL_DATA_DIR: 'data' };
    server = await startServer(env, [], { cwd: near });
    const { workspaceId } = await waitForBanner(server);
    const listed = await cli(['keys', 'list', '--workspace', workspaceId], env, { cwd: near });
    expect(listed).toHaveLength(1);

    // From far away, neither path fits: the command says why instead of waiting for a lock.
    const out = await refused(['workspaces', 'list'], {
      OUTDIAL_DATA_DIR: path.join(near, 'data'),
    });
    expect(out).toContain(`is in use by Outdial process ${server.proc.pid}`);
    expect(out).toContain('longer than a Unix socket allows');
    expect(out).not.toContain('OUTDIAL_DATA_DIR');
  }, 120_000);
});
