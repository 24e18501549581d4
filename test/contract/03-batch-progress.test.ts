import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CallSpec, insertBatch, mixedCalls } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Contract §3 `GET /batch-calls/{batchId}/status`: §2's progress object flattened to the top
// level, plus status and isComplete; nothing else of §2 (no id, no progress wrapper, no ext).

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const keysOf = (o: object) => Object.keys(o).sort();

const FLAT = [
  'active',
  'averageCallDuration',
  'cancelled',
  'completed',
  'completedTime',
  'failed',
  'isComplete',
  'recent_calls',
  'status',
  'total',
  'waiting',
];

type Body = Record<string, any>;

describeEachDb('contract §3: batch progress', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    await h.clock.advance(600_000);
    a = await seedTenant(t.db, T0, 'A');
    const batch = async (key: string, calls: CallSpec[], extra: object = {}) => {
      const b = await insertBatch(t.db, {
        workspaceId: a.workspaceId,
        agentId: a.agentId,
        createdAt: T0,
        calls,
        ...extra,
      });
      ids[key] = b.id;
    };
    await batch('queued', [{ state: 'waiting' }], {
      name: 'Later',
      scheduledAt: T0 + 86_400_000,
    });
    await batch('processing', mixedCalls(T0), { name: 'January' });
    await batch(
      'completed',
      [{ state: 'completed', startTime: T0, endTime: T0 + 50_000, duration: 12.25 }],
      { name: 'Done' },
    );
    await batch('cancelled', [{ state: 'cancelled', cancelledAt: T0 + 10 }], {
      status: 'cancelled',
    });
  });
  afterAll(() => closeApp(h, t));

  const get = async (url: string): Promise<Body> => {
    const res = await h.app.inject({ method: 'GET', url, headers: a.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    return res.json();
  };

  it('is exactly §2 progress plus status and isComplete, status first', async () => {
    const expectedKeys: Record<string, string[]> = {
      queued: FLAT,
      processing: [...FLAT, 'lastCompletedTime', 'startTime'].sort(),
      completed: [...FLAT, 'lastCompletedTime', 'startTime'].sort(),
      cancelled: [...FLAT, 'lastCompletedTime'].sort(),
    };
    for (const [key, id] of Object.entries(ids)) {
      for (const prefix of ['/v1/api', '/v1']) {
        const flat = await get(`${prefix}/batch-calls/${id}/status`);
        const full = await get(`${prefix}/batch-calls/${id}`);
        expect(keysOf(flat), key).toEqual(expectedKeys[key]);
        expect(Object.keys(flat).slice(0, 2), key).toEqual(['status', 'isComplete']);
        expect(flat, key).toEqual({
          status: full.status,
          isComplete: full.isComplete,
          ...full.progress,
        });
        for (const absent of [
          'id',
          'progress',
          'totalCalls',
          'timestamp',
          'name',
          'agentId',
          'createdAt',
          'scheduledAt',
        ]) {
          expect(flat, `${key} ${absent}`).not.toHaveProperty(absent);
        }
      }
    }
  });

  it('types: integer counters that add up, a nullable completedTime, numeric durations', async () => {
    const running = await get(`/v1/api/batch-calls/${ids['processing']}/status`);
    expect(running).toMatchObject({
      status: 'processing',
      isComplete: false,
      waiting: 2,
      active: 1,
      completed: 1,
      failed: 1,
      cancelled: 2,
      total: 7,
      completedTime: null,
      startTime: T0 + 1_000,
      lastCompletedTime: T0 + 500_000,
      averageCallDuration: 42.5,
    });
    expect(running.recent_calls).toHaveLength(4);
    const done = await get(`/v1/api/batch-calls/${ids['completed']}/status`);
    expect(done).toMatchObject({
      status: 'completed',
      isComplete: true,
      completedTime: T0 + 50_000,
      averageCallDuration: 12.25,
    });
    expect(typeof done.averageCallDuration).toBe('number');
    expect(done.recent_calls).toEqual([
      {
        jobId: expect.stringMatching(/^call_[0-9a-z]{26}$/),
        status: 'completed',
        phone_number: '+15005550000',
        completedAt: T0 + 50_000,
        duration: 12.25,
      },
    ]);
    const queued = await get(`/v1/api/batch-calls/${ids['queued']}/status`);
    expect(queued).toEqual({
      status: 'queued',
      isComplete: false,
      waiting: 1,
      active: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      total: 1,
      completedTime: null,
      averageCallDuration: 0,
      recent_calls: [],
    });
  });

  it('404 as in §2', async () => {
    for (const prefix of ['/v1/api', '/v1']) {
      const res = await h.app.inject({
        method: 'GET',
        url: `${prefix}/batch-calls/batch_unknown/status`,
        headers: a.headers,
      });
      expect(res.statusCode).toBe(404);
      const body = res.json();
      expect(keysOf(body)).toEqual(['error', 'id', 'message']);
      expect(body).toMatchObject({ error: 'Batch not found', id: 'batch_unknown' });
      expect(typeof body.message).toBe('string');
    }
  });
});
