import { afterEach, expect, it } from 'vitest';
import { readProgress } from '../../src/storage/progress-repo.js';
import {
  ATTEMPT_GAP_MS,
  attemptIdOf,
  type CallSpec,
  countStates,
  insertBatch,
  MIXED_BUSY_ERROR,
  mixedCalls,
  phoneFor,
} from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// §2 batch status, §3 flattened progress, §5 one call: every field present or absent per state.
// §4 (the calls list) lives in batch-calls-list.test.ts.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const BUSY_3 = MIXED_BUSY_ERROR;
const MIXED = mixedCalls(T0);

describeEachDb('batch read API (§2, §3, §5)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  afterEach(() => closeApp(h, t));

  async function setup() {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    await h.clock.advance(600_000);
    a = await seedTenant(t.db, T0, 'A');
    b = await seedTenant(t.db, T0, 'B');
  }

  const get = (url: string, who: Tenant = a) =>
    h.app.inject({ method: 'GET', url, headers: who.headers });

  const mixed = (who: Tenant = a) =>
    insertBatch(t.db, {
      workspaceId: who.workspaceId,
      agentId: who.agentId,
      createdAt: T0,
      name: 'January reminders',
      calls: MIXED,
    });

  it('§2 reports a running batch field for field', async () => {
    await setup();
    const batch = await mixed();
    const ids = batch.callIds;
    const res = await get(`/v1/api/batch-calls/${batch.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: batch.id,
      status: 'processing',
      isComplete: false,
      totalCalls: 7,
      progress: {
        waiting: 2,
        active: 1,
        completed: 1,
        failed: 1,
        cancelled: 2,
        total: 7,
        startTime: T0 + 1_000,
        lastCompletedTime: T0 + 500_000,
        completedTime: null,
        averageCallDuration: 42.5,
        recent_calls: [
          {
            jobId: ids[5],
            status: 'cancelled',
            phone_number: phoneFor(5),
            cancelledAt: T0 + 500_000,
            error: 'Call cancelled',
          },
          {
            jobId: ids[6],
            status: 'cancelled',
            phone_number: phoneFor(6),
            cancelledAt: T0 + 400_000,
            error: 'Batch cancelled',
          },
          {
            jobId: ids[4],
            status: 'failed',
            phone_number: phoneFor(4),
            failedAt: T0 + 4_000 + 2 * ATTEMPT_GAP_MS + 30_000,
            error: BUSY_3,
          },
          {
            jobId: ids[3],
            status: 'completed',
            phone_number: phoneFor(3),
            completedAt: T0 + 60_000,
            duration: 42.5,
          },
        ],
      },
      timestamp: T0 + 600_000,
      name: 'January reminders',
      agentId: a.agentId,
      createdAt: T0,
    });
    // The counters are the progress shards, and they agree with the calls themselves.
    const counts = await countStates(t.db, batch.id);
    const { durationSum: _, ...progress } = await readProgress(t.db, batch.id);
    expect(progress).toEqual(counts);
  });

  it('§3 flattens the same progress, with status and isComplete first', async () => {
    await setup();
    const batch = await mixed();
    const full = (await get(`/v1/api/batch-calls/${batch.id}`)).json();
    const res = await get(`/v1/api/batch-calls/${batch.id}/status`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({ status: 'processing', isComplete: false, ...full.progress });
    expect(Object.keys(body).slice(0, 2)).toEqual(['status', 'isComplete']);
    expect(body.waiting + body.active + body.completed + body.failed + body.cancelled).toBe(
      body.total,
    );
  });

  it('§2 before the first dial: no startTime, no lastCompletedTime, no recent calls', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      scheduledAt: T0 + 86_400_000,
      calls: [{ state: 'waiting' }, { state: 'waiting' }],
    });
    const body = (await get(`/v1/batch-calls/${batch.id}`)).json();
    expect(body).toEqual({
      id: batch.id,
      status: 'queued',
      isComplete: false,
      totalCalls: 2,
      progress: {
        waiting: 2,
        active: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
        total: 2,
        completedTime: null,
        averageCallDuration: 0,
        recent_calls: [],
      },
      timestamp: T0 + 600_000,
      agentId: a.agentId,
      createdAt: T0,
      scheduledAt: T0 + 86_400_000,
    });
    const flat = (await get(`/v1/batch-calls/${batch.id}/status`)).json();
    expect(Object.keys(flat)).not.toContain('startTime');
    expect(Object.keys(flat)).not.toContain('lastCompletedTime');
    expect(flat.completedTime).toBeNull();
  });

  it('§2 a completed batch: completedTime, isComplete and the mean duration to 2 decimals', async () => {
    await setup();
    const done = (i: number, duration: number): CallSpec => ({
      state: 'completed',
      startTime: T0 + i * 1_000,
      endTime: T0 + 100_000 + i * 1_000,
      duration,
    });
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [done(0, 10), done(1, 20), done(2, 31)],
    });
    const body = (await get(`/v1/api/batch-calls/${batch.id}`)).json();
    expect(body.status).toBe('completed');
    expect(body.isComplete).toBe(true);
    expect(body.progress.completedTime).toBe(T0 + 102_000);
    expect(body.progress.lastCompletedTime).toBe(T0 + 102_000);
    expect(body.progress.startTime).toBe(T0);
    expect(body.progress.averageCallDuration).toBe(20.33);
    expect(body.progress.recent_calls.map((c: { duration: number }) => c.duration)).toEqual([
      31, 20, 10,
    ]);
  });

  it('isComplete: cancelled only once no call is active; failed at once', async () => {
    await setup();
    const cases: Array<[CallSpec[], 'cancelled' | 'failed', boolean]> = [
      [
        [
          { state: 'active', startTime: T0 },
          { state: 'cancelled', cancelledAt: T0 + 1 },
        ],
        'cancelled',
        false,
      ],
      [[{ state: 'cancelled', cancelledAt: T0 + 1 }], 'cancelled', true],
      [[{ state: 'waiting' }], 'failed', true],
    ];
    for (const [calls, status, isComplete] of cases) {
      const batch = await insertBatch(t.db, {
        workspaceId: a.workspaceId,
        agentId: a.agentId,
        createdAt: T0,
        status,
        calls,
      });
      const body = (await get(`/v1/api/batch-calls/${batch.id}`)).json();
      expect([body.status, body.isComplete]).toEqual([status, isComplete]);
      const flat = (await get(`/v1/api/batch-calls/${batch.id}/status`)).json();
      expect([flat.status, flat.isComplete]).toEqual([status, isComplete]);
    }
  });

  it('recent_calls: the 10 newest terminal calls, newest first', async () => {
    await setup();
    // Finish times deliberately out of CSV order.
    const ends = [7, 3, 12, 1, 9, 14, 2, 11, 5, 13, 4, 8, 6, 10];
    const calls: CallSpec[] = ends.map((e, i) =>
      i % 2 === 0
        ? { state: 'completed', startTime: T0, endTime: T0 + e * 10_000, duration: e }
        : { state: 'failed', startTime: T0, endTime: T0 + e * 10_000, error: 'Number unreachable' },
    );
    calls.push({ state: 'waiting', attempts: 1, startTime: T0, runAt: T0 + 999_999 });
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls,
    });
    const progress = (await get(`/v1/api/batch-calls/${batch.id}`)).json().progress;
    const expectedEnds = [...ends].sort((x, y) => y - x).slice(0, 10);
    const recent = progress.recent_calls as Array<Record<string, unknown>>;
    expect(recent.map((c) => c['completedAt'] ?? c['failedAt'])).toEqual(
      expectedEnds.map((e) => T0 + e * 10_000),
    );
    expect(recent.map((c) => c['jobId'])).toEqual(
      expectedEnds.map((e) => batch.callIds[ends.indexOf(e)]),
    );
    expect(progress.lastCompletedTime).toBe(T0 + 140_000);
    // Completed: 7, 12, 9, 2, 5, 4, 6 seconds: 45 / 7 = 6.428…
    expect(progress.averageCallDuration).toBe(6.43);
  });

  it('§5 reports exactly the fields of each state', async () => {
    await setup();
    const batch = await mixed();
    const ids = batch.callIds;
    const call = async (i: number) => {
      const res = await get(`/v1/api/batch-calls/${batch.id}/calls/${ids[i]}`);
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const base = (i: number) => ({ jobId: ids[i], phone_number: phoneFor(i) });
    expect(await call(0)).toEqual({
      ...base(0),
      status: 'waiting',
      attempts: 0,
      nextAttemptAt: T0,
      waitReason: 'queued',
    });
    expect(await call(1)).toEqual({
      ...base(1),
      status: 'waiting',
      startTime: T0 + 1_000,
      attempts: 1,
      nextAttemptAt: T0 + 1_000 + 30_000 + ATTEMPT_GAP_MS,
      // The fixture's clock is past its retry time: due, waiting for capacity.
      waitReason: 'queued',
    });
    expect(await call(2)).toEqual({
      ...base(2),
      status: 'active',
      startTime: T0 + 2_000,
      attempts: 1,
    });
    const completed = await call(3);
    expect(completed).toEqual({
      ...base(3),
      status: 'completed',
      startTime: T0 + 3_000,
      endTime: T0 + 60_000,
      duration: 42.5,
      result: {
        callId: await attemptIdOf(t.db, ids[3]!),
        transcript: 'Agent: Hello Di.\nCustomer: Call me later.',
        outcome: 'callback_requested',
        metadata: { first_name: 'Di', last_name: 'Lee', plan: 'gold' },
      },
      attempts: 1,
    });
    expect(completed.result.callId).toMatch(/^att_[0-9a-z]{26}$/);
    // The CSV's column order, not the database's key order.
    expect(Object.keys(completed.result.metadata)).toEqual(['first_name', 'last_name', 'plan']);
    expect(await call(4)).toEqual({
      ...base(4),
      status: 'failed',
      startTime: T0 + 4_000,
      endTime: T0 + 4_000 + 2 * ATTEMPT_GAP_MS + 30_000,
      error: BUSY_3,
      attempts: 3,
    });
    expect(await call(5)).toEqual({
      ...base(5),
      status: 'cancelled',
      error: 'Call cancelled',
      attempts: 0,
    });
    expect(await call(6)).toEqual({
      ...base(6),
      status: 'cancelled',
      startTime: T0 + 5_000,
      endTime: T0 + 400_000,
      error: 'Batch cancelled',
      attempts: 1,
    });
  });

  it('404 bodies: unknown batch, unknown job, a job of another batch', async () => {
    await setup();
    const batch = await mixed();
    const other = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting' }],
    });
    for (const path of ['', '/status', '/calls']) {
      const res = await get(`/v1/api/batch-calls/batch_nope${path}`);
      expect(res.statusCode).toBe(404);
      const body = res.json();
      expect(body).toEqual({ error: 'Batch not found', message: body.message, id: 'batch_nope' });
      expect(typeof body.message).toBe('string');
    }
    const callNotFound = { status: 'not_found', error: 'Call not found' };
    for (const url of [
      `/v1/api/batch-calls/${batch.id}/calls/call_nope`,
      `/v1/api/batch-calls/batch_nope/calls/${batch.callIds[0]}`,
      `/v1/api/batch-calls/${other.id}/calls/${batch.callIds[0]}`,
    ]) {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(callNotFound);
    }
  });

  it("another workspace's batch and jobs are exactly like missing ones", async () => {
    await setup();
    const theirs = await mixed(b);
    for (const path of ['', '/status', '/calls', '/calls?status=completed']) {
      const res = await get(`/v1/api/batch-calls/${theirs.id}${path}`, a);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        error: 'Batch not found',
        message: res.json().message,
        id: theirs.id,
      });
      expect(res.body).not.toContain(theirs.callIds[0]);
      expect((await get(`/v1/api/batch-calls/${theirs.id}${path}`, b)).statusCode).toBe(200);
    }
    for (const jobId of theirs.callIds) {
      const res = await get(`/v1/api/batch-calls/${theirs.id}/calls/${jobId}`, a);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ status: 'not_found', error: 'Call not found' });
    }
  });

  it('both prefixes serve the same bodies', async () => {
    await setup();
    const batch = await mixed();
    for (const path of ['', '/status', '/calls?limit=3', `/calls/${batch.callIds[3]}`]) {
      const long = await get(`/v1/api/batch-calls/${batch.id}${path}`);
      const short = await get(`/v1/batch-calls/${batch.id}${path}`);
      expect(long.statusCode).toBe(200);
      expect(short.statusCode).toBe(200);
      expect(short.json()).toEqual(long.json());
    }
  });
});
