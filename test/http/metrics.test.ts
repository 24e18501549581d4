import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/storage/db.js';
import { insertBatch, mixedCalls } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// §16 `GET /metrics`: Prometheus text with request durations by route pattern, the workspaces'
// calls by state and queue depth read from the database at scrape time, and process metrics.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const pick = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );

/** The database as seen through a connection that fails for queries matching `match`. */
function failing(db: Db, match: RegExp): Db {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return (text: string, params?: readonly unknown[]) =>
          match.test(text)
            ? Promise.reject(
                Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
              )
            : target.query(text, params);
      }
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describeEachDb('metrics (§16)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  let mixed: { id: string; callIds: string[] };

  beforeAll(async () => {
    t = await createTestDb(backend);
    // A limit of 1 request a minute: scraping must not count against any workspace.
    h = await createTestApp(t.db, { rateLimitPerMin: 1 });
    a = await seedTenant(t.db, T0, 'A');
    b = await seedTenant(t.db, T0, 'B');
    // A: one processing batch with a call in every state, and a completed one (not live).
    mixed = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
    await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'completed', startTime: T0, endTime: T0 + 60_000, duration: 30 }],
    });
    // B: a queued batch of three, and one call still finishing in a cancelled batch.
    await insertBatch(t.db, {
      workspaceId: b.workspaceId,
      agentId: b.agentId,
      createdAt: T0,
      scheduledAt: T0 + 3_600_000,
      calls: [{ state: 'waiting' }, { state: 'waiting' }, { state: 'waiting' }],
    });
    await insertBatch(t.db, {
      workspaceId: b.workspaceId,
      agentId: b.agentId,
      createdAt: T0,
      status: 'cancelled',
      calls: [
        { state: 'active', startTime: T0 },
        { state: 'cancelled', cancelledAt: T0 + 1 },
      ],
    });
  });

  afterAll(() => closeApp(h, t));

  const scrape = async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return { text: res.body, samples: parse(res.body) };
  };

  it('counts request durations by method, route pattern and status, never raw ids', async () => {
    const get = (url: string) => h.app.inject({ method: 'GET', url, headers: a.headers });
    expect((await get(`/v1/api/batch-calls/${mixed.id}`)).statusCode).toBe(200);
    expect((await get('/v1/batch-calls/batch_nope/status')).statusCode).toBe(429);
    expect((await h.app.inject({ method: 'GET', url: '/v1/api/nope/123' })).statusCode).toBe(404);
    const { text, samples } = await scrape();
    const count = (labels: Record<string, string>) =>
      pick(samples, 'outdial_http_request_duration_seconds_count', labels)[0]?.value;
    expect(
      count({ method: 'GET', route: '/v1/api/batch-calls/:batchId', status_code: '200' }),
    ).toBe(1);
    expect(
      count({ method: 'GET', route: '/v1/batch-calls/:batchId/status', status_code: '429' }),
    ).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    const buckets = pick(samples, 'outdial_http_request_duration_seconds_bucket', {
      route: '/v1/api/batch-calls/:batchId',
    });
    expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: 1 });
    expect(text).not.toContain(mixed.id);
    expect(text).not.toContain('batch_nope');
    expect(text).not.toContain('/v1/api/nope');
  });

  it("reads each workspace's calls by state, queue depth and active calls from the database", async () => {
    const { samples } = await scrape();
    const value = (name: string, labels: Record<string, string>) =>
      pick(samples, name, labels).map((s) => s.value);
    // Live batches only: A's completed batch does not count, B's cancelled one neither.
    const byState = (ws: string) =>
      Object.fromEntries(
        pick(samples, 'outdial_calls', { workspace_id: ws }).map((s) => [
          s.labels['state'],
          s.value,
        ]),
      );
    expect(byState(a.workspaceId)).toEqual({
      waiting: 2,
      active: 1,
      completed: 1,
      failed: 1,
      cancelled: 2,
    });
    expect(byState(b.workspaceId)).toEqual({
      waiting: 3,
      active: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
    });
    expect(value('outdial_queue_depth', { workspace_id: a.workspaceId })).toEqual([2]);
    expect(value('outdial_queue_depth', { workspace_id: b.workspaceId })).toEqual([3]);
    // Active calls are exact, the cancelled batch's call still finishing included.
    expect(value('outdial_active_calls', { workspace_id: a.workspaceId })).toEqual([1]);
    expect(value('outdial_active_calls', { workspace_id: b.workspaceId })).toEqual([1]);
    expect(value('outdial_database_up', {})).toEqual([1]);
  });

  it('includes the process metrics and needs no key, whatever the rate limit', async () => {
    for (let i = 0; i < 3; i++) {
      const { samples } = await scrape();
      expect(pick(samples, 'outdial_process_cpu_user_seconds_total')).toHaveLength(1);
      expect(pick(samples, 'outdial_nodejs_heap_size_used_bytes')).toHaveLength(1);
    }
  });

  it('keeps one registry per app: another app does not report these requests', async () => {
    const other = await createTestApp(t.db);
    try {
      const res = await other.app.inject({ method: 'GET', url: '/metrics' });
      const samples = parse(res.body);
      const routes = pick(samples, 'outdial_http_request_duration_seconds_count').map(
        (s) => s.labels['route'],
      );
      expect(routes).toEqual([]);
      // Process metrics are the process's: the same series, once.
      expect(pick(samples, 'outdial_process_cpu_user_seconds_total')).toHaveLength(1);
    } finally {
      await other.app.close();
    }
  });

  it('still answers when the database cannot be read, saying so', async () => {
    const down = await createTestApp(failing(t.db, /batch_progress|FROM calls/));
    try {
      const res = await down.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      const samples = parse(res.body);
      expect(pick(samples, 'outdial_database_up').map((s) => s.value)).toEqual([0]);
      expect(pick(samples, 'outdial_calls')).toEqual([]);
      expect(pick(samples, 'outdial_queue_depth')).toEqual([]);
    } finally {
      await down.app.close();
    }
  });
});

describeEachDb('metrics behind a bearer token (OUTDIAL_METRICS_TOKEN)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  afterAll(() => closeApp(h, t));

  it('refuses a scrape without the token or with another one, and serves it with the token', async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db, { metricsToken: 'scrape-token-1' });
    const scrape = (authorization?: string) =>
      h.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization === undefined ? {} : { authorization },
      });
    for (const auth of [
      undefined,
      'Bearer scrape-token-2',
      'scrape-token-1',
      'Bearer scrape-token-10',
    ]) {
      const res = await scrape(auth);
      expect(res.statusCode, String(auth)).toBe(401);
      expect(res.json().error).toBe('Unauthorized');
      expect(res.body).not.toContain('outdial_');
    }
    const ok = await scrape('Bearer scrape-token-1');
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('outdial_database_up 1');
  });
});
