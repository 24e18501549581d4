import { afterEach, expect, it } from 'vitest';
import { openSecretBox } from '../../src/security/secret-box.js';
import { type Harness, harness, T0 } from '../engine/harness.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  insertQueuedBatch,
  isBatchCompleted,
  reserved,
} from '../support/engine-fixtures.js';
import { createTestApp, type TestApp } from '../support/http.js';
import { drain, keyedWorkspace, TEST_KEY_SECRET } from '../support/webhook-app.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

// Events written by the transitions, delivered by the delivery worker to a real receiver that
// verifies every signature with the standardwebhooks package: after a batch of every reserved
// outcome, one terminal event per job, one call.attempt_ended per attempt, one batch.started and
// one batch.completed, with the bodies the API answers.

describeEachDb('webhook events of a batch', (backend) => {
  let h: Harness;
  let app: TestApp | undefined;
  let rx: Receiver | undefined;
  /** The harness, the app and a receiver (kept for afterEach), with a workspace whose endpoint takes `events`. */
  async function subscribed(events: string[]) {
    h = await harness(backend, { keySecret: TEST_KEY_SECRET, webhookAllowPrivate: true });
    const ws = await keyedWorkspace(h.rt);
    app = await createTestApp(
      h.db,
      { keySecret: TEST_KEY_SECRET, webhookAllowPrivate: true },
      h.clock,
    );
    rx = await startReceiver();
    const created = await app.app.inject({
      method: 'POST',
      url: '/v1/api/webhooks',
      headers: ws.headers,
      payload: { url: rx.url, events },
    });
    expect(created.statusCode).toBe(201);
    rx.secrets = [created.json().secret];
    return { ws, app, rx, endpointId: created.json().id as string };
  }

  afterEach(async () => {
    await rx?.close();
    await app?.app.close();
    await h?.close();
  });

  it('one terminal event per job, one per attempt, batch started and completed, bodies as the API', async () => {
    const { ws, app, rx, endpointId } = await subscribed(['*']);

    const phones = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900].map(reserved);
    const batch = await insertQueuedBatch(h.db, { ...ws, now: T0, phones });
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 60 * 60_000);
    await Promise.all(h.engines.map((e) => e.stop(0)));
    h.engines.length = 0;

    const box = (await openSecretBox(h.db, h.rt.config))!;
    // Receivers see duplicates only with the same webhook-id: a delivery sent twice is one event.
    await drain(h.rt, box);
    await h.db.query(
      "UPDATE webhook_deliveries SET delivery_status = 'pending', next_attempt_at = 0",
    );
    await drain(h.rt, box);

    expect(rx.received.every((r) => r.verifiedBy === 0)).toBe(true);
    const events = [...new Map(rx.received.map((r) => [r.id, r])).values()];
    expect(rx.received.length).toBe(2 * events.length);
    const byType = (type: string) => events.filter((e) => e.json.type === type);

    const calls = await callsOf(h.db, batch.id);
    const attempts = await attemptsOf(h.db, batch.id);
    const terminal = [...byType('call.completed'), ...byType('call.failed')];
    expect(terminal.map((e) => e.json.data['jobId']).sort()).toEqual(calls.map((c) => c.id).sort());
    expect(byType('call.cancelled')).toEqual([]);
    const ended = byType('call.attempt_ended');
    expect(ended).toHaveLength(attempts.length);
    expect(
      ended
        .map(
          (e) =>
            `${e.json.data['jobId']}#${(e.json.data['attempt'] as { attemptNo: number }).attemptNo}`,
        )
        .sort(),
    ).toEqual(attempts.map((a) => `${a.call_id}#${a.attempt_no}`).sort());
    expect(byType('batch.started')).toHaveLength(1);
    expect(byType('batch.completed')).toHaveLength(1);

    // Bodies equal what the API answers for the same call, now that every call is final.
    for (const e of terminal) {
      const { batchId, ...data } = e.json.data;
      expect(batchId).toBe(batch.id);
      const res = await app.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batch.id}/calls/${data['jobId']}`,
        headers: ws.headers,
      });
      expect(data).toEqual(res.json());
      expect(e.json.type).toBe(data['status'] === 'completed' ? 'call.completed' : 'call.failed');
    }
    for (const e of ended) {
      const a = attempts.find(
        (x) =>
          x.call_id === e.json.data['jobId'] &&
          x.attempt_no === (e.json.data['attempt'] as { attemptNo: number }).attemptNo,
      )!;
      expect(e.json.data['attempt']).toEqual({
        attemptNo: a.attempt_no,
        reason: a.reason,
        startTime: Number(a.started_at),
        endTime: Number(a.ended_at),
      });
    }
    const [done] = byType('batch.completed');
    const status = await app.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${batch.id}`,
      headers: ws.headers,
    });
    const { timestamp: _t1, ...eventBatch } = done!.json.data;
    const { timestamp: _t2, ...apiBatch } = status.json();
    expect(eventBatch).toEqual(apiBatch);
    expect(byType('batch.started')[0]!.json.data).toMatchObject({
      id: batch.id,
      status: 'processing',
    });

    const log = await app.app.inject({
      method: 'GET',
      url: `/v1/api/webhooks/${endpointId}/deliveries?status=delivered&limit=100`,
      headers: ws.headers,
    });
    expect(log.json().pagination.total).toBe(events.length);
  });

  it('cancels: one call.cancelled per waiting call and one batch.cancelled, bodies as the API', async () => {
    const { ws, app, rx } = await subscribed(['call.cancelled', 'batch.cancelled']);
    const phones = [reserved(0), reserved(1), reserved(2)];
    const batch = await insertQueuedBatch(h.db, { ...ws, now: T0, runAt: T0 + 86_400_000, phones });
    const one = batch.callIds[0]!;
    const api = (method: 'GET' | 'DELETE', url: string) =>
      app!.app.inject({
        method,
        url: `/v1/api/batch-calls/${batch.id}${url}`,
        headers: ws.headers,
      });
    expect((await api('DELETE', `/calls/${one}`)).statusCode).toBe(200);
    await h.clock.advance(1_000);
    expect((await api('DELETE', '')).statusCode).toBe(200);

    await drain(h.rt, (await openSecretBox(h.db, h.rt.config))!);
    expect(rx.received.every((r) => r.verifiedBy === 0)).toBe(true);
    const cancelled = rx.received.filter((r) => r.json.type === 'call.cancelled');
    expect(cancelled.map((r) => r.json.data['jobId']).sort()).toEqual([...batch.callIds].sort());
    for (const e of cancelled) {
      const { batchId, ...data } = e.json.data;
      expect(batchId).toBe(batch.id);
      expect(data).toEqual((await api('GET', `/calls/${data['jobId']}`)).json());
    }
    const [done] = rx.received.filter((r) => r.json.type === 'batch.cancelled');
    expect(rx.received).toHaveLength(4);
    const { timestamp: _t1, ...eventBatch } = done!.json.data;
    const { timestamp: _t2, ...apiBatch } = (await api('GET', '')).json();
    expect(eventBatch).toEqual(apiBatch);
    expect(eventBatch).toMatchObject({ status: 'cancelled' });
  });

  it('pause and resume, of a batch and of the whole workspace: one batch.paused and one batch.resumed each, bodies as the API', async () => {
    const { ws, app, rx } = await subscribed(['batch.paused', 'batch.resumed']);
    const later = T0 + 86_400_000;
    const batch = await insertQueuedBatch(h.db, {
      ...ws,
      now: T0,
      runAt: later,
      phones: [reserved(0)],
    });
    const post = (url: string) =>
      app!.app.inject({ method: 'POST', url: `/v1/api${url}`, headers: ws.headers });
    const status = async () =>
      (
        await app!.app.inject({
          method: 'GET',
          url: `/v1/api/batch-calls/${batch.id}`,
          headers: ws.headers,
        })
      ).json();
    const bodies: unknown[] = [];
    expect((await post(`/batch-calls/${batch.id}/pause`)).statusCode).toBe(200);
    bodies.push(await status());
    await h.clock.advance(1_000);
    expect((await post(`/batch-calls/${batch.id}/resume`)).statusCode).toBe(200);
    bodies.push(await status());
    await h.clock.advance(1_000);
    expect((await post('/workspace/pause')).statusCode).toBe(200);
    bodies.push(await status());
    await h.clock.advance(1_000);
    expect((await post('/workspace/resume')).statusCode).toBe(200);
    bodies.push(await status());

    await drain(h.rt, (await openSecretBox(h.db, h.rt.config))!);
    expect(rx.received.every((r) => r.verifiedBy === 0)).toBe(true);
    const events = [...rx.received].sort(
      (a, b) => Number(a.json.data['timestamp'] ?? 0) - Number(b.json.data['timestamp'] ?? 0),
    );
    expect(rx.received.map((r) => r.json.type).sort()).toEqual([
      'batch.paused',
      'batch.paused',
      'batch.resumed',
      'batch.resumed',
    ]);
    const strip = (b: unknown) => {
      const { timestamp: _t, ...rest } = b as Record<string, unknown>;
      return rest;
    };
    const sent = (type: string) =>
      rx!.received.filter((r) => r.json.type === type).map((r) => strip(r.json.data));
    expect(sent('batch.paused')).toEqual(
      expect.arrayContaining([strip(bodies[0]), strip(bodies[2])]),
    );
    expect(sent('batch.resumed')).toEqual(
      expect.arrayContaining([strip(bodies[1]), strip(bodies[3])]),
    );
    expect(events).toHaveLength(4);
  });

  it('an auto-pause writes one batch.paused, with its reason, as the API shows the batch', async () => {
    const { ws, app, rx } = await subscribed(['batch.paused']);
    await h.db.query(
      'UPDATE workspaces SET max_concurrent_calls = 1, calls_per_second = 1 WHERE id = $1',
      [ws.workspaceId],
    );
    // Unreachable numbers (range 400): the rule breaks at the 4th attempt.
    const batch = await insertQueuedBatch(h.db, {
      ...ws,
      now: T0,
      phones: Array.from({ length: 12 }, (_, i) => reserved(400 + i)),
      config: { autoPause: { failureRate: 0.5, minAttempts: 4 } },
    });
    await h.start();
    const paused = async () =>
      (
        await h.db.query<{ status: string }>('SELECT status FROM batches WHERE id = $1', [batch.id])
      )[0]!.status === 'paused';
    await h.clock.runUntil(paused, 3_600_000);
    await Promise.all(h.engines.map((e) => e.stop(0)));
    h.engines.length = 0;
    const api = (
      await app.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batch.id}`,
        headers: ws.headers,
      })
    ).json();
    expect(api.pausedReason).toMatch(/^auto-paused/);

    await drain(h.rt, (await openSecretBox(h.db, h.rt.config))!);
    expect(rx.received.map((r) => r.json.type)).toEqual(['batch.paused']);
    const { timestamp: _t, progress: _p, ...sent } = rx.received[0]!.json.data;
    const { timestamp: _t2, progress: _p2, ...shown } = api;
    expect(sent).toEqual(shown);
  });

  it('nothing is written for a workspace without endpoints', async () => {
    h = await harness(backend, { keySecret: TEST_KEY_SECRET });
    const ws = await keyedWorkspace(h.rt);
    const batch = await insertQueuedBatch(h.db, {
      ...ws,
      now: T0,
      phones: [reserved(0), reserved(400)],
    });
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 60 * 60_000);
    const [n] = await h.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM webhook_deliveries',
    );
    expect(n!.n).toBe(0);
  });
});
