import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiFixture } from '../support/api-fixture.js';
import { type BatchSpec, insertBatch } from '../support/batch-fixtures.js';
import { describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, type Tenant, type TestApp } from '../support/http.js';

// §13 (ext) `GET /batch-calls`: the workspace's batches, newest first, paged and filtered.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const MIN = 60_000;

describeEachDb('list batches (§13)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  const ids: Record<string, string> = {};

  const add = async (key: string, spec: Omit<BatchSpec, 'workspaceId' | 'agentId'>, who = a) => {
    ids[key] = (
      await insertBatch(t.db, { workspaceId: who.workspaceId, agentId: who.agentId, ...spec })
    ).id;
  };

  // Creation order (oldest first) differs from the alphabetical order of the keys on purpose.
  beforeAll(async () => {
    ({ t, h, a, b } = await apiFixture(backend, T0));
    await add('completed', {
      createdAt: T0,
      name: 'Done',
      calls: [{ state: 'completed', startTime: T0 + 1000, endTime: T0 + 50_000, duration: 30 }],
    });
    await add('cancelledActive', {
      createdAt: T0 + MIN,
      status: 'cancelled',
      calls: [
        { state: 'active', startTime: T0 + MIN + 1000 },
        { state: 'cancelled', cancelledAt: T0 + 2 * MIN },
      ],
    });
    await add('failed', {
      createdAt: T0 + 2 * MIN,
      status: 'failed',
      calls: [{ state: 'waiting' }],
    });
    await add('cancelledDone', {
      createdAt: T0 + 3 * MIN,
      status: 'cancelled',
      calls: [{ state: 'cancelled', cancelledAt: T0 + 4 * MIN }],
    });
    await add('processing', {
      createdAt: T0 + 4 * MIN,
      calls: [{ state: 'active', startTime: T0 + 4 * MIN + 1 }, { state: 'waiting' }],
    });
    await add('scheduled', {
      createdAt: T0 + 5 * MIN,
      name: 'Later',
      scheduledAt: T0 + 24 * 60 * MIN,
      calls: [{ state: 'waiting' }, { state: 'waiting' }, { state: 'waiting' }],
    });
    await add('otherWorkspace', { createdAt: T0 + 6 * MIN, calls: [{ state: 'waiting' }] }, b);
  });
  afterAll(() => closeApp(h, t));

  const list = async (query = '', who = a) => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls${query}`,
      headers: who.headers,
    });
    return { status: res.statusCode, body: res.json() };
  };

  it('lists the workspace’s batches newest first, each with exactly its fields', async () => {
    const { status, body } = await list();
    expect(status).toBe(200);
    const item = (key: string, rest: object, createdAt: number, scheduledAt?: number) => ({
      id: ids[key],
      ...rest,
      createdAt,
      ...(scheduledAt === undefined ? {} : { scheduledAt }),
      agentId: a.agentId,
    });
    expect(body).toEqual({
      batches: [
        item(
          'scheduled',
          { name: 'Later', status: 'queued', isComplete: false, totalCalls: 3 },
          T0 + 5 * MIN,
          T0 + 24 * 60 * MIN,
        ),
        item(
          'processing',
          { status: 'processing', isComplete: false, totalCalls: 2 },
          T0 + 4 * MIN,
        ),
        item(
          'cancelledDone',
          { status: 'cancelled', isComplete: true, totalCalls: 1 },
          T0 + 3 * MIN,
        ),
        item('failed', { status: 'failed', isComplete: true, totalCalls: 1 }, T0 + 2 * MIN),
        // Cancelled, but a call it let finish is still active.
        item(
          'cancelledActive',
          { status: 'cancelled', isComplete: false, totalCalls: 2 },
          T0 + MIN,
        ),
        item(
          'completed',
          { name: 'Done', status: 'completed', isComplete: true, totalCalls: 1 },
          T0,
        ),
      ],
      pagination: { page: 1, limit: 20, total: 6, totalPages: 1, hasNext: false, hasPrev: false },
    });
  });

  it('another workspace sees only its own', async () => {
    const { body } = await list('', b);
    expect(body.batches.map((x: { id: string }) => x.id)).toEqual([ids['otherWorkspace']]);
    expect(body.pagination.total).toBe(1);
  });

  it('pages: limit, page, hasNext/hasPrev, and a page past the end', async () => {
    const order = ['scheduled', 'processing', 'cancelledDone', 'failed', 'cancelledActive'];
    const p2 = await list('?page=2&limit=2');
    expect(p2.body.batches.map((x: { id: string }) => x.id)).toEqual(
      order.slice(2, 4).map((k) => ids[k]),
    );
    expect(p2.body.pagination).toEqual({
      page: 2,
      limit: 2,
      total: 6,
      totalPages: 3,
      hasNext: true,
      hasPrev: true,
    });
    const p3 = await list('?page=3&limit=2');
    expect(p3.body.pagination).toMatchObject({ hasNext: false, hasPrev: true });
    expect(p3.body.batches).toHaveLength(2);
    const past = await list('?page=9&limit=2');
    expect(past.body).toEqual({
      batches: [],
      pagination: { page: 9, limit: 2, total: 6, totalPages: 3, hasNext: false, hasPrev: true },
    });
  });

  it('filters by status; all is the default', async () => {
    const idsOf = async (status: string) =>
      (await list(`?status=${status}`)).body.batches.map((x: { id: string }) => x.id);
    expect(await idsOf('cancelled')).toEqual([ids['cancelledDone'], ids['cancelledActive']]);
    expect(await idsOf('queued')).toEqual([ids['scheduled']]);
    expect(await idsOf('processing')).toEqual([ids['processing']]);
    expect(await idsOf('completed')).toEqual([ids['completed']]);
    expect(await idsOf('failed')).toEqual([ids['failed']]);
    expect(await idsOf('all')).toHaveLength(6);
    const filtered = await list('?status=cancelled&limit=1');
    expect(filtered.body.pagination).toEqual({
      page: 1,
      limit: 1,
      total: 2,
      totalPages: 2,
      hasNext: true,
      hasPrev: false,
    });
    const none = await list('?status=completed', b);
    expect(none.body).toEqual({
      batches: [],
      pagination: { page: 1, limit: 20, total: 0, totalPages: 0, hasNext: false, hasPrev: false },
    });
  });

  it('400 for page, limit or status out of range, as §4', async () => {
    for (const query of [
      '?page=0',
      '?page=-1',
      '?page=x',
      '?limit=0',
      '?limit=101',
      '?limit=2.5',
      '?status=waiting',
      '?status=bogus',
    ]) {
      const { status, body } = await list(query);
      expect({ query, status, body }).toEqual({
        query,
        status: 400,
        body: { error: 'Bad Request', message: expect.any(String), code: 'invalid_request' },
      });
    }
    expect((await list('?limit=100')).status).toBe(200);
    expect((await list('?limit=1&page=6')).body.batches).toEqual([
      expect.objectContaining({ id: ids['completed'] }),
    ]);
  });
});
