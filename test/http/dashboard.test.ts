import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../../src/http/dashboard/dashboard-routes.js';
import { createTestDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// The dashboard's files at / (no key: the page holds no data), each with the page's own strict
// CSP; every API answer keeps the data CSP. A built dashboard of our own making, so this runs
// without `npm run build`; the real build is exercised by test/browser/.

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script>' +
  '<link rel="stylesheet" href="/assets/index-def456.css"></head><body><div id="app"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

function builtDashboard(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'outdial-web-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), INDEX);
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), SCRIPT);
  writeFileSync(path.join(dir, 'assets', 'index-def456.css'), 'body{margin:0}');
  writeFileSync(path.join(dir, 'assets', 'index-abc123.js.map'), '{}');
  return dir;
}

const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

describe('dashboard files and their headers', () => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let dir: string;

  beforeAll(async () => {
    dir = builtDashboard();
    t = await createTestDb('pglite');
    h = await createTestApp(t.db, {}, undefined, { dashboardDir: dir });
    a = await seedTenant(t.db, Date.now());
  });
  afterAll(async () => {
    await closeApp(h, t);
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'GET', url, headers });

  it('serves the page at / without a key, under a strict CSP of its own', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe(INDEX);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toBe(DASHBOARD_CSP);
    const directives = Object.fromEntries(
      csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]),
    );
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'connect-src': "'self'",
      'frame-ancestors': "'none'",
      'base-uri': "'none'",
      'form-action': "'self'",
      'object-src': "'none'",
    });
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    // The page is asked for again each time (it names the current assets), never framed.
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves each built file with its type; hashed assets forever, gzipped when asked', async () => {
    const js = await get('/assets/index-abc123.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(js.body).toBe(SCRIPT);
    const gz = await get('/assets/index-abc123.js', { 'accept-encoding': 'gzip, br' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['vary']).toBe('accept-encoding');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(SCRIPT);
    const css = await get('/assets/index-def456.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
    // Unchanged since the browser's copy: 304, no body.
    const again = await get('/assets/index-abc123.js', {
      'if-none-match': String(js.headers['etag']),
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers nothing else: other paths, source maps and traversal are the JSON 404', async () => {
    for (const url of [
      '/assets/nope.js',
      '/assets/index-abc123.js.map',
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/index.html',
      '/batches',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/^application\/json/);
      expect(res.headers['content-security-policy'], url).toBe(DATA_CSP);
    }
  });

  it('API answers keep the data CSP', async () => {
    const res = await get('/v1/api/workspace', a.headers);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBe(DATA_CSP);
    expect(res.headers['cache-control']).toBe('no-store');
    const unauthorized = await get('/v1/api/workspace');
    expect(unauthorized.headers['content-security-policy']).toBe(DATA_CSP);
  });

  it('is not in the OpenAPI document (it is not API)', async () => {
    const doc = (await get('/openapi.json')).json();
    expect(Object.keys(doc.paths)).not.toContain('/');
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/assets'))).toEqual([]);
  });
});

describe('dashboard not built', () => {
  it('says how to build it, in the flat error shape', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'outdial-web-'));
    const t = await createTestDb('pglite');
    const h = await createTestApp(t.db, {}, undefined, { dashboardDir: empty });
    try {
      const res = await h.app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        error: 'Dashboard not built',
        message: expect.stringContaining('npm run build'),
      });
      expect(res.headers['content-security-policy']).toBe(DATA_CSP);
    } finally {
      await closeApp(h, t);
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
