import { afterEach, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { claimCalls } from '../../src/engine/claim.js';
import { PLACING_LOOKAHEAD_MS } from '../../src/engine/placer.js';
import { createWakeSignal } from '../../src/engine/wake.js';
import { readProgress } from '../../src/storage/progress-repo.js';
import { txWithRetry } from '../../src/storage/transaction-retry.js';
import { startAttempts } from '../../src/storage/transitions/claim.js';
import { pauseBatches, resumeBatches } from '../../src/storage/transitions/pause.js';
import { markPlacing } from '../../src/storage/transitions/placing.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  batchRow,
  callsOf,
  expectCountersMatchCalls,
  insertQueuedBatch,
  reserved,
} from '../support/engine-fixtures.js';
import { createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';
import { type Harness, harness, T0 } from './harness.js';

// Ext §17 pause/resume and §19 "stop everything", with the real engine on a stepped clock: once
// the pause answers no new attempt of the batch starts; claimed-but-unsent attempts wait again
// unspent; calls in progress finish; a resume starts due work on its wake-up, not the next poll.

/** Answered calls (range 0) and busy-then-answered ones (range 500: a retry waits). */
const phone = (i: number) => reserved((i % 2 === 0 ? 0 : 500) + i);

describeEachDb('pausing and resuming a batch while the engine runs it', (backend) => {
  let h: Harness | undefined;
  let api: TestApp | undefined;
  afterEach(async () => {
    await api?.app.close();
    await h?.close();
    api = h = undefined;
  });

  async function setUp(overrides: Record<string, unknown> = {}) {
    h = await harness(backend, overrides);
    api = await createTestApp(h.db, overrides, h.clock);
    // As in a server: the API's wake-ups reach the engines (NOTIFY on PostgreSQL, in-process here).
    const signal = createWakeSignal(h.db);
    api.rt.wake = () => signal.wake();
    const tenant = await seedTenant(h.db, T0, 'pause');
    await h.db.query(
      'UPDATE workspaces SET max_concurrent_calls = 4, calls_per_second = 4 WHERE id = $1',
      [tenant.workspaceId],
    );
    return { e: h, app: api, tenant };
  }

  const post = (app: TestApp, tenant: Tenant, url: string) =>
    app.app.inject({ method: 'POST', url: `/v1/api${url}`, headers: tenant.headers });

  it('at any point of a batch’s life: nothing starts after the pause answers; resume finishes it', async () => {
    const { e, app, tenant } = await setUp();
    await e.start();
    for (const offset of [0, 1_100, 4_000, 45_000]) {
      const batch = await insertQueuedBatch(e.db, {
        workspaceId: tenant.workspaceId,
        agentId: tenant.agentId,
        now: e.clock.now(),
        phones: Array.from({ length: 20 }, (_, i) => phone(i)),
      });
      await e.clock.advance(offset);
      const paused = await post(app, tenant, `/batch-calls/${batch.id}/pause`);
      expect(paused.statusCode, `offset ${offset}`).toBe(200);
      expect(paused.json()).toMatchObject({ batchId: batch.id, status: 'paused' });
      const pausedAt = e.clock.now();
      const attemptsAtPause = (await attemptsOf(e.db, batch.id)).length;

      // Ten minutes paused: calls in progress finish, retries come due, nothing new starts.
      await e.clock.advance(600_000);
      const during = await attemptsOf(e.db, batch.id);
      expect(during.filter((a) => a.started_at > pausedAt + PLACING_LOOKAHEAD_MS)).toEqual([]);
      expect(during).toHaveLength(attemptsAtPause);
      expect(during.filter((a) => a.state !== 'ended')).toEqual([]);
      const p = await readProgress(e.db, batch.id);
      expect(p.active).toBe(0);
      expect(p.waiting).toBeGreaterThan(0);
      // Every call's attempts are numbered 1..attempts: a handed-back claim was not spent.
      for (const c of await callsOf(e.db, batch.id)) {
        const mine = during.filter((a) => a.call_id === c.id).map((a) => a.attempt_no);
        expect(mine.sort()).toEqual(Array.from({ length: c.attempts }, (_, i) => i + 1));
      }
      const status = await app.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batch.id}`,
        headers: tenant.headers,
      });
      expect(status.json()).toMatchObject({
        status: 'paused',
        isComplete: false,
        pausedReason: 'paused by request',
        pausedAt,
      });

      const resumed = await post(app, tenant, `/batch-calls/${batch.id}/resume`);
      expect(resumed.statusCode).toBe(200);
      expect(resumed.json().status).toBe(attemptsAtPause === 0 ? 'queued' : 'processing');
      await e.clock.runUntil(
        async () => (await batchRow(e.db, batch.id)).status === 'completed',
        3_600_000,
      );
      const calls = await callsOf(e.db, batch.id);
      expect(calls.filter((c) => c.state !== 'completed')).toEqual([]);
      await expectCountersMatchCalls(e.db, batch.id);
      const done = await app.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batch.id}`,
        headers: tenant.headers,
      });
      expect(done.json()).toMatchObject({ status: 'completed', isComplete: true });
      expect(done.json().pausedReason).toBeUndefined();
    }
  }, 300_000);

  it('resume starts due calls on its wake-up, with a poll interval of an hour', async () => {
    const { e, app, tenant } = await setUp({ pollMs: 3_600_000 });
    const batch = await insertQueuedBatch(e.db, {
      workspaceId: tenant.workspaceId,
      agentId: tenant.agentId,
      now: e.clock.now(),
      phones: Array.from({ length: 4 }, (_, i) => reserved(i)),
    });
    expect((await post(app, tenant, `/batch-calls/${batch.id}/pause`)).statusCode).toBe(200);
    await e.start();
    await e.clock.advance(60_000);
    expect(await attemptsOf(e.db, batch.id)).toEqual([]);

    // Without a wake-up (the state change alone), nothing starts before the next poll.
    await txWithRetry(e.db, (q) => resumeBatches(q, [batch.id], e.clock.now()));
    await e.clock.advance(60_000);
    expect(await attemptsOf(e.db, batch.id)).toEqual([]);
    await txWithRetry(e.db, (q) =>
      pauseBatches(q, {
        workspaceId: tenant.workspaceId,
        batchIds: [batch.id],
        reason: 'test',
        now: e.clock.now(),
      }),
    );

    const resumedAt = e.clock.now();
    expect((await post(app, tenant, `/batch-calls/${batch.id}/resume`)).json()).toMatchObject({
      status: 'queued',
    });
    await e.clock.advance(2_000);
    const started = await attemptsOf(e.db, batch.id);
    expect(started).toHaveLength(4);
    expect(Math.min(...started.map((a) => a.started_at))).toBeLessThan(resumedAt + 1_000);
  });

  it('a claim that raced the pause is refused at placing and handed back unspent', async () => {
    const { e, tenant } = await setUp();
    const batch = await insertQueuedBatch(e.db, {
      workspaceId: tenant.workspaceId,
      agentId: tenant.agentId,
      now: e.clock.now(),
      phones: [reserved(1), reserved(2)],
    });
    // A claim that read the batch as running before the pause committed: its claimed attempts
    // are written after the pause's hand-back could see them.
    await txWithRetry(e.db, (q) =>
      pauseBatches(q, {
        workspaceId: tenant.workspaceId,
        batchIds: [batch.id],
        reason: 'paused by request',
        now: e.clock.now(),
      }),
    );
    const attemptIds = batch.callIds.map((_, i) => newId('att', T0 + i));
    await txWithRetry(e.db, (q) =>
      startAttempts(q, {
        workspaceId: tenant.workspaceId,
        workerId: 'w1',
        leaseMs: 60_000,
        now: e.clock.now(),
        starts: batch.callIds.map((callId, i) => ({
          callId,
          batchId: batch.id,
          attemptId: attemptIds[i]!,
          startedAt: e.clock.now(),
          provider: 'simulator',
        })),
      }),
    );
    const moved = await txWithRetry(e.db, (q) =>
      markPlacing(q, { attemptIds, owner: 'w1', leaseUntil: e.clock.now() + 60_000 }),
    );
    expect(moved).toEqual([]);
    expect((await attemptsOf(e.db, batch.id)).map((a) => a.state)).toEqual(['claimed', 'claimed']);
    // A claim now finds nothing of the paused batch.
    expect((await claimCalls(e.rt, { workerId: 'w2', max: 10 })).claimed).toEqual([]);

    // A pause that sees them hands them back: the calls wait again, the attempts unspent.
    await txWithRetry(e.db, (q) =>
      pauseBatches(q, {
        workspaceId: tenant.workspaceId,
        batchIds: [batch.id],
        reason: 'paused by request',
        now: e.clock.now(),
      }),
    );
    // (The batch was paused already: its status stays, its claimed attempts still go.)
    expect(await attemptsOf(e.db, batch.id)).toEqual([]);
    const calls = await callsOf(e.db, batch.id);
    expect(calls.map((c) => [c.state, c.attempts])).toEqual([
      ['waiting', 0],
      ['waiting', 0],
    ]);
    await expectCountersMatchCalls(e.db, batch.id);
  });

  it('stop everything: every batch of the workspace, one created meanwhile included', async () => {
    const { e, app, tenant } = await setUp();
    await e.start();
    const mk = (n: number, from: number) =>
      insertQueuedBatch(e.db, {
        workspaceId: tenant.workspaceId,
        agentId: tenant.agentId,
        now: e.clock.now(),
        phones: Array.from({ length: n }, (_, i) => reserved(from + i)),
      });
    const a = await mk(6, 0);
    const own = await mk(3, 10);
    await e.clock.advance(1_000);
    expect((await post(app, tenant, `/batch-calls/${own.id}/pause`)).statusCode).toBe(200);
    const res = await post(app, tenant, '/workspace/pause');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ paused: true });
    const pausedAt = e.clock.now();
    const later = await mk(3, 20);
    await e.clock.advance(600_000);
    for (const b of [a, own, later]) {
      const started = (await attemptsOf(e.db, b.id)).filter(
        (x) => x.started_at > pausedAt + PLACING_LOOKAHEAD_MS,
      );
      expect(started).toEqual([]);
    }
    const list = await app.app.inject({
      method: 'GET',
      url: '/v1/api/batch-calls?status=paused',
      headers: tenant.headers,
    });
    const reasons = Object.fromEntries(
      list.json().batches.map((b: { id: string; pausedReason: string }) => [b.id, b.pausedReason]),
    );
    expect(reasons).toEqual({ [a.id]: 'workspace paused', [own.id]: 'paused by request' });
    const refused = await post(app, tenant, `/batch-calls/${a.id}/resume`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'Workspace paused' });

    expect((await post(app, tenant, '/workspace/resume')).json()).toEqual({ paused: false });
    await e.clock.runUntil(
      async () =>
        (await batchRow(e.db, a.id)).status === 'completed' &&
        (await batchRow(e.db, later.id)).status === 'completed',
      3_600_000,
    );
    // The batch paused on its own stays paused.
    expect((await batchRow(e.db, own.id)).status).toBe('paused');
  });
});
