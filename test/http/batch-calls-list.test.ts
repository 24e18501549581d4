import { afterEach, expect, it } from 'vitest';
import {
  ATTEMPT_GAP_MS,
  type CallSpec,
  insertBatch,
  MIXED_BUSY_ERROR,
  mixedCalls,
  phoneFor,
} from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// §4 `GET /batch-calls/{batchId}/calls`: items per state, CSV order, pagination and filters.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

describeEachDb('batch calls list (§4)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  afterEach(() => closeApp(h, t));

  async function setup() {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, T0, 'A');
  }

  const list = async (batchId: string, query = '') => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${batchId}/calls${query}`,
      headers: a.headers,
    });
    return { status: res.statusCode, body: res.json() };
  };

  it('lists every state with exactly its fields, in CSV order, with the summary', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
    const ids = batch.callIds;
    const { status, body } = await list(batch.id);
    expect(status).toBe(200);
    const ann = { first_name: 'Ann', last_name: 'Lee', plan: 'gold' };
    const item = (i: number) => ({ jobId: ids[i], phone_number: phoneFor(i) });
    expect(body).toEqual({
      calls: [
        { ...item(0), status: 'waiting', metadata: ann, attempts: 0 },
        {
          ...item(1),
          status: 'waiting',
          startTime: T0 + 1_000,
          metadata: { first_name: 'Bo', last_name: 'Ng', plan: 'free' },
          attempts: 1,
        },
        {
          ...item(2),
          status: 'active',
          startTime: T0 + 2_000,
          metadata: { ...ann, first_name: 'Cy' },
          attempts: 1,
        },
        {
          ...item(3),
          status: 'completed',
          startTime: T0 + 3_000,
          endTime: T0 + 60_000,
          duration: 42.5,
          metadata: { ...ann, first_name: 'Di' },
          attempts: 1,
        },
        {
          ...item(4),
          status: 'failed',
          startTime: T0 + 4_000,
          endTime: T0 + 4_000 + 2 * ATTEMPT_GAP_MS + 30_000,
          error: MIXED_BUSY_ERROR,
          metadata: { ...ann, first_name: 'Ed' },
          attempts: 3,
        },
        { ...item(5), status: 'cancelled', error: 'Call cancelled', metadata: ann, attempts: 0 },
        {
          ...item(6),
          status: 'cancelled',
          startTime: T0 + 5_000,
          endTime: T0 + 400_000,
          error: 'Batch cancelled',
          metadata: ann,
          attempts: 1,
        },
      ],
      pagination: { page: 1, limit: 20, total: 7, totalPages: 1, hasNext: false, hasPrev: false },
      summary: { total: 7, waiting: 2, active: 1, completed: 1, failed: 1, cancelled: 2 },
    });
    // Metadata keeps the CSV's column order (the database would sort keys by length).
    expect(Object.keys(body.calls[0].metadata)).toEqual(['first_name', 'last_name', 'plan']);
    const s = body.summary;
    expect(s.waiting + s.active + s.completed + s.failed + s.cancelled).toBe(s.total);
  });

  it('pages through in CSV order: first, middle, last and past the last page', async () => {
    await setup();
    // 45 rows: every 6th completed (8 of them), the rest waiting.
    const calls: CallSpec[] = Array.from({ length: 45 }, (_, i) =>
      i % 6 === 0
        ? {
            state: 'completed',
            startTime: T0 + i,
            endTime: T0 + 60_000 + i,
            duration: 30,
            variables: { row: String(i) },
          }
        : { state: 'waiting', variables: { row: String(i) } },
    );
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls,
    });
    const rows = (body: { calls: Array<{ metadata: { row: string } }> }) =>
      body.calls.map((c) => Number(c.metadata.row));
    const range = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => from + i);

    const p1 = (await list(batch.id)).body;
    expect(rows(p1)).toEqual(range(0, 20));
    expect(p1.pagination).toEqual({
      page: 1,
      limit: 20,
      total: 45,
      totalPages: 3,
      hasNext: true,
      hasPrev: false,
    });
    const p2 = (await list(batch.id, '?page=2')).body;
    expect(rows(p2)).toEqual(range(20, 40));
    expect([p2.pagination.hasNext, p2.pagination.hasPrev]).toEqual([true, true]);
    const p3 = (await list(batch.id, '?page=3&limit=20&status=all')).body;
    expect(rows(p3)).toEqual(range(40, 45));
    expect(p3.pagination).toEqual({
      page: 3,
      limit: 20,
      total: 45,
      totalPages: 3,
      hasNext: false,
      hasPrev: true,
    });
    const p4 = await list(batch.id, '?page=4');
    expect(p4.status).toBe(200);
    expect(p4.body.calls).toEqual([]);
    expect([p4.body.pagination.hasNext, p4.body.pagination.hasPrev]).toEqual([false, true]);

    const all = (await list(batch.id, '?limit=100')).body;
    expect(rows(all)).toEqual(range(0, 45));
    expect(all.pagination.totalPages).toBe(1);

    // A status filter: total, pages and order follow the filtered set.
    const c1 = (await list(batch.id, '?status=completed&limit=5')).body;
    expect(rows(c1)).toEqual([0, 6, 12, 18, 24]);
    expect(c1.calls.every((c: { status: string }) => c.status === 'completed')).toBe(true);
    expect(c1.pagination).toEqual({
      page: 1,
      limit: 5,
      total: 8,
      totalPages: 2,
      hasNext: true,
      hasPrev: false,
    });
    const c2 = (await list(batch.id, '?status=completed&limit=5&page=2')).body;
    expect(rows(c2)).toEqual([30, 36, 42]);
    expect([c2.pagination.hasNext, c2.pagination.hasPrev]).toEqual([false, true]);
    const w = (await list(batch.id, '?status=waiting&limit=3&page=2')).body;
    expect(rows(w)).toEqual([4, 5, 7]);
    expect(w.pagination.total).toBe(37);
    expect(w.summary).toEqual({
      total: 45,
      waiting: 37,
      active: 0,
      completed: 8,
      failed: 0,
      cancelled: 0,
    });

    // No call in that state: an empty page, not an error.
    const none = (await list(batch.id, '?status=failed')).body;
    expect(none.calls).toEqual([]);
    expect(none.pagination).toEqual({
      page: 1,
      limit: 20,
      total: 0,
      totalPages: 0,
      hasNext: false,
      hasPrev: false,
    });
  });

  it('400 for page, limit or status out of range', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting' }],
    });
    for (const query of [
      '?page=0',
      '?page=-1',
      '?page=abc',
      '?page=1.5',
      '?page=',
      '?limit=0',
      '?limit=101',
      '?limit=-1',
      '?limit=abc',
      '?status=unknown',
      '?status=ALL',
      '?status=',
    ]) {
      const { status, body } = await list(batch.id, query);
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(typeof body.error).toBe('string');
      expect(typeof body.message).toBe('string');
    }
    for (const query of ['?limit=1', '?limit=100', '?page=1&status=cancelled']) {
      expect((await list(batch.id, query)).status).toBe(200);
    }
  });
});
