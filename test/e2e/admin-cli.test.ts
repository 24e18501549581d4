// `outdial workspaces create`, `keys create|list|revoke` and `migrate`, run as a user would, then
// the created key used against a real server.
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type Server, startServer, stopServer, tempDir } from '../support/cli.js';

describe('admin commands on the embedded database', () => {
  const data = tempDir();
  const env = { OUTDIAL_DATA_DIR: data.dir };
  let server: Server | undefined;
  afterAll(async () => {
    if (server) await stopServer(server);
    data.remove();
  });

  async function cli(args: string[]) {
    const run = runCli(args, env);
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    return JSON.parse(run.output());
  }

  it('creates a workspace and a key that the API accepts, lists it by prefix, revokes it', async () => {
    expect(await cli(['migrate'])).toEqual({ applied: expect.any(Array) });
    const ws = await cli(['workspaces', 'create', '--name', 'Acme']);
    expect(ws).toMatchObject({ id: expect.stringMatching(/^ws_/), name: 'Acme' });
    const key = await cli(['keys', 'create', '--workspace', ws.id, '--name', 'ci']);
    expect(key.apiKey).toMatch(/^od_/);
    expect(key.id).toMatch(/^key_/);

    const listed = await cli(['keys', 'list', '--workspace', ws.id]);
    expect(listed).toHaveLength(1);
    expect(listed[0].prefix.length).toBeLessThan(key.apiKey.length / 2);
    expect(JSON.stringify(listed)).not.toContain(key.apiKey);

    server = await startServer(env);
    const headers = { 'x-api-key': key.apiKey, 'x-workspace-id': ws.id };
    const res = await fetch(`${server.baseUrl}/v1/api/workspace`, { headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: ws.id, name: 'Acme', maxConcurrentCalls: 10 });
    expect(await stopServer(server)).toBe(0);
    server = undefined;

    expect(await cli(['keys', 'revoke', key.id])).toEqual({ id: key.id, revoked: true });
    server = await startServer(env);
    const after = await fetch(`${server.baseUrl}/v1/api/workspace`, { headers });
    expect(after.status).toBe(401);
    expect(await stopServer(server)).toBe(0);
    server = undefined;
  }, 120_000);

  it('says clearly when a workspace does not exist', async () => {
    const run = runCli(['keys', 'create', '--workspace', 'ws_missing'], env);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('No workspace ws_missing');
  });
});
