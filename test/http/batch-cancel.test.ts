import { afterEach, expect, it } from 'vitest';
import {
  countStates,
  insertBatch,
  MIXED_BUSY_ERROR,
  mixedCalls,
  phoneFor,
} from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { expectCountersMatchCalls } from '../support/engine-fixtures.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// §6–§8 behaviour: what a cancel changes in the calls, the counters and the batch. Exact response
// shapes are pinned in test/contract/06…08; races with the engine in test/engine/cancel-race.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const NOW = T0 + 600_000;

interface CallRow {
  id: string;
  state: string;
  attempts: number;
  error: string | null;
  end_time: number | null;
  terminal_at: number | null;
}

describeEachDb('cancels (§6–§8)', (backend) => {
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

  const del = (url: string, who: Tenant = a) =>
    h.app.inject({ method: 'DELETE', url, headers: who.headers });
  const get = (url: string, who: Tenant = a) =>
    h.app.inject({ method: 'GET', url, headers: who.headers });

  const rows = (batchId: string) =>
    t.db.query<CallRow>(
      'SELECT id, state, attempts, error, end_time, terminal_at FROM calls WHERE batch_id = $1 ORDER BY seq',
      [batchId],
    );
  const batchRow = async (id: string) =>
    (
      await t.db.query<{
        status: string;
        cancelled_at: number | null;
        completed_time: number | null;
      }>('SELECT status, cancelled_at, completed_time FROM batches WHERE id = $1', [id])
    )[0]!;

  const mixed = () =>
    insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });

  it('§6 cancels every waiting call (retries too), lets the active one finish, idempotently', async () => {
    await setup();
    const batch = await mixed();
    const before = await rows(batch.id);
    const res = await del(`/v1/api/batch-calls/${batch.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      batchId: batch.id,
      status: 'cancelled',
      message: 'Batch cancelled successfully',
      details: {
        completedCalls: 1,
        failedCalls: 1,
        cancelledCalls: 4,
        activeCalls: 1,
        totalCalls: 7,
      },
    });
    const after = await rows(batch.id);
    expect(after.map((c) => c.state)).toEqual([
      'cancelled',
      'cancelled',
      'active',
      'completed',
      'failed',
      'cancelled',
      'cancelled',
    ]);
    // Never dialed: no end time. Waiting for a retry (1 attempt made): ends now.
    expect(after[0]).toMatchObject({
      error: 'Batch cancelled',
      terminal_at: NOW,
      end_time: null,
      attempts: 0,
    });
    expect(after[1]).toMatchObject({
      error: 'Batch cancelled',
      terminal_at: NOW,
      end_time: NOW,
      attempts: 1,
    });
    // Calls that were already terminal are left exactly as they were.
    for (const i of [2, 3, 4, 5, 6]) expect(after[i]).toEqual(before[i]);
    expect(after[4]!.error).toBe(MIXED_BUSY_ERROR);
    expect(after[5]!.error).toBe('Call cancelled');
    await expectCountersMatchCalls(t.db, batch.id);
    expect(await batchRow(batch.id)).toEqual({
      status: 'cancelled',
      cancelled_at: NOW,
      completed_time: null,
    });

    const status = (await get(`/v1/api/batch-calls/${batch.id}`)).json();
    expect(status.status).toBe('cancelled');
    // One call is still finishing: not complete yet.
    expect(status.isComplete).toBe(false);
    expect(status.progress.completedTime).toBeNull();

    await h.clock.advance(5_000);
    const again = await del(`/v1/batch-calls/${batch.id}`);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(res.json());
    expect((await batchRow(batch.id)).cancelled_at).toBe(NOW);
  });

  it('§6 without active calls the cancelled batch is complete at once', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [
        { state: 'waiting' },
        { state: 'completed', startTime: T0, endTime: T0 + 50_000, duration: 20 },
      ],
    });
    const res = await del(`/v1/api/batch-calls/${batch.id}`);
    expect(res.json().details).toEqual({
      completedCalls: 1,
      failedCalls: 0,
      cancelledCalls: 1,
      activeCalls: 0,
      totalCalls: 2,
    });
    expect(await batchRow(batch.id)).toEqual({
      status: 'cancelled',
      cancelled_at: NOW,
      completed_time: NOW,
    });
    const status = (await get(`/v1/api/batch-calls/${batch.id}/status`)).json();
    expect(status).toMatchObject({
      status: 'cancelled',
      isComplete: true,
      completedTime: NOW,
      waiting: 0,
      cancelled: 1,
    });
  });

  it('§6 a queued (scheduled) batch is cancelled before any dial', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      scheduledAt: T0 + 86_400_000,
      calls: [{ state: 'waiting' }, { state: 'waiting' }, { state: 'waiting' }],
    });
    expect(batch.status).toBe('queued');
    const res = await del(`/v1/api/batch-calls/${batch.id}`);
    expect(res.json().details).toEqual({
      completedCalls: 0,
      failedCalls: 0,
      cancelledCalls: 3,
      activeCalls: 0,
      totalCalls: 3,
    });
    expect(await countStates(t.db, batch.id)).toEqual({
      waiting: 0,
      active: 0,
      completed: 0,
      failed: 0,
      cancelled: 3,
    });
  });

  it('§6 refuses completed and failed batches and changes nothing', async () => {
    await setup();
    const done = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'completed', startTime: T0, endTime: T0 + 50_000, duration: 20 }],
    });
    const res = await del(`/v1/api/batch-calls/${done.id}`);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: 'Batch already completed' });
    expect((await batchRow(done.id)).status).toBe('completed');

    const failed = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      status: 'failed',
      calls: [{ state: 'waiting' }],
    });
    const res2 = await del(`/v1/api/batch-calls/${failed.id}`);
    expect(res2.statusCode).toBe(409);
    expect(res2.json()).toEqual({ error: 'Batch already failed' });
    // Rolled back: the waiting call is untouched.
    expect((await rows(failed.id))[0]!.state).toBe('waiting');
    expect((await batchRow(failed.id)).status).toBe('failed');
  });

  it('§7 cancels one waiting call, and only that one', async () => {
    await setup();
    const batch = await mixed();
    const [first, retry] = batch.callIds;
    const res = await del(`/v1/api/batch-calls/${batch.id}/calls/${first}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ jobId: first, status: 'cancelled', message: 'Call cancelled' });
    const after = await rows(batch.id);
    expect(after[0]).toMatchObject({
      state: 'cancelled',
      error: 'Call cancelled',
      terminal_at: NOW,
      end_time: null,
    });
    expect(after[1]!.state).toBe('waiting');
    await expectCountersMatchCalls(t.db, batch.id);

    const retried = await del(`/v1/api/batch-calls/${batch.id}/calls/${retry}`);
    expect(retried.statusCode).toBe(200);
    const view = (await get(`/v1/api/batch-calls/${batch.id}/calls/${retry}`)).json();
    expect(view).toMatchObject({
      status: 'cancelled',
      error: 'Call cancelled',
      endTime: NOW,
      attempts: 1,
    });
    expect(view.nextAttemptAt).toBeUndefined();
    // The active call is still there: the batch runs on.
    expect((await batchRow(batch.id)).status).toBe('processing');
  });

  it('§7 refuses calls that are not waiting, naming their state', async () => {
    await setup();
    const batch = await mixed();
    const ids = batch.callIds;
    const cases: Array<[number, string]> = [
      [2, 'Call in progress'],
      [3, 'Call already completed'],
      [4, 'Call already failed'],
      [5, 'Call already cancelled'],
    ];
    for (const [i, error] of cases) {
      const res = await del(`/v1/api/batch-calls/${batch.id}/calls/${ids[i]}`);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({ error });
    }
    await expectCountersMatchCalls(t.db, batch.id);
  });

  it('§7 unknown call, call of another batch or workspace → 404 as §5', async () => {
    await setup();
    const batch = await mixed();
    const other = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting' }],
    });
    const notFound = { status: 'not_found', error: 'Call not found' };
    for (const url of [
      `/v1/api/batch-calls/${batch.id}/calls/call_nope`,
      `/v1/api/batch-calls/${batch.id}/calls/${other.callIds[0]}`,
      `/v1/api/batch-calls/batch_nope/calls/${batch.callIds[0]}`,
    ]) {
      const res = await del(url);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(notFound);
    }
    const res = await del(`/v1/api/batch-calls/${batch.id}/calls/${batch.callIds[0]}`, b);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(notFound);
    expect((await rows(batch.id))[0]!.state).toBe('waiting');
    expect((await rows(other.id))[0]!.state).toBe('waiting');
  });

  it('§7 cancelling the last waiting call completes the batch', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [
        { state: 'completed', startTime: T0, endTime: T0 + 50_000, duration: 20 },
        { state: 'waiting' },
      ],
    });
    await del(`/v1/api/batch-calls/${batch.id}/calls/${batch.callIds[1]}`);
    expect(await batchRow(batch.id)).toEqual({
      status: 'completed',
      cancelled_at: null,
      completed_time: NOW,
    });
    const status = (await get(`/v1/api/batch-calls/${batch.id}`)).json();
    expect(status).toMatchObject({ status: 'completed', isComplete: true });
  });

  it('§8 cancels a number given encoded, spaced or national (defaultCountry)', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [
        { state: 'waiting', phone: '+14155550100' },
        { state: 'waiting', phone: '+14155550101' },
        { state: 'waiting', phone: '+14155550102' },
        { state: 'waiting', phone: '+14155550103' },
      ],
    });
    await t.db.query(`UPDATE batches SET config = '{"defaultCountry":"US"}' WHERE id = $1`, [
      batch.id,
    ]);
    const base = `/v1/api/batch-calls/${batch.id}/contacts`;
    const cases: Array<[string, string]> = [
      [`${base}/%2B14155550100`, '+14155550100'],
      [`${base}/%2B1%20(415)%20555-0101`, '+14155550101'],
      [`${base}/(415)%20555.0102`, '+14155550102'],
      [`${base}/+14155550103`, '+14155550103'],
    ];
    for (const [url, phone] of cases) {
      const res = await del(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.json()).toEqual({ phone_number: phone, cancelledCalls: 1 });
    }
    expect((await rows(batch.id)).map((c) => [c.state, c.error])).toEqual(
      Array(4).fill(['cancelled', 'Call cancelled']),
    );
    // Every call cancelled one by one: the batch completes.
    expect((await batchRow(batch.id)).status).toBe('completed');
    // Already ended: nothing left to cancel, still a success.
    const again = await del(`${base}/%2B14155550100`);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ phone_number: '+14155550100', cancelledCalls: 0 });
  });

  it('§8 refuses an active number, a number not in the batch and an unreadable one', async () => {
    await setup();
    const batch = await mixed();
    const base = `/v1/api/batch-calls/${batch.id}/contacts`;
    const active = await del(`${base}/${encodeURIComponent(phoneFor(2))}`);
    expect(active.statusCode).toBe(409);
    expect(active.json()).toEqual({ error: 'Call in progress' });

    const done = await del(`${base}/${encodeURIComponent(phoneFor(3))}`);
    expect(done.json()).toEqual({ phone_number: phoneFor(3), cancelledCalls: 0 });

    const missing = await del(`${base}/%2B15005559999`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: 'Contact not found',
      message: `No call to +15005559999 in batch ${batch.id}`,
    });

    // No defaultCountry on this batch: a national number cannot be read.
    for (const raw of ['12ab', '4155550100', '%2B12']) {
      const res = await del(`${base}/${raw}`);
      expect(res.statusCode, raw).toBe(400);
      expect(res.json().error).toBe('Invalid phone number');
      expect(typeof res.json().message).toBe('string');
    }
    await expectCountersMatchCalls(t.db, batch.id);
    expect((await rows(batch.id))[0]!.state).toBe('waiting');
  });
});
