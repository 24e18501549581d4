import { afterEach, expect, it } from 'vitest';
import { generateApiKey } from '../../src/domain/api-key.js';
import { type ApiFixture, apiFixture } from '../support/api-fixture.js';
import { describeEachDb } from '../support/databases.js';
import { closeApp } from '../support/http.js';

// Failed authentications are limited per client address: past the limit, keys this process has not
// verified recently get 429 (no lookup), other addresses are unaffected, the window reopens.

const T0 = Date.UTC(2026, 10, 30, 12);
const LIMIT = 3;

describeEachDb('failed-auth limit per client address', (backend) => {
  let f: ApiFixture;
  afterEach(() => closeApp(f.h, f.t));

  const get = (headers: Record<string, string>, remoteAddress = '203.0.113.7', extra = {}) =>
    f.h.app.inject({
      method: 'GET',
      url: '/v1/api/agents',
      headers: { ...headers, ...extra },
      remoteAddress,
    });
  const wrong = () => ({ 'x-api-key': generateApiKey(), 'x-workspace-id': f.a.workspaceId });

  it('answers 429 in the documented shape once an address has sent too many wrong keys', async () => {
    f = await apiFixture(backend, T0, { authFailuresPerMin: LIMIT });
    const started = f.h.clock.now();
    // A key verified before the flood keeps working through it (shared addresses: NAT, proxies).
    expect((await get(f.a.headers)).statusCode).toBe(200);
    // Missing keys cost no lookup and do not count.
    for (let i = 0; i < LIMIT + 2; i++) {
      expect((await get({ 'x-workspace-id': f.a.workspaceId })).statusCode).toBe(401);
    }
    for (let i = 0; i < LIMIT; i++) expect((await get(wrong())).statusCode).toBe(401);

    const limited = await get(wrong());
    expect(limited.statusCode).toBe(429);
    const body = limited.json();
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'reset_at']);
    expect(body.error.code).toBe('rate_limit_exceeded');
    expect(body.error.message).toMatch(/wrong API key/);
    expect(body.error.reset_at).toBe(new Date(started + 60_000).toISOString());
    expect(limited.headers['retry-after']).toBe('60');

    expect((await get(f.a.headers)).statusCode).toBe(200);
    // A real key this process has not verified yet is not looked up either while blocked.
    expect((await get(f.b.headers)).statusCode).toBe(429);
    // Another address is not affected.
    expect((await get(wrong(), '198.51.100.9')).statusCode).toBe(401);
    expect((await get(f.b.headers, '198.51.100.9')).statusCode).toBe(200);

    await f.h.clock.advance(60_000);
    expect((await get(wrong())).statusCode).toBe(401);
  });

  it('0 turns it off', async () => {
    f = await apiFixture(backend, T0, { authFailuresPerMin: 0 });
    for (let i = 0; i < 20; i++) expect((await get(wrong())).statusCode).toBe(401);
  });

  it('behind a trusted proxy the forwarded address is the source; otherwise it is ignored', async () => {
    f = await apiFixture(backend, T0, { authFailuresPerMin: LIMIT, trustProxy: true });
    const via = (client: string) => ({ 'x-forwarded-for': client });
    for (let i = 0; i < LIMIT; i++) await get(wrong(), '10.0.0.2', via('203.0.113.50'));
    expect((await get(wrong(), '10.0.0.2', via('203.0.113.50'))).statusCode).toBe(429);
    expect((await get(wrong(), '10.0.0.2', via('203.0.113.51'))).statusCode).toBe(401);
    await closeApp(f.h, f.t);

    f = await apiFixture(backend, T0, { authFailuresPerMin: LIMIT });
    for (let i = 0; i < LIMIT; i++) await get(wrong(), '10.0.0.2', via(`203.0.113.${i}`));
    // Untrusted, a forged header cannot spread one client over many sources.
    expect((await get(wrong(), '10.0.0.2', via('203.0.113.99'))).statusCode).toBe(429);
  });
});
