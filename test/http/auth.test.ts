import { afterEach, expect, it } from 'vitest';
import { listApiKeys, revokeApiKey } from '../../src/storage/api-keys-repo.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type TestApp } from '../support/http.js';

describeEachDb('auth (contract: Authentication and tenancy)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  afterEach(() => closeApp(h, t));

  async function setup() {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    const a = await seedTenant(t.db, h.clock.now(), 'A');
    const b = await seedTenant(t.db, h.clock.now(), 'B');
    return { a, b };
  }

  it('401 without a key, with an unknown key', async () => {
    const { a } = await setup();
    for (const headers of [
      { 'x-workspace-id': a.workspaceId },
      { 'x-workspace-id': a.workspaceId, 'x-api-key': 'od_nope' },
    ]) {
      const res = await h.app.inject({ method: 'GET', url: '/v1/api/agents/agent_x', headers });
      expect(res.statusCode).toBe(401);
      const body = res.json();
      expect(body.error).toBe('Unauthorized');
      expect(typeof body.message).toBe('string');
    }
  });

  it('400 with the exact body when x-workspace-id is missing', async () => {
    const { a } = await setup();
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/api/agents/agent_x',
      headers: { 'x-api-key': a.apiKey },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'Missing x-workspace-id header' });
  });

  it('403 when the key is valid but not for that workspace, on both prefixes', async () => {
    const { a, b } = await setup();
    for (const url of ['/v1/api/agents/agent_x', '/v1/agents/agent_x']) {
      const res = await h.app.inject({
        method: 'GET',
        url,
        headers: { 'x-api-key': a.apiKey, 'x-workspace-id': b.workspaceId },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toBe('Forbidden');
    }
  });

  it('operations endpoints need no key', async () => {
    await setup();
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('a revoked key stops working at once, even after it was verified and cached', async () => {
    const { a } = await setup();
    const get = () => h.app.inject({ method: 'GET', url: '/v1/api/workspace', headers: a.headers });
    expect((await get()).statusCode).toBe(200);
    expect((await get()).statusCode).toBe(200);
    const [key] = await listApiKeys(t.db, a.workspaceId);
    expect(await revokeApiKey(t.db, key!.id, h.clock.now())).toBe(true);
    // The revocation reaches the cache through NOTIFY, delivered asynchronously on PostgreSQL.
    let status = 0;
    for (let i = 0; i < 100 && status !== 401; i++) {
      status = (await get()).statusCode;
      if (status !== 401) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
    expect((await get()).json()).toEqual({
      error: 'Unauthorized',
      message: 'Invalid or revoked API key',
    });
  });
});
