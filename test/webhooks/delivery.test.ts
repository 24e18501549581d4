import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { LINGER_BELOW } from '../../src/domain/group-linger.js';
import { newId } from '../../src/domain/ids.js';
import { openSecretBox, type SecretBox } from '../../src/security/secret-box.js';
import type { Db } from '../../src/storage/db.js';
import { insertClaimedDelivery } from '../../src/storage/webhook-deliveries-repo.js';
import { DeliveredRecorder } from '../../src/webhooks/delivered-recorder.js';
import { claimAndSend, startDeliveryWorker } from '../../src/webhooks/delivery-worker.js';
import { EndpointSlots } from '../../src/webhooks/endpoint-slots.js';
import { webhookMetrics } from '../../src/webhooks/webhook-metrics.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import type { Tenant, TestApp } from '../support/http.js';
import { closeApp } from '../support/http.js';
import { webhookTestApp } from '../support/webhook-app.js';
import {
  type Answer,
  answerWith,
  type Receiver,
  startReceiver,
} from '../support/webhook-receiver.js';

// The delivery worker against a real receiver: retries on the §20 schedule with the same
// webhook-id, timeouts and dropped connections, 410 and five failing days disabling the endpoint,
// a lost worker's claim taken over after its lease, the per-endpoint cap.

describeEachDb('webhook delivery', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let rx: Receiver;
  let box: SecretBox;
  beforeAll(async () => {
    t = await createTestDb(backend);
    ({ h, a } = await webhookTestApp(t));
    rx = await startReceiver();
    box = (await openSecretBox(h.rt.db, h.rt.config))!;
  });
  afterAll(async () => {
    await rx.close();
    await closeApp(h, t);
  });
  beforeEach(async () => {
    // Each case starts with an empty queue: what an earlier one left pending is not its business.
    await t.db.query('DELETE FROM webhook_deliveries');
    rx.received.length = 0;
    rx.answer = answerWith(200);
  });

  const endpoint = async (url = rx.url) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/api/webhooks',
      headers: a.headers,
      payload: { url, events: ['*'] },
    });
    rx.secrets = [res.json().secret];
    return res.json().id as string;
  };
  const queue = async (endpointId: string) => {
    const id = newId('msg', h.clock.now());
    await insertClaimedDelivery(t.db, {
      id,
      endpointId,
      workspaceId: a.workspaceId,
      eventType: 'call.completed',
      body: JSON.stringify({ type: 'call.completed', data: { jobId: id } }),
      now: h.clock.now(),
      owner: 'nobody',
      leaseUntil: h.clock.now(),
    });
    return id;
  };
  const send = async (opts: { timeoutMs?: number; owner?: string; perEndpoint?: number } = {}) => {
    const started = await claimAndSend(h.rt, box, { owner: 'w1', limit: 50, ...opts });
    return Promise.all(started);
  };
  const deliveryOf = async (webhookId: string, id: string) => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/api/webhooks/${webhookId}/deliveries?limit=100`,
      headers: a.headers,
    });
    return res.json().deliveries.find((d: { id: string }) => d.id === id);
  };
  const webhook = async (id: string) =>
    (
      await h.app.inject({ method: 'GET', url: `/v1/api/webhooks/${id}`, headers: a.headers })
    ).json();

  it('a receiver answering 500 gets the same webhook-id again after the back-off, then 200', async () => {
    const wh = await endpoint();
    const id = await queue(wh);
    rx.answer = answerWith(500);
    await send();
    expect(await deliveryOf(wh, id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 500,
      nextAttemptAt: h.clock.now() + 5_000,
    });
    expect(await send()).toEqual([]); // not due yet
    await h.clock.advance(5_000);
    await send();
    expect((await deliveryOf(wh, id)).nextAttemptAt).toBe(h.clock.now() + 300_000);
    rx.answer = answerWith(204);
    await h.clock.advance(300_000);
    await send();
    expect(await deliveryOf(wh, id)).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastStatusCode: 204,
      deliveredAt: h.clock.now(),
    });
    expect(rx.received.map((r) => r.id)).toEqual([id, id, id]);
    expect(rx.received.every((r) => r.verifiedBy === 0)).toBe(true);
    expect((await webhook(wh)).enabled).toBe(true);
  });

  it('a timeout and a dropped connection are failures to retry', async () => {
    const wh = await endpoint();
    const id = await queue(wh);
    rx.answer = () => {}; // never answers
    await send({ timeoutMs: 200 });
    expect(await deliveryOf(wh, id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'No answer within 0.2 s',
    });
    expect((await deliveryOf(wh, id)).lastStatusCode).toBeUndefined();
    rx.answer = (_r, req) => req.socket.destroy();
    await h.clock.advance(5_000);
    await send();
    expect(await deliveryOf(wh, id)).toMatchObject({ status: 'pending', attempts: 2 });
    expect((await deliveryOf(wh, id)).lastError).toMatch(/socket hang up|ECONNRESET/);
  });

  it('gives up after the last retry', async () => {
    const wh = await endpoint();
    const id = await queue(wh);
    rx.answer = answerWith(503);
    for (const delay of [0, 5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6]) {
      await h.clock.advance(delay);
      expect(await send()).toHaveLength(1);
    }
    expect(await deliveryOf(wh, id)).toMatchObject({ status: 'failed', attempts: 8 });
    expect((await deliveryOf(wh, id)).nextAttemptAt).toBeUndefined();
    await h.clock.advance(100 * 3_600_000);
    expect(await send()).toEqual([]);
  });

  it('410 Gone disables the endpoint and fails the delivery; enabling it again clears the reason', async () => {
    const wh = await endpoint();
    const id = await queue(wh);
    const other = await queue(wh);
    rx.answer = answerWith(410);
    // Both are claimed; the second waits for the first's slot, and is handed back unsent, its
    // try not spent, once the first's 410 has disabled the endpoint.
    await send({ perEndpoint: 1 });
    expect(rx.received).toHaveLength(1);
    const first = rx.received[0]!.id;
    expect(await deliveryOf(wh, first === id ? other : id)).toMatchObject({
      status: 'pending',
      attempts: 0,
    });
    expect(await deliveryOf(wh, first)).toMatchObject({ status: 'failed', lastStatusCode: 410 });
    expect(await webhook(wh)).toMatchObject({
      enabled: false,
      disabledReason: 'The endpoint answered 410 Gone',
    });
    expect(await send()).toEqual([]); // the other one waits for the endpoint
    rx.answer = answerWith(200);
    const res = await h.app.inject({
      method: 'PATCH',
      url: `/v1/api/webhooks/${wh}`,
      headers: a.headers,
      payload: { enabled: true },
    });
    expect(res.json()).not.toHaveProperty('disabledReason');
    await send();
    expect(await deliveryOf(wh, first === id ? other : id)).toMatchObject({ status: 'delivered' });
  });

  it('an endpoint failing for five days is disabled with a reason', async () => {
    const wh = await endpoint();
    rx.answer = answerWith(500);
    await queue(wh);
    await send();
    await h.clock.advance(5 * 24 * 3_600_000);
    await queue(wh);
    await send();
    expect(await webhook(wh)).toMatchObject({
      enabled: false,
      disabledReason: expect.stringContaining('5 days'),
    });
  });

  it("a lost worker's delivery goes out again after its lease, with the same webhook-id", async () => {
    const wh = await endpoint();
    const id = await queue(wh);
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    // Worker 1 claims it and never records an outcome (its receiver hangs until it is gone).
    rx.answer = (_r, _req, res) => void held.then(() => res.destroy());
    const lost = claimAndSend(h.rt, box, { owner: 'lost', limit: 5, leaseMs: 60_000 });
    await lost;
    await new Promise((r) => setTimeout(r, 50));
    expect(await send({ owner: 'w2' })).toEqual([]);
    await h.clock.advance(60_000);
    rx.answer = answerWith(200);
    await send({ owner: 'w2' });
    expect(await deliveryOf(wh, id)).toMatchObject({ status: 'delivered', attempts: 1 });
    release();
    await Promise.all(await lost);
    // The lost worker's late outcome does not overwrite it.
    expect(await deliveryOf(wh, id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(rx.received.map((r) => r.id)).toEqual([id, id]);
  });

  it('holds at most perEndpoint tries to one endpoint, so a slow one does not hold the others', async () => {
    const slow = await endpoint();
    const fast = await endpoint();
    const gate: Array<() => void> = [];
    const slowAnswer: Answer = (_r, _req, res) => gate.push(() => res.writeHead(200).end());
    for (let i = 0; i < 5; i++) await queue(slow);
    for (let i = 0; i < 5; i++) await queue(fast);
    const slots = new EndpointSlots(2);
    rx.answer = slowAnswer;
    const opts = { owner: 'w1', limit: 50, rounds: 1, slots };
    const first = await claimAndSend(h.rt, box, opts);
    expect(first).toHaveLength(4); // two of each
    expect(slots.heldOf(slow)).toBe(2);
    const more = await claimAndSend(h.rt, box, opts);
    expect(more).toEqual([]); // both at their cap
    while (gate.length < 4) await new Promise((r) => setTimeout(r, 10));
    for (const open of gate.splice(0)) open();
    await Promise.all(first);
    expect(slots.total).toBe(0);
  });

  it('claims rounds ahead of a receiver but sends it at most perEndpoint at once, each within its lease', async () => {
    const wh = await endpoint();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      await h.clock.advance(1);
      ids.push(await queue(wh));
    }
    const gate: Array<() => void> = [];
    rx.answer = (_r, _req, res) => gate.push(() => res.writeHead(200).end());
    const slots = new EndpointSlots(2);
    const now = h.clock.now();
    const opts = { owner: 'w1', limit: 50, rounds: 3, slots, leaseMs: 15_000, timeoutMs: 4_000 };
    const first = await claimAndSend(h.rt, box, opts);
    // Three rounds of two: six held, the seventh left for a later claim.
    expect(first).toHaveLength(6);
    expect(slots.heldOf(wh)).toBe(6);
    const leases = await t.db.query<{ next_attempt_at: number; lease_owner: string | null }>(
      `SELECT next_attempt_at, lease_owner FROM webhook_deliveries WHERE id = ANY($1)
        ORDER BY created_at`,
      [ids],
    );
    // Oldest first; a round's lease adds one try's length for every round ahead of it. The
    // seventh is still due, and nobody's.
    expect(leases.map((r) => Number(r.next_attempt_at) - now)).toEqual([
      15_000, 15_000, 19_000, 19_000, 23_000, 23_000, 0,
    ]);
    expect(leases.map((r) => r.lease_owner)).toEqual([...Array(6).fill('w1'), 'nobody']);
    for (let round = 0; round < 3; round++) {
      // The receiver never has more than two at once.
      while (gate.length < 2) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 30));
      expect(gate).toHaveLength(2);
      expect(slots.sendingOf(wh)).toBe(2);
      for (const open of gate.splice(0)) open();
    }
    await Promise.all(first);
    // In claim order, oldest first.
    expect(rx.received.map((r) => r.id)).toEqual(ids.slice(0, 6));
    expect(slots.total).toBe(0);
  });

  it("an endpoint's backlog at its cap does not crowd out another endpoint's deliveries", async () => {
    const busy = await endpoint();
    const other = await endpoint();
    for (let i = 0; i < 40; i++) await queue(busy);
    await h.clock.advance(1);
    const later = await queue(other);
    const gate: Array<() => void> = [];
    rx.answer = (_r, _req, res) => gate.push(() => res.writeHead(200).end());
    const slots = new EndpointSlots(2);
    const opts = { owner: 'w1', limit: 5, rounds: 1, slots };
    const first = await claimAndSend(h.rt, box, opts);
    expect(first).toHaveLength(2);
    expect(slots.heldOf(busy)).toBe(2);
    const second = await claimAndSend(h.rt, box, opts);
    expect(second).toHaveLength(1);
    expect(slots.heldOf(other)).toBe(1);
    while (gate.length < 3) await new Promise((r) => setTimeout(r, 10));
    expect(rx.received.map((r) => r.id)).toContain(later);
    for (const open of gate.splice(0)) open();
    await Promise.all([...first, ...second]);
  });

  it('successes written in one group keep the claim guard: a delivery requeued meanwhile stays pending', async () => {
    const wh = await endpoint();
    const kept = await queue(wh);
    const requeued = await queue(wh);
    const now = h.clock.now();
    await t.db.query(
      "UPDATE webhook_deliveries SET lease_owner = 'w9', next_attempt_at = $2 WHERE id = ANY($1)",
      [[kept, requeued], now + 60_000],
    );
    await t.db.query(
      'UPDATE webhook_deliveries SET lease_owner = NULL, next_attempt_at = $2 WHERE id = $1',
      [requeued, now],
    );
    const recorder = new DeliveredRecorder(t.db);
    await Promise.all(
      [kept, requeued].map((id) => recorder.record({ id, owner: 'w9', statusCode: 200, now })),
    );
    expect(await deliveryOf(wh, kept)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await deliveryOf(wh, requeued)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('successes that keep arriving during writes gather into one group', async () => {
    const wh = await endpoint();
    const ids: string[] = [];
    for (let i = 0; i < LINGER_BELOW + 1; i++) ids.push(await queue(wh));
    const now = h.clock.now();
    await t.db.query("UPDATE webhook_deliveries SET lease_owner = 'w9' WHERE id = ANY($1)", [ids]);
    const [first, second, third, ...later] = ids;
    const recorded: Promise<void>[] = [];
    const success = (id: string) => recorder.record({ id, owner: 'w9', statusCode: 200, now });
    let writes = 0;
    const counting: Db = {
      ...t.db,
      query: (text, params) => {
        // Two more successes while the first write runs: more are coming, so the next group
        // waits (here as long as it takes: the linger is a minute) until a large one is pending.
        if (text.includes("delivery_status = 'delivered'") && ++writes === 1) {
          recorded.push(success(second!), success(third!));
        }
        return t.db.query(text, params);
      },
    };
    const recorder = new DeliveredRecorder(counting, 60_000);
    recorded.push(success(first!));
    // The rest one by one, each in a later turn of the event loop.
    for (const id of later) {
      await new Promise((r) => setImmediate(r));
      recorded.push(success(id));
    }
    await Promise.all(recorded);
    expect(writes).toBe(2);
    const [row] = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM webhook_deliveries WHERE delivery_status = 'delivered' AND id = ANY($1)",
      [ids],
    );
    expect(row!.n).toBe(ids.length);
  });

  it('the worker loop claims a backlog in large groups, not a few rows after every try', async () => {
    const wh = await endpoint();
    const ids: string[] = [];
    for (let i = 0; i < 96; i++) ids.push(await queue(wh));
    const claimed: number[] = [];
    const db: Db = {
      ...h.rt.db,
      tx: (fn, o) =>
        h.rt.db.tx(
          (q) =>
            fn({
              query: async <R>(text: string, params?: readonly unknown[]) => {
                const rows = await q.query<R>(text, params);
                if (text.includes('WITH due AS') && rows.length > 0) claimed.push(rows.length);
                return rows;
              },
            }),
          o,
        ),
    };
    // A share of 16 (2 at once, 8 rounds): after the first claim, one comes once the endpoint
    // holds 8 or fewer, and takes 8 or more. The poll never comes (the clock does not move).
    const worker = startDeliveryWorker(
      { ...h.rt, db },
      { owner: 'groups', pollMs: 60 * 60_000, perEndpoint: 2, rounds: 8 },
    );
    try {
      for (let i = 0; i < 1_000 && rx.received.length < ids.length; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await worker.stop();
    }
    expect(rx.received.map((r) => r.id).sort()).toEqual(ids.sort());
    // Every claim but the last (the rest of the backlog) takes 8 or more: the old rule, a claim
    // whenever the worker was half empty, took one or two rows after every try or two.
    expect(claimed.reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(claimed.length).toBeGreaterThanOrEqual(2);
    expect(claimed.slice(0, -1).every((n) => n >= 8)).toBe(true);
  });

  it('the worker loop sends what is due and counts it in /metrics', async () => {
    const wh = await endpoint();
    const ids = [await queue(wh), await queue(wh)];
    const worker = startDeliveryWorker(h.rt, { owner: 'loop', pollMs: 10 });
    try {
      for (let i = 0; i < 200 && rx.received.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 20));
        await h.clock.advance(10);
      }
    } finally {
      await worker.stop();
    }
    expect(rx.received.map((r) => r.id).sort()).toEqual(ids.sort());
    const text = await webhookMetrics(h.rt).registry.metrics();
    expect(text).toMatch(/outdial_webhook_deliveries_total\{result="delivered"\} \d+/);
    expect(text).toContain('outdial_webhook_delivery_seconds_bucket');
    expect(text).toContain('outdial_webhook_queue_depth');
  });
});
