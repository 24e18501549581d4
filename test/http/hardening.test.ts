import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JSON_BODY_LIMIT } from '../../src/http/app.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Transport hardening of every route: no framework banner, security headers, and a body size
// limit that answers 413 in the documented shape before a handler sees the body.

// Upload routes are told apart by this limit: a size no route has for a reason of its own (the
// carrier callback form takes 64 KB).
const UPLOAD_LIMIT = 96 * 1024;

describeEachDb('HTTP hardening', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  const routes: Array<{ method: string; url: string; bodyLimit?: number }> = [];

  beforeAll(async () => {
    t = await createTestDb(backend);
    const collect = (r: RouteOptions) => {
      for (const method of [r.method].flat()) {
        routes.push({
          method: String(method),
          url: r.url,
          ...(r.bodyLimit === undefined ? {} : { bodyLimit: r.bodyLimit }),
        });
      }
    };
    h = await createTestApp(t.db, { maxUploadBytes: UPLOAD_LIMIT }, undefined, {
      onRoute: collect,
    });
    a = await seedTenant(t.db, h.clock.now(), 'A');
  });
  afterAll(() => closeApp(h, t));

  // Any id in a path: the limit and the headers come before the lookup.
  const concrete = (url: string) =>
    url.replace(/:(\w+)/g, (_, name: string) => (name === 'phone' ? '%2B15005550001' : 'x_1'));
  const apiRoutes = () =>
    routes.filter((r) => r.url.startsWith('/v1') && r.method !== 'HEAD' && r.method !== 'OPTIONS');

  it('sends no x-powered-by or server banner, and the security headers on every answer', async () => {
    expect(apiRoutes().length).toBeGreaterThanOrEqual(38);
    const samples = [
      ...apiRoutes().map((r) => ({ method: r.method, url: concrete(r.url), headers: a.headers })),
      { method: 'GET', url: '/v1/api/agents', headers: {} },
      { method: 'GET', url: '/healthz', headers: {} },
      { method: 'GET', url: '/no/such/route', headers: {} },
    ];
    for (const s of samples) {
      const res = await h.app.inject({ method: s.method as 'GET', url: s.url, headers: s.headers });
      const where = `${s.method} ${s.url} -> ${res.statusCode}`;
      expect(res.statusCode, where).toBeLessThan(500);
      expect(res.headers['x-powered-by'], where).toBeUndefined();
      expect(res.headers['server'], where).toBeUndefined();
      expect(res.headers['x-content-type-options'], where).toBe('nosniff');
      expect(res.headers['x-frame-options'], where).toBe('DENY');
      expect(res.headers['referrer-policy'], where).toBe('no-referrer');
      expect(res.headers['x-request-id'], where).toMatch(/^req_/);
      expect(res.headers['strict-transport-security'], where).toMatch(/^max-age=\d+/);
      expect(res.headers['content-security-policy'], where).toContain("default-src 'none'");
      if (s.url.startsWith('/v1')) expect(res.headers['cache-control'], where).toBe('no-store');
    }
  });

  it('every route that takes a body refuses one over its limit with 413, and nothing is written', async () => {
    const counts = async () =>
      (
        await t.db.query<{ n: number }>(
          `SELECT (SELECT count(*) FROM batches) + (SELECT count(*) FROM agents)
                + (SELECT count(*) FROM calls) AS n`,
        )
      )[0]!.n;
    const before = Number(await counts());
    const withBody = apiRoutes().filter((r) => r.method !== 'GET');
    expect(withBody.length).toBeGreaterThanOrEqual(10);
    for (const r of withBody) {
      const limit = r.bodyLimit ?? JSON_BODY_LIMIT;
      const filler = 'x'.repeat(limit + 1);
      const res = await h.app.inject({
        method: r.method as 'POST',
        url: concrete(r.url),
        headers: { ...a.headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: filler }),
      });
      const where = `${r.method} ${r.url}`;
      expect(res.statusCode, where).toBe(413);
      const body = res.json();
      expect(body.error, where).toBe(
        r.bodyLimit === UPLOAD_LIMIT ? 'File too large' : 'Payload Too Large',
      );
      expect(body.message, where).toContain(String(limit));
    }
    // Upload routes take the upload limit, not the JSON one.
    expect(withBody.filter((r) => r.bodyLimit === UPLOAD_LIMIT).length).toBeGreaterThanOrEqual(6);
    expect(Number(await counts())).toBe(before);
  });

  it('Swagger UI keeps the scripts it needs: /docs is the one place without the data CSP', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(String(res.headers['content-security-policy'] ?? '')).not.toContain(
      "default-src 'none'",
    );
  });

  it('a malformed URL gets the flat 400 with the usual headers, and is not echoed back', async () => {
    for (const url of ['/v1/api/batch-calls/%zz<script>', '/v1/api/agents/%C0%AF']) {
      const res = await h.app.inject({ method: 'GET', url, headers: a.headers });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toEqual({
        error: 'Bad Request',
        message: 'The request URL is malformed',
      });
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-request-id'], url).toMatch(/^req_/);
    }
  });

  it('a GET with a body over the limit is refused the same way, before authentication', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/api/batch-calls',
      headers: { ...a.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ filler: 'x'.repeat(JSON_BODY_LIMIT) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toBe('Payload Too Large');
    // Refused on its declared size before the key is looked at.
    const anonymous = await h.app.inject({
      method: 'POST',
      url: '/v1/api/agents',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ filler: 'x'.repeat(JSON_BODY_LIMIT) }),
    });
    expect(anonymous.statusCode).toBe(413);
  });
});
