import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertBatch } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Contract §13 (ext) `GET /batch-calls`: batches newest first with §4's pagination object.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const keys = (o: object) => Object.keys(o).sort();

describeEachDb('contract §13 list batches', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, T0);
    const base = { workspaceId: a.workspaceId, agentId: a.agentId };
    await insertBatch(t.db, { ...base, createdAt: T0, calls: [{ state: 'waiting' }] });
    await insertBatch(t.db, {
      ...base,
      createdAt: T0 + 1000,
      name: 'Named',
      scheduledAt: T0 + 3_600_000,
      calls: [{ state: 'waiting' }],
    });
  });
  afterAll(() => closeApp(h, t));
  const list = (query = '') =>
    h.app.inject({ method: 'GET', url: `/v1/api/batch-calls${query}`, headers: a.headers });

  it('200 {batches, pagination}; name and scheduledAt are absent when unset', async () => {
    const res = await list();
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(keys(body)).toEqual(['batches', 'pagination']);
    expect(keys(body.pagination)).toEqual([
      'hasNext',
      'hasPrev',
      'limit',
      'page',
      'total',
      'totalPages',
    ]);
    const [named, plain] = body.batches;
    expect(keys(named)).toEqual([
      'agentId',
      'createdAt',
      'id',
      'isComplete',
      'name',
      'scheduledAt',
      'status',
      'totalCalls',
    ]);
    expect(keys(plain)).toEqual([
      'agentId',
      'createdAt',
      'id',
      'isComplete',
      'status',
      'totalCalls',
    ]);
    expect(named).toEqual({
      id: expect.stringMatching(/^batch_/),
      name: 'Named',
      status: 'queued',
      isComplete: false,
      totalCalls: 1,
      createdAt: T0 + 1000,
      scheduledAt: T0 + 3_600_000,
      agentId: a.agentId,
    });
  });

  it('400 {error, message, code} for a limit over 100', async () => {
    const res = await list('?limit=101');
    expect(res.statusCode).toBe(400);
    expect(keys(res.json())).toEqual(['code', 'error', 'message']);
  });
});
