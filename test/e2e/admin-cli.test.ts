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

  async function cliOutput(args: string[]): Promise<string> {
    const run = runCli(args, env);
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    return run.output();
  }
  const cli = async (args: string[]) => JSON.parse(await cliOutput(args));

  it('creates a workspace and a key that the API accepts, lists it by prefix, revokes it', async () => {
    expect(await cli(['migrate'])).toEqual({ applied: expect.any(Array) });
    const ws = await cli(['workspaces', 'create', '--name', 'Acme']);
    expect(ws).toMatchObject({ id: expect.stringMatching(/^ws_/), name: 'Acme' });
    const key = await cli(['keys', 'create', '--workspace', ws.id, '--name', 'ci']);
    expect(key.apiKey).toMatch(/^od_/);
    expect(key.id).toMatch(/^key_/);

    const listOutput = await cliOutput(['keys', 'list', '--workspace', ws.id]);
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
    const headers = { 'x-api-key': key.apiKey, 'x-workspace-id': ws.id };
    const res = await fetch(`${server.baseUrl}/v1/api/workspace`, { headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: ws.id, name: 'Acme', maxConcurrentCalls: 10 });
    expect(await stopServer(server)).toBe(0);
    server = undefined;

    const revokeOutput = await cliOutput(['keys', 'revoke', key.id]);
    expect(JSON.parse(revokeOutput)).toEqual({ id: key.id, revoked: true });
    expect(revokeOutput).not.toContain(key.apiKey.slice(listed[0].prefix.length));
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
