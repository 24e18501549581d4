import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CallSpec, insertBatch, mixedCalls } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Contract §2 `GET /batch-calls/{batchId}`: which keys are present or absent in each batch state,
// their types, and the 404 body. Values in detail: test/http/batch-read.test.ts.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const NOW = T0 + 3_600_000;
const keysOf = (o: object) => Object.keys(o).sort();

const TOP = [
  'agentId',
  'createdAt',
  'id',
  'isComplete',
  'progress',
  'status',
  'timestamp',
  'totalCalls',
];
const PROGRESS = [
  'active',
  'averageCallDuration',
  'cancelled',
  'completed',
  'completedTime',
  'failed',
  'recent_calls',
  'total',
  'waiting',
];
const RECENT: Record<string, string[]> = {
  completed: ['completedAt', 'duration', 'jobId', 'phone_number', 'status'],
  failed: ['error', 'failedAt', 'jobId', 'phone_number', 'status'],
  cancelled: ['cancelledAt', 'error', 'jobId', 'phone_number', 'status'],
};

type Body = Record<string, any>;

describeEachDb('contract §2: batch status', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    await h.clock.advance(NOW - h.clock.now());
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
    const done = (i: number): CallSpec => ({
      state: 'completed',
      startTime: T0 + i,
      endTime: T0 + 60_000 + i,
      duration: 10 + i,
    });
    await batch('scheduled', [{ state: 'waiting' }, { state: 'waiting' }], {
      name: 'Later',
      scheduledAt: T0 + 86_400_000,
    });
    await batch('queued', [{ state: 'waiting' }]);
    await batch('processing', mixedCalls(T0), { name: 'January' });
    await batch('completed', [done(0), done(1), done(2)]);
    await batch(
      'cancelledActive',
      [
        { state: 'active', startTime: T0 },
        { state: 'cancelled', cancelledAt: T0 + 10 },
      ],
      { status: 'cancelled' },
    );
    await batch('cancelledIdle', [{ state: 'cancelled', cancelledAt: T0 + 10, error: null }], {
      status: 'cancelled',
    });
    await batch('failed', [{ state: 'waiting' }], { status: 'failed' });
  });
  afterAll(() => closeApp(h, t));

  const status = async (key: string, prefix = '/v1/api'): Promise<Body> => {
    const res = await h.app.inject({
      method: 'GET',
      url: `${prefix}/batch-calls/${ids[key]}`,
      headers: a.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    return res.json();
  };

  /** The types every §2 body has, whatever its state. */
  function expectTypes(body: Body, key: string) {
    expect(body.id).toBe(ids[key]);
    expect(body.id).toMatch(/^batch_[0-9a-z]{26}$/);
    expect(['queued', 'processing', 'completed', 'cancelled', 'failed']).toContain(body.status);
    expect(typeof body.isComplete).toBe('boolean');
    expect(Number.isInteger(body.totalCalls)).toBe(true);
    expect(body.timestamp).toBe(NOW);
    expect(body.agentId).toBe(a.agentId);
    expect(body.createdAt).toBe(T0);
    const p = body.progress;
    for (const k of ['waiting', 'active', 'completed', 'failed', 'cancelled', 'total']) {
      expect(Number.isInteger(p[k]), k).toBe(true);
    }
    expect(p.waiting + p.active + p.completed + p.failed + p.cancelled).toBe(p.total);
    expect(p.total).toBe(body.totalCalls);
    expect(typeof p.averageCallDuration).toBe('number');
    expect(p.completedTime === null || Number.isInteger(p.completedTime)).toBe(true);
    expect(Array.isArray(p.recent_calls)).toBe(true);
    for (const c of p.recent_calls) {
      const expected = [...RECENT[c.status]!];
      if (c.status === 'cancelled' && !('error' in c))
        expected.splice(expected.indexOf('error'), 1);
      expect(keysOf(c)).toEqual(expected);
      expect(c.jobId).toMatch(/^call_[0-9a-z]{26}$/);
      expect(c.phone_number).toMatch(/^\+[1-9][0-9]{6,14}$/);
      for (const k of ['completedAt', 'failedAt', 'cancelledAt']) {
        if (k in c) expect(Number.isInteger(c[k]), k).toBe(true);
      }
      if ('duration' in c) expect(typeof c.duration).toBe('number');
      if ('error' in c) expect(typeof c.error).toBe('string');
    }
  }

  it('queued: no startTime, no lastCompletedTime, completedTime null; ext fields when set', async () => {
    const scheduled = await status('scheduled');
    expectTypes(scheduled, 'scheduled');
    expect(keysOf(scheduled)).toEqual([...TOP, 'name', 'scheduledAt'].sort());
    expect(keysOf(scheduled.progress)).toEqual(PROGRESS);
    expect(scheduled).toMatchObject({ status: 'queued', isComplete: false, name: 'Later' });
    expect(scheduled.scheduledAt).toBe(T0 + 86_400_000);
    expect(scheduled.progress).toMatchObject({ completedTime: null, averageCallDuration: 0 });
    expect(scheduled.progress.recent_calls).toEqual([]);

    const plain = await status('queued');
    expectTypes(plain, 'queued');
    // No name and no schedule: absent, never null.
    expect(keysOf(plain)).toEqual(TOP);
  });

  it('processing: startTime and lastCompletedTime appear, completedTime stays null', async () => {
    const body = await status('processing');
    expectTypes(body, 'processing');
    expect(keysOf(body)).toEqual([...TOP, 'name'].sort());
    expect(keysOf(body.progress)).toEqual([...PROGRESS, 'lastCompletedTime', 'startTime'].sort());
    expect(body).toMatchObject({ status: 'processing', isComplete: false, totalCalls: 7 });
    expect(body.progress).toMatchObject({
      waiting: 2,
      active: 1,
      completed: 1,
      failed: 1,
      cancelled: 2,
      total: 7,
      completedTime: null,
      averageCallDuration: 42.5,
    });
    expect(body.progress.recent_calls.map((c: Body) => c.status)).toEqual([
      'cancelled',
      'cancelled',
      'failed',
      'completed',
    ]);
  });

  it('completed: completedTime is a time and isComplete is true', async () => {
    const body = await status('completed');
    expectTypes(body, 'completed');
    expect(keysOf(body.progress)).toEqual([...PROGRESS, 'lastCompletedTime', 'startTime'].sort());
    expect(body).toMatchObject({ status: 'completed', isComplete: true });
    expect(body.progress.completedTime).toBe(T0 + 60_002);
    expect(body.progress.averageCallDuration).toBe(11);
  });

  it('cancelled is complete once no call is active; failed is complete', async () => {
    const active = await status('cancelledActive');
    expectTypes(active, 'cancelledActive');
    expect([active.status, active.isComplete]).toEqual(['cancelled', false]);
    const idle = await status('cancelledIdle');
    expectTypes(idle, 'cancelledIdle');
    expect([idle.status, idle.isComplete]).toEqual(['cancelled', true]);
    // Never dialed: no startTime; one terminal call: lastCompletedTime.
    expect(keysOf(idle.progress)).toEqual([...PROGRESS, 'lastCompletedTime'].sort());
    expect(keysOf(idle.progress.recent_calls[0])).toEqual([
      'cancelledAt',
      'jobId',
      'phone_number',
      'status',
    ]);
    const failed = await status('failed');
    expectTypes(failed, 'failed');
    expect([failed.status, failed.isComplete]).toEqual(['failed', true]);
  });

  it('both prefixes answer the same body', async () => {
    for (const key of Object.keys(ids)) {
      expect(await status(key, '/v1')).toEqual(await status(key));
    }
  });

  it('404 {"error":"Batch not found","message","id"} for an unknown id', async () => {
    for (const prefix of ['/v1/api', '/v1']) {
      const res = await h.app.inject({
        method: 'GET',
        url: `${prefix}/batch-calls/batch_unknown`,
        headers: a.headers,
      });
      expect(res.statusCode).toBe(404);
      const body = res.json();
      expect(keysOf(body)).toEqual(['error', 'id', 'message']);
      expect(body.error).toBe('Batch not found');
      expect(body.id).toBe('batch_unknown');
      expect(typeof body.message).toBe('string');
    }
  });
});
