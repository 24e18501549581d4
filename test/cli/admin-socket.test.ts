// The admin socket a running embedded server serves: real HTTP over a real Unix socket, answered
// by the same operations the CLI runs directly, on both databases.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { askAdminSocket } from '../../src/cli/admin-socket-client.js';
import { type AdminSocket, serveAdminSocket } from '../../src/cli/admin-socket-server.js';
import { KEYS_CHANNEL } from '../../src/storage/api-keys-repo.js';
import { tempDir } from '../support/cli.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';

const NOW = 1_700_000_000_000;

function capturingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  return { log, lines };
}

/** A raw request on the socket, for what the client never sends. */
function raw(file: string, method: string, url: string, body: string) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request({ socketPath: file, method, path: url }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describeEachDb('admin socket', (backend) => {
  let t: TestDb;
  let socket: AdminSocket | undefined;
  const dir = tempDir('outdial-sock-');
  afterEach(async () => {
    await socket?.close();
    socket = undefined;
    await t?.close();
  });

  const serve = async (dataDir = dir.dir) => {
    const { log, lines } = capturingLog();
    socket = await serveAdminSocket({ db: t.db, secrets: {}, now: () => NOW }, dataDir, log);
    return lines;
  };

  it('runs the admin operations for the CLI, from a 0600 socket removed on close', async () => {
    t = await createTestDb(backend);
    const lines = await serve();
    expect(socket?.file).toBe(path.join(dir.dir, 'outdial.sock'));
    const stat = lstatSync(socket!.file);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);

    const ws = await askAdminSocket(dir.dir, 'workspaces.create', { name: 'Acme' });
    expect(ws).toEqual({
      answered: true,
      ok: true,
      body: expect.objectContaining({ id: expect.stringMatching(/^ws_/), name: 'Acme' }),
    });
    const wsId = (ws as { body: { id: string } }).body.id;
    const key = await askAdminSocket(dir.dir, 'keys.create', { workspace: wsId });
    const created = (key as { body: { id: string; apiKey: string } }).body;
    expect(created.apiKey).toMatch(/^od_/);

    // A revocation reaches every API process's key cache, this one's included.
    const revoked: string[] = [];
    const unlisten = await t.db.listen(KEYS_CHANNEL, (id) => revoked.push(id));
    expect(await askAdminSocket(dir.dir, 'keys.revoke', { keyId: created.id })).toEqual({
      answered: true,
      ok: true,
      body: { id: created.id, revoked: true },
    });
    await expect.poll(() => revoked).toEqual([created.id]);
    await unlisten();

    expect(await askAdminSocket(dir.dir, 'keys.list', { workspace: 'ws_nope' })).toEqual({
      answered: true,
      ok: false,
      body: { error: 'Not Found', message: 'No workspace ws_nope' },
    });
    // The log names each operation, never a key.
    expect(lines.filter((l) => l['msg'] === 'admin command').map((l) => l['op'])).toEqual([
      'workspaces.create',
      'keys.create',
      'keys.revoke',
    ]);
    expect(JSON.stringify(lines)).not.toContain(created.apiKey);

    const file = socket!.file;
    await socket!.close();
    socket = undefined;
    expect(() => lstatSync(file)).toThrow(/ENOENT/);
    expect(await askAdminSocket(dir.dir, 'workspaces.list', {})).toEqual({ answered: false });
  });

  it('answers what is not an admin operation with the flat error shape', async () => {
    t = await createTestDb(backend);
    await serve();
    const file = socket!.file;
    expect(await raw(file, 'POST', '/keys.list', '{not json')).toEqual({
      status: 400,
      body: { error: 'Bad Request', message: 'The arguments are not JSON' },
    });
    expect(await raw(file, 'POST', '/keys.list', '{"workspace": 1}')).toEqual({
      status: 400,
      body: { error: 'Bad Request', message: 'workspace must be a string' },
    });
    expect(await raw(file, 'GET', '/workspaces.list', '')).toMatchObject({ status: 404 });
    expect(await raw(file, 'POST', '/constructor', '{}')).toMatchObject({ status: 404 });
    expect(await raw(file, 'POST', '/migrate', '{}')).toEqual({
      status: 404,
      body: { error: 'Not Found', message: 'No admin operation POST /migrate' },
    });
  });

  it("replaces a dead process's socket, and leaves alone a file that is not a socket", async () => {
    t = await createTestDb(backend);
    const stale = tempDir('outdial-sock-');
    // A socket file nobody listens on any more, as kill -9 leaves it.
    const owner = spawn(
      process.execPath,
      [
        '-e',
        "require('net').createServer().listen(process.argv[1], () => console.log('up'))",
        path.join(stale.dir, 'outdial.sock'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await once(owner.stdout!, 'data');
    owner.kill('SIGKILL');
    await once(owner, 'exit');
    expect(lstatSync(path.join(stale.dir, 'outdial.sock')).isSocket()).toBe(true);
    expect(await askAdminSocket(stale.dir, 'workspaces.list', {})).toEqual({ answered: false });
    await serve(stale.dir);
    expect(await askAdminSocket(stale.dir, 'workspaces.list', {})).toEqual({
      answered: true,
      ok: true,
      body: [],
    });
    await socket!.close();
    socket = undefined;
    stale.remove();

    const odd = tempDir('outdial-sock-');
    mkdirSync(odd.dir, { recursive: true });
    writeFileSync(path.join(odd.dir, 'outdial.sock'), 'not a socket');
    const lines = await serve(odd.dir);
    expect(socket).toBeUndefined();
    expect(lines.map((l) => l['msg'])).toEqual([
      expect.stringMatching(/^admin socket not served: .*outdial\.sock exists and is not a socket/),
    ]);
    odd.remove();
  });
});
