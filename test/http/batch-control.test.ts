import { afterEach, expect, it } from 'vitest';
import { insertBatch, phoneFor } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { expectCountersMatchCalls } from '../support/engine-fixtures.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Ext §17 pause / resume and §19 "stop everything": the answers and what they change. Races with
// the engine are in test/engine/pause-resume.test.ts.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const NOW = T0 + 600_000;

describeEachDb('pause and resume (ext §17, §19)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  afterEach(() => closeApp(h, t));

  async function setup() {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    await h.clock.advance(NOW - T0);
    a = await seedTenant(t.db, T0, 'A');
    b = await seedTenant(t.db, T0, 'B');
  }

  const post = (url: string, who: Tenant = a) =>
    h.app.inject({ method: 'POST', url: `/v1/api${url}`, headers: who.headers });
  const get = (url: string, who: Tenant = a) =>
    h.app.inject({ method: 'GET', url: `/v1/api${url}`, headers: who.headers });

  const waiting = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ state: 'waiting' as const, phone: phoneFor(i) }));

  it('pauses a running batch once, shows why, and resumes it to where it was', async () => {
    await setup();
    const queued = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: waiting(3),
    });
    const running = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [
        { state: 'active', startTime: T0 + 1_000, phone: phoneFor(10) },
        {
          state: 'completed',
          startTime: T0,
          endTime: T0 + 60_000,
          duration: 60,
          phone: phoneFor(11),
        },
        ...waiting(2),
      ],
    });
    expect(running.status).toBe('processing');

    for (const batch of [queued, running]) {
      const first = await post(`/batch-calls/${batch.id}/pause`);
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({
        batchId: batch.id,
        status: 'paused',
        message: expect.any(String),
      });
      // Pausing a paused batch: 200, nothing changes (not even its time).
      await h.clock.advance(1_000);
      expect((await post(`/batch-calls/${batch.id}/pause`)).statusCode).toBe(200);
      const status = await get(`/batch-calls/${batch.id}`);
      expect(status.json()).toMatchObject({
        status: 'paused',
        isComplete: false,
        pausedReason: 'paused by request',
        pausedAt: h.clock.now() - 1_000,
      });
      expect((await get(`/batch-calls/${batch.id}/status`)).json().status).toBe('paused');
      await expectCountersMatchCalls(t.db, batch.id);
    }
    const list = await get('/batch-calls?status=paused');
    expect(
      list
        .json()
        .batches.map((x: { id: string }) => x.id)
        .sort(),
    ).toEqual([queued.id, running.id].sort());
    expect(list.json().batches[0].pausedReason).toBe('paused by request');

    const r1 = await post(`/batch-calls/${queued.id}/resume`);
    expect(r1.json()).toEqual({ batchId: queued.id, status: 'queued', message: 'Batch resumed' });
    const r2 = await post(`/batch-calls/${running.id}/resume`);
    expect(r2.json()).toMatchObject({ status: 'processing' });
    // Resuming a running batch: 200, nothing changes.
    expect((await post(`/batch-calls/${running.id}/resume`)).json()).toMatchObject({
      status: 'processing',
    });
    const after = (await get(`/batch-calls/${running.id}`)).json();
    expect(after.status).toBe('processing');
    expect(after.pausedReason).toBeUndefined();
    expect(after.pausedAt).toBeUndefined();
    expect(h.wakes).toBeGreaterThanOrEqual(2);
  });

  it('409 for a batch that has ended; 404 for another workspace’s or an unknown batch', async () => {
    await setup();
    const done = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'completed', startTime: T0, endTime: T0 + 1_000, duration: 1 }],
    });
    const toCancel = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: waiting(2),
    });
    expect(
      (
        await h.app.inject({
          method: 'DELETE',
          url: `/v1/api/batch-calls/${toCancel.id}`,
          headers: a.headers,
        })
      ).statusCode,
    ).toBe(200);
    for (const op of ['pause', 'resume']) {
      const c = await post(`/batch-calls/${done.id}/${op}`);
      expect(c.statusCode).toBe(409);
      expect(c.json()).toEqual({ error: 'Batch already completed' });
      const x = await post(`/batch-calls/${toCancel.id}/${op}`);
      expect(x.statusCode).toBe(409);
      expect(x.json()).toEqual({ error: 'Batch already cancelled' });
      const other = await post(`/batch-calls/${done.id}/${op}`, b);
      expect(other.statusCode).toBe(404);
      expect(other.json()).toMatchObject({ error: 'Batch not found', id: done.id });
    }
  });

  it('autoPause is checked at creation and frozen with the batch', async () => {
    await setup();
    const create = (autoPause: unknown) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/api/batch-calls',
        headers: a.headers,
        payload: { agentId: a.agentId, recipients: [{ phone_number: phoneFor(1) }], autoPause },
      });
    const bad = await create('{"failureRate":2,"minAttempts":20}');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'Invalid autoPause' });
    const ok = await create('{"failureRate":0.5,"minAttempts":20}');
    expect(ok.statusCode).toBe(200);
    const [row] = await t.db.query<{ config: { autoPause: unknown } }>(
      'SELECT config FROM batches WHERE id = $1',
      [ok.json().batchId],
    );
    expect(row!.config.autoPause).toEqual({ failureRate: 0.5, minAttempts: 20 });
  });

  it('a paused batch can be cancelled, and completes when its last call ends', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: waiting(2),
    });
    await post(`/batch-calls/${batch.id}/pause`);
    const cancelled = await h.app.inject({
      method: 'DELETE',
      url: `/v1/api/batch-calls/${batch.id}`,
      headers: a.headers,
    });
    expect(cancelled.statusCode).toBe(200);
    const status = (await get(`/batch-calls/${batch.id}`)).json();
    expect(status).toMatchObject({ status: 'cancelled', isComplete: true });
    expect(status.pausedReason).toBeUndefined();
    await expectCountersMatchCalls(t.db, batch.id);
  });

  it('stop everything pauses only this workspace, and its resume only what it paused', async () => {
    await setup();
    const mine = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: waiting(2),
    });
    const ownPause = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: waiting(2),
    });
    const theirs = await insertBatch(t.db, {
      workspaceId: b.workspaceId,
      agentId: b.agentId,
      createdAt: T0,
      calls: waiting(2),
    });
    await post(`/batch-calls/${ownPause.id}/pause`);
    const paused = await post('/workspace/pause');
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toEqual({ paused: true });
    // Twice: the same answer, and the first pause's time is kept.
    const since = (await get('/workspace')).json();
    expect(since).toMatchObject({ paused: true, pausedAt: expect.any(Number) });
    expect((await post('/workspace/pause')).json()).toEqual({ paused: true });
    expect((await get('/workspace')).json().pausedAt).toBe(since.pausedAt);
    expect((await get('/workspace', b)).json()).toMatchObject({ paused: false });
    expect((await get('/workspace', b)).json()).not.toHaveProperty('pausedAt');
    expect((await get(`/batch-calls/${mine.id}`)).json()).toMatchObject({
      status: 'paused',
      pausedReason: 'workspace paused',
    });
    expect((await get(`/batch-calls/${ownPause.id}`)).json().pausedReason).toBe(
      'paused by request',
    );
    expect((await get(`/batch-calls/${theirs.id}`, b)).json().status).toBe('queued');
    const refused = await post(`/batch-calls/${ownPause.id}/resume`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'Workspace paused' });

    expect((await post('/workspace/resume')).json()).toEqual({ paused: false });
    const resumed = (await get('/workspace')).json();
    expect(resumed.paused).toBe(false);
    expect(resumed).not.toHaveProperty('pausedAt');
    expect((await get(`/batch-calls/${mine.id}`)).json().status).toBe('queued');
    expect((await get(`/batch-calls/${ownPause.id}`)).json().status).toBe('paused');
    expect((await post(`/batch-calls/${ownPause.id}/resume`)).json().status).toBe('queued');
  });
});
