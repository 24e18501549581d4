import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertBatch, mixedCalls } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Contract §6 `DELETE /batch-calls/{batchId}`: the 200 body key for key, idempotence, the 409 for
// a completed batch (and, by decision, a failed one), the 404 of §2.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const keysOf = (o: object) => Object.keys(o).sort();
const DETAILS = ['activeCalls', 'cancelledCalls', 'completedCalls', 'failedCalls', 'totalCalls'];

describeEachDb('contract §6: cancel a batch', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    await h.clock.advance(600_000);
    a = await seedTenant(t.db, T0, 'A');
    b = await seedTenant(t.db, T0, 'B');
  });
  afterAll(() => closeApp(h, t));

  const del = (batchId: string, who: Tenant = a, prefix = '/v1/api') =>
    h.app.inject({
      method: 'DELETE',
      url: `${prefix}/batch-calls/${batchId}`,
      // Some clients send a JSON content type with no body on DELETE.
      headers: { ...who.headers, 'content-type': 'application/json' },
    });

  const batch = (calls = mixedCalls(T0), status?: 'failed') =>
    insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls,
      ...(status ? { status } : {}),
    });

  it('200: batchId, status, message and exactly the five detail counters', async () => {
    const { id } = await batch();
    const res = await del(id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json();
    expect(keysOf(body)).toEqual(['batchId', 'details', 'message', 'status']);
    expect(body).toMatchObject({
      batchId: id,
      status: 'cancelled',
      message: 'Batch cancelled successfully',
    });
    expect(keysOf(body.details)).toEqual(DETAILS);
    for (const k of DETAILS) expect(Number.isInteger(body.details[k]), k).toBe(true);
    // Decision: cancelledCalls counts every job that will not be dialed (cancelled now or before);
    // activeCalls those still finishing; together with the ended ones they make the total.
    expect(body.details).toEqual({
      completedCalls: 1,
      failedCalls: 1,
      cancelledCalls: 4,
      activeCalls: 1,
      totalCalls: 7,
    });
  });

  it('is idempotent, under both prefixes', async () => {
    const { id } = await batch();
    const first = await del(id, a, '/v1');
    const again = await del(id, a, '/v1/api');
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
  });

  it('the batch then reads cancelled in §2, counters adding up', async () => {
    const { id } = await batch();
    await del(id);
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${id}`,
      headers: a.headers,
    });
    const p = res.json().progress;
    expect(res.json().status).toBe('cancelled');
    expect(p.waiting).toBe(0);
    expect(p.waiting + p.active + p.completed + p.failed + p.cancelled).toBe(p.total);
  });

  it('409 for a completed batch, and (decision) for a failed one', async () => {
    const done = await batch([
      { state: 'completed', startTime: T0, endTime: T0 + 60_000, duration: 30 },
    ]);
    const res = await del(done.id);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: 'Batch already completed' });
    const failed = await batch([{ state: 'waiting' }], 'failed');
    const res2 = await del(failed.id);
    expect(res2.statusCode).toBe(409);
    expect(res2.json()).toEqual({ error: 'Batch already failed' });
  });

  it('404 as §2, for an unknown batch and for another workspace’s', async () => {
    const { id } = await batch();
    for (const [batchId, who] of [
      ['batch_unknown', a],
      [id, b],
    ] as const) {
      const res = await del(batchId, who);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        error: 'Batch not found',
        message: `No batch with id ${batchId}`,
        id: batchId,
      });
    }
  });
});
