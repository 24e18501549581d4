import { afterEach, describe, expect, it } from 'vitest';
import { bucketSize, MAX_BUCKETS } from '../../src/http/presenters/batch-activity.js';
import { type CallSpec, insertBatch, mixedCalls } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// ext `GET /batch-calls/{batchId}/activity`: the dashboard's charts. Every answer is checked
// against /openapi.json.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const NO_OUTCOMES = {
  successful: 0,
  unsuccessful: 0,
  voicemail: 0,
  callback_requested: 0,
  opted_out: 0,
};

describe('bucketSize', () => {
  it('picks the shortest round interval giving at most 60 intervals', () => {
    expect(bucketSize(0)).toBe(1_000);
    expect(bucketSize(59_999)).toBe(1_000);
    expect(bucketSize(60_000)).toBe(2_000);
    expect(bucketSize(499_000)).toBe(10_000);
    expect(bucketSize(3 * 3_600_000)).toBe(300_000);
    expect(bucketSize(10 * 86_400_000)).toBe(6 * 3_600_000);
    expect(bucketSize(50 * 86_400_000)).toBe(86_400_000);
    expect(bucketSize(100 * 86_400_000)).toBe(2 * 86_400_000);
    for (const span of [0, 1, 999, 61_000, 7_200_000, 9e9]) {
      expect(Math.floor(span / bucketSize(span)) + 1).toBeLessThanOrEqual(MAX_BUCKETS);
    }
  });
});

describeEachDb('batch activity (ext)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  afterEach(() => closeApp(h, t));

  async function setup() {
    t = await createTestDb(backend);
    h = await createTestApp(t.db, {}, undefined, { checkAnswers: true });
    a = await seedTenant(t.db, T0, 'A');
    b = await seedTenant(t.db, T0, 'B');
  }

  const get = (batchId: string, who: Tenant = a) =>
    h.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${batchId}/activity`,
      headers: who.headers,
    });

  it('counts finished calls by outcome, by failure reason and by when they finished', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
    const res = await get(batch.id);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // First dial T0+1 s; last end T0+500 s: 499 s in 10 s intervals.
    expect(body).toMatchObject({
      batchId: batch.id,
      outcomes: { ...NO_OUTCOMES, callback_requested: 1 },
      failures: { busy: 1 },
      cancelled: 2,
      from: T0 + 1_000,
      bucketMs: 10_000,
    });
    expect(body.buckets).toHaveLength(50);
    expect(body.buckets[0]).toEqual({ start: T0 + 1_000, completed: 0, failed: 0, cancelled: 0 });
    const nonEmpty = body.buckets
      .map((x: Record<string, number>, k: number) => ({ k, ...x }))
      .filter((x: Record<string, number>) => x['completed']! + x['failed']! + x['cancelled']! > 0);
    expect(nonEmpty).toEqual([
      { k: 5, start: T0 + 51_000, completed: 1, failed: 0, cancelled: 0 },
      { k: 27, start: T0 + 271_000, completed: 0, failed: 1, cancelled: 0 },
      { k: 39, start: T0 + 391_000, completed: 0, failed: 0, cancelled: 1 },
      { k: 49, start: T0 + 491_000, completed: 0, failed: 0, cancelled: 1 },
    ]);
  });

  it('adds up over many calls, with outcomes and reasons of every kind', async () => {
    await setup();
    const outcomes = ['successful', 'voicemail', 'opted_out', 'successful'] as const;
    const reasons = ['busy', 'no_answer', 'unreachable'] as const;
    const calls: CallSpec[] = [];
    for (let i = 0; i < 40; i++) {
      const end = T0 + 5_000 + i * 30_000;
      if (i % 3 === 0) {
        calls.push({
          state: 'completed',
          startTime: T0,
          endTime: end,
          duration: 10,
          outcome: outcomes[i % 4],
        });
      } else if (i % 3 === 1) {
        calls.push({
          state: 'failed',
          startTime: T0,
          endTime: end,
          error: 'x',
          lastReason: reasons[Math.floor(i / 3) % 3],
        });
      } else {
        calls.push({ state: 'waiting' });
      }
    }
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls,
    });
    const body = (await get(batch.id)).json();
    const completed = calls.filter((c) => c.state === 'completed');
    const failed = calls.filter((c) => c.state === 'failed');
    const sum = (k: string) =>
      body.buckets.reduce((n: number, x: Record<string, number>) => n + x[k]!, 0);
    expect(sum('completed')).toBe(completed.length);
    expect(sum('failed')).toBe(failed.length);
    expect(sum('cancelled')).toBe(0);
    const expectOutcome = (o: string) =>
      completed.filter((c) => c.state === 'completed' && c.outcome === o).length;
    expect(body.outcomes).toEqual({
      ...NO_OUTCOMES,
      successful: expectOutcome('successful'),
      voicemail: expectOutcome('voicemail'),
      opted_out: expectOutcome('opted_out'),
    });
    const byReason: Record<string, number> = {};
    for (const c of failed) {
      if (c.state === 'failed') byReason[c.lastReason!] = (byReason[c.lastReason!] ?? 0) + 1;
    }
    expect(body.failures).toEqual(byReason);
    // 20 minutes from the first dial to the last end, in 30 s intervals.
    expect(body.bucketMs).toBe(30_000);
    expect(body.buckets.length).toBeLessThanOrEqual(60);
  });

  it('a batch with nothing finished yet; another workspace’s batch is a 404', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting' }, { state: 'active', startTime: T0 }],
    });
    expect((await get(batch.id)).json()).toEqual({
      batchId: batch.id,
      outcomes: NO_OUTCOMES,
      failures: {},
      cancelled: 0,
      buckets: [],
    });
    const res = await get(batch.id, b);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'Batch not found', id: batch.id });
    expect((await get('batch_nope')).statusCode).toBe(404);
  });
});
