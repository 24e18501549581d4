import { afterEach, expect, it } from 'vitest';
import { insertBatch, phoneFor } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { expectCountersMatchCalls } from '../support/engine-fixtures.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Ext §17 retry: which jobs go back to waiting, what they keep, the batch reopening, and the
// refusals that change nothing. The fresh attempt budget with the engine is in
// test/engine/batch-retry.test.ts.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const NOW = T0 + 3_600_000;

describeEachDb('retrying failed jobs (ext §17)', (backend) => {
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

  const post = (url: string, payload?: unknown, who: Tenant = a) =>
    h.app.inject({
      method: 'POST',
      url: `/v1/api${url}`,
      headers: who.headers,
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
  const get = (url: string) =>
    h.app.inject({ method: 'GET', url: `/v1/api${url}`, headers: a.headers });
  const rows = (batchId: string) =>
    t.db.query<{
      id: string;
      state: string;
      attempts: number;
      attempt_base: number;
      run_at: number;
      terminal_at: number | null;
      error: string | null;
    }>(
      'SELECT id, state, attempts, attempt_base, run_at, terminal_at, error FROM calls WHERE batch_id = $1 ORDER BY seq',
      [batchId],
    );

  /** A completed batch: busy ×2, unreachable, unknown, voicemail (completed), answered. */
  const endedBatch = () =>
    insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [
        {
          state: 'failed',
          startTime: T0,
          endTime: T0 + 300_000,
          error: 'Busy',
          lastReason: 'busy',
          attempts: 3,
          phone: phoneFor(1),
        },
        {
          state: 'failed',
          startTime: T0,
          endTime: T0 + 2_000,
          error: 'Unreachable',
          lastReason: 'unreachable',
          phone: phoneFor(2),
        },
        {
          state: 'completed',
          startTime: T0,
          endTime: T0 + 3_000,
          duration: 20,
          outcome: 'voicemail',
          phone: phoneFor(3),
        },
        {
          state: 'completed',
          startTime: T0,
          endTime: T0 + 4_000,
          duration: 30,
          outcome: 'successful',
          phone: phoneFor(4),
        },
        {
          state: 'failed',
          startTime: T0,
          endTime: T0 + 5_000,
          error: 'Busy',
          lastReason: 'busy',
          phone: phoneFor(5),
        },
      ],
    });

  it('retries by the default reasons, reopens the completed batch, keeps ids and attempt counts', async () => {
    await setup();
    const batch = await endedBatch();
    expect(batch.status).toBe('completed');
    const res = await post(`/batch-calls/${batch.id}/retry`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ batchId: batch.id, retriedCalls: 2, status: 'processing' });
    const calls = await rows(batch.id);
    expect(calls.map((c) => c.state)).toEqual([
      'waiting',
      'failed',
      'completed',
      'completed',
      'waiting',
    ]);
    expect(calls[0]).toMatchObject({
      id: batch.callIds[0],
      attempts: 3,
      attempt_base: 3,
      run_at: NOW,
      terminal_at: null,
      error: null,
    });
    const status = (await get(`/batch-calls/${batch.id}`)).json();
    expect(status).toMatchObject({ status: 'processing', isComplete: false });
    expect(status.progress.completedTime).toBeNull();
    expect(h.wakes).toBe(1);
    await expectCountersMatchCalls(t.db, batch.id);

    // Voicemail: the completed job whose outcome was voicemail; by id: that one only.
    const vm = await post(`/batch-calls/${batch.id}/retry`, {
      reasons: ['voicemail', 'unreachable'],
      jobIds: [batch.callIds[2]],
    });
    expect(vm.json()).toMatchObject({ retriedCalls: 1, status: 'processing' });
    expect((await rows(batch.id)).map((c) => c.state)).toEqual([
      'waiting',
      'failed',
      'waiting',
      'completed',
      'waiting',
    ]);
    await expectCountersMatchCalls(t.db, batch.id);
    // Nothing left to match: 200, none retried.
    expect((await post(`/batch-calls/${batch.id}/retry`)).json()).toMatchObject({
      retriedCalls: 0,
    });
  });

  it('an unknown reason or a job of another batch is a 400 and changes nothing; 409, 404', async () => {
    await setup();
    const batch = await endedBatch();
    const other = await endedBatch();
    const before = await rows(batch.id);
    const bad = await post(`/batch-calls/${batch.id}/retry`, { reasons: ['busy', 'angry'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'Invalid reasons' });
    const foreign = await post(`/batch-calls/${batch.id}/retry`, {
      jobIds: [batch.callIds[0], other.callIds[0]],
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toMatchObject({ error: 'Invalid jobIds' });
    expect(await rows(batch.id)).toEqual(before);
    expect((await get(`/batch-calls/${batch.id}`)).json().status).toBe('completed');

    const theirs = await post(`/batch-calls/${batch.id}/retry`, {}, b);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json()).toMatchObject({ error: 'Batch not found' });
    const cancelled = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting' }],
    });
    await h.app.inject({
      method: 'DELETE',
      url: `/v1/api/batch-calls/${cancelled.id}`,
      headers: a.headers,
    });
    const refused = await post(`/batch-calls/${cancelled.id}/retry`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({ error: 'Batch already cancelled' });
  });
});
