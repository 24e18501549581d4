import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// The per-workspace request limit (contract: Authentication and tenancy): 429 with the nested
// error body, Retry-After and x-ratelimit-* headers; time is the app's (fake) clock.

const WINDOW_MS = 60_000;

describe('OUTDIAL_RATE_LIMIT_PER_MIN', () => {
  it('defaults to 600, accepts 0 (off) and rejects junk', () => {
    expect(loadConfig({}).rateLimitPerMin).toBe(600);
    expect(loadConfig({ OUTDIAL_RATE_LIMIT_PER_MIN: '5' }).rateLimitPerMin).toBe(5);
    expect(loadConfig({ OUTDIAL_RATE_LIMIT_PER_MIN: '0' }).rateLimitPerMin).toBe(0);
    for (const bad of ['-1', '1.5', 'lots']) {
      expect(() => loadConfig({ OUTDIAL_RATE_LIMIT_PER_MIN: bad })).toThrow(ConfigError);
    }
  });
});

describeEachDb('rate limit per workspace', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db, { rateLimitPerMin: 3 });
    a = await seedTenant(t.db, h.clock.now(), 'A');
    b = await seedTenant(t.db, h.clock.now(), 'B');
  });
  afterAll(() => closeApp(h, t));

  const get = (url: string, who: Tenant | { headers: Record<string, string> }) =>
    h.app.inject({ method: 'GET', url, headers: who.headers });

  it('allows the limit, then answers 429 with the documented body and headers', async () => {
    // A fresh window for this test: the previous ones have expired.
    await h.clock.advance(WINDOW_MS);
    const start = h.clock.now();
    // Both prefixes and any route share the workspace's budget.
    const urls = ['/v1/api/agents', '/v1/agents', '/v1/api/batch-calls/batch_nope'];
    const remaining: string[] = [];
    for (const url of urls) {
      const res = await get(url, a);
      expect(res.statusCode).not.toBe(429);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(res.headers['x-ratelimit-reset']).toBe('60');
      remaining.push(String(res.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    await h.clock.advance(15_500);
    const res = await get('/v1/api/batch-calls/batch_nope', a);
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.json()).toEqual({
      error: {
        code: 'rate_limit_exceeded',
        message: 'Rate limit exceeded: 3 requests per minute for this workspace',
        reset_at: new Date(start + WINDOW_MS).toISOString(),
      },
    });
    expect(res.headers['retry-after']).toBe('45');
    expect(res.headers['x-ratelimit-limit']).toBe('3');
    expect(res.headers['x-ratelimit-remaining']).toBe('0');
    expect(res.headers['x-ratelimit-reset']).toBe('45');

    // Another workspace has its own budget.
    expect((await get('/v1/api/agents', b)).statusCode).toBe(200);

    // Refused requests do not extend the window; it reopens on time.
    await h.clock.advance(WINDOW_MS - 15_500 - 1);
    expect((await get('/v1/api/agents', a)).statusCode).toBe(429);
    await h.clock.advance(1);
    const again = await get('/v1/api/agents', a);
    expect(again.statusCode).toBe(200);
    expect(again.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('never limits the operations endpoints, and never answers 429 before auth', async () => {
    await h.clock.advance(WINDOW_MS);
    for (let i = 0; i < 3; i++) await get('/v1/api/agents', a);
    expect((await get('/v1/api/agents', a)).statusCode).toBe(429);
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      for (let i = 0; i < 5; i++) {
        const res = await h.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['x-ratelimit-limit'], url).toBeUndefined();
      }
    }
    // Who is asking comes first: a bad key is a 401, a missing workspace a 400.
    const unauth = await get('/v1/api/agents', {
      headers: { 'x-api-key': 'od_nope', 'x-workspace-id': a.workspaceId },
    });
    expect(unauth.statusCode).toBe(401);
    const noWs = await get('/v1/api/agents', { headers: { 'x-api-key': a.apiKey } });
    expect(noWs.json()).toEqual({ error: 'Missing x-workspace-id header' });
  });

  it('keeps its body shape on routes with response schemas and on every method', async () => {
    await h.clock.advance(WINDOW_MS);
    for (let i = 0; i < 3; i++) await get('/v1/api/agents', b);
    const responses = await Promise.all([
      get('/v1/api/batch-calls/batch_nope/calls/call_nope', b),
      h.app.inject({
        method: 'POST',
        url: '/v1/api/agents',
        headers: b.headers,
        payload: { name: 'Zed' },
      }),
      h.app.inject({ method: 'DELETE', url: '/v1/api/agents/agent_nope', headers: b.headers }),
    ]);
    for (const res of responses) {
      expect(res.statusCode).toBe(429);
      expect(Object.keys(res.json())).toEqual(['error']);
      expect(Object.keys(res.json().error)).toEqual(['code', 'message', 'reset_at']);
      expect(res.json().error.code).toBe('rate_limit_exceeded');
    }
    // The refused POST created nothing.
    await h.clock.advance(WINDOW_MS);
    expect(
      (await get('/v1/api/agents', b)).json().agents.map((x: { name: string }) => x.name),
    ).toEqual(['Ava']);
  });
});

describeEachDb('rate limit defaults', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, h.clock.now());
  });
  afterAll(() => closeApp(h, t));

  it('allows 600 requests a minute by default and names that limit', async () => {
    let last = '';
    for (let i = 0; i < 600; i++) {
      const res = await h.app.inject({ method: 'GET', url: '/v1/agents', headers: a.headers });
      expect(res.statusCode).toBe(200);
      last = String(res.headers['x-ratelimit-remaining']);
    }
    expect(last).toBe('0');
    const res = await h.app.inject({ method: 'GET', url: '/v1/agents', headers: a.headers });
    expect(res.statusCode).toBe(429);
    expect(res.json().error.message).toBe(
      'Rate limit exceeded: 600 requests per minute for this workspace',
    );
  });

  it('is off with a limit of 0', async () => {
    const off = await createTestApp(t.db, { rateLimitPerMin: 0 });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await off.app.inject({ method: 'GET', url: '/v1/agents', headers: a.headers });
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    } finally {
      await off.app.close();
    }
  });
});
