import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';
import { webhookTestApp } from '../support/webhook-app.js';
import { answerWith, type Receiver, startReceiver } from '../support/webhook-receiver.js';

// §20: the endpoints API. Deliveries themselves are tested in test/webhooks/.

describeEachDb('webhook endpoints (§20)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  let rx: Receiver;
  beforeAll(async () => {
    t = await createTestDb(backend);
    ({ h, a, b } = await webhookTestApp(t));
    rx = await startReceiver();
  });
  afterAll(async () => {
    await rx.close();
    await closeApp(h, t);
  });

  const req = async (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    json?: unknown,
    who = a,
  ) => {
    const res = await h.app.inject({
      method,
      url: `/v1/api/webhooks${url}`,
      headers: who.headers,
      ...(json === undefined ? {} : { payload: json as object }),
    });
    return { status: res.statusCode, body: res.json(), text: res.body };
  };

  it('creates an endpoint, shows its secret once, lists, reads, updates and deletes it', async () => {
    const created = await req('POST', '', {
      url: rx.url,
      events: ['call.completed', 'batch.completed'],
      description: 'CRM',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^wh_/),
      url: rx.url,
      events: ['call.completed', 'batch.completed'],
      description: 'CRM',
      enabled: true,
      createdAt: h.clock.now(),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/=]{32}$/),
    });
    const id = created.body.id as string;
    const secret = created.body.secret as string;

    const read = await req('GET', `/${id}`);
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(secret.slice(6));
    expect(read.body).not.toHaveProperty('secret');
    const list = await req('GET', '');
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).toContain(id);
    expect(list.text).not.toContain(secret.slice(6));
    // The secret is sealed at rest: the row holds no trace of it.
    const rows = await t.db.query<{ secret_sealed: string }>(
      'SELECT secret_sealed FROM webhook_endpoints WHERE id = $1',
      [id],
    );
    expect(rows[0]!.secret_sealed).toMatch(/^v1\./);
    expect(rows[0]!.secret_sealed).not.toContain(secret.slice(6));

    const patched = await req('PATCH', `/${id}`, {
      events: ['*'],
      description: null,
      enabled: false,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, events: ['*'], enabled: false });
    expect(patched.body).not.toHaveProperty('description');

    const deleted = await req('DELETE', `/${id}`);
    expect(deleted).toMatchObject({ status: 200, body: { id, deleted: true } });
    expect((await req('GET', `/${id}`)).status).toBe(404);
    expect((await req('DELETE', `/${id}`)).body).toEqual({
      error: 'Webhook not found',
      message: `No webhook endpoint with id ${id}`,
    });
  });

  it('refuses bad bodies and URLs with 400', async () => {
    for (const [body, error] of [
      [{ url: 'ftp://example.com/x', events: ['*'] }, 'Invalid webhook URL'],
      [{ url: 'not a url', events: ['*'] }, 'Invalid webhook URL'],
      [{ url: 'https://user:pw@example.com/x', events: ['*'] }, 'Invalid webhook URL'],
      [{ url: 'https://example.com/x', events: ['call.exploded'] }, 'Bad Request'],
      [{ url: 'https://example.com/x', events: [] }, 'Bad Request'],
      [{ events: ['*'] }, 'Bad Request'],
    ] as const) {
      const res = await req('POST', '', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe(error);
    }
    const created = await req('POST', '', { url: 'https://example.com/x', events: ['*'] });
    const res = await req('PATCH', `/${created.body.id}`, { url: 'gopher://x' });
    expect(res).toMatchObject({ status: 400, body: { error: 'Invalid webhook URL' } });
    expect((await req('PATCH', `/${created.body.id}`, {})).status).toBe(400);
  });

  it('sends a signed test event, logs it, and redelivers it with the same webhook-id', async () => {
    const created = await req('POST', '', { url: rx.url, events: ['*'] });
    rx.secrets = [created.body.secret];
    const test = await req('POST', `/${created.body.id}/test`);
    expect(test).toMatchObject({
      status: 200,
      body: { deliveryId: expect.stringMatching(/^msg_/), statusCode: 200 },
    });
    const got = rx.received.at(-1)!;
    expect(got.id).toBe(test.body.deliveryId);
    expect(got.verifiedBy).toBe(0);
    expect(got.timestamp).toBe(Math.floor(h.clock.now() / 1000));
    expect(got.json).toEqual({
      type: 'webhook.test',
      timestamp: new Date(h.clock.now()).toISOString(),
      data: { webhookId: created.body.id },
    });

    const log = await req('GET', `/${created.body.id}/deliveries`);
    expect(log.body).toEqual({
      deliveries: [
        {
          id: test.body.deliveryId,
          eventType: 'webhook.test',
          status: 'delivered',
          attempts: 1,
          lastStatusCode: 200,
          createdAt: h.clock.now(),
          deliveredAt: h.clock.now(),
        },
      ],
      pagination: { page: 1, limit: 20, total: 1, totalPages: 1, hasNext: false, hasPrev: false },
    });
    expect(
      (await req('GET', `/${created.body.id}/deliveries?status=failed`)).body.deliveries,
    ).toEqual([]);
    expect((await req('GET', `/${created.body.id}/deliveries?status=nope`)).status).toBe(400);

    const again = await req(
      'POST',
      `/${created.body.id}/deliveries/${test.body.deliveryId}/redeliver`,
    );
    expect(again).toMatchObject({
      status: 202,
      body: { deliveryId: test.body.deliveryId, status: 'pending' },
    });
    const pending = await req('GET', `/${created.body.id}/deliveries?status=pending`);
    expect(pending.body.deliveries).toMatchObject([
      { id: test.body.deliveryId, status: 'pending', attempts: 0, nextAttemptAt: h.clock.now() },
    ]);
    expect(
      (await req('POST', `/${created.body.id}/deliveries/msg_nope/redeliver`)).body,
    ).toMatchObject({
      error: 'Delivery not found',
    });
  });

  it('a test the receiver refuses reports its status and is retried later', async () => {
    const created = await req('POST', '', { url: rx.url, events: ['*'] });
    rx.answer = answerWith(500);
    try {
      const test = await req('POST', `/${created.body.id}/test`);
      expect(test.body).toMatchObject({ statusCode: 500, error: 'HTTP 500' });
      const log = await req('GET', `/${created.body.id}/deliveries`);
      expect(log.body.deliveries[0]).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastStatusCode: 500,
        lastError: 'HTTP 500',
        nextAttemptAt: h.clock.now() + 5_000,
      });
    } finally {
      rx.answer = answerWith(200);
    }
  });

  it('rotating the secret signs with both secrets for 24 hours', async () => {
    const created = await req('POST', '', { url: rx.url, events: ['*'] });
    const old = created.body.secret as string;
    const rotated = await req('POST', `/${created.body.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    rx.secrets = [old, fresh];
    await req('POST', `/${created.body.id}/test`);
    const both = rx.received.at(-1)!;
    expect(both.signatures).toHaveLength(2);
    rx.secrets = [old];
    await req('POST', `/${created.body.id}/test`);
    expect(rx.received.at(-1)!.verifiedBy).toBe(0);
    h.clock.advance(24 * 3_600_000);
    await req('POST', `/${created.body.id}/test`);
    expect(rx.received.at(-1)!.signatures).toHaveLength(1);
    expect(rx.received.at(-1)!.verifiedBy).toBe(-1);
    rx.secrets = [fresh];
    expect(rx.received.at(-1)!.signatures[0]).toMatch(/^v1,/);
  });

  it("another workspace's endpoints and deliveries are 404 on every route", async () => {
    const created = await req('POST', '', { url: rx.url, events: ['*'] }, b);
    const test = await req('POST', `/${created.body.id}/test`, undefined, b);
    const id = created.body.id as string;
    for (const [method, url, json] of [
      ['GET', `/${id}`],
      ['PATCH', `/${id}`, { enabled: false }],
      ['POST', `/${id}/rotate-secret`],
      ['POST', `/${id}/test`],
      ['GET', `/${id}/deliveries`],
      ['POST', `/${id}/deliveries/${test.body.deliveryId}/redeliver`],
      ['DELETE', `/${id}`],
    ] as const) {
      const res = await req(method, url, json);
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body.error).toBe('Webhook not found');
    }
    expect((await req('GET', '')).body.webhooks.map((w: { id: string }) => w.id)).not.toContain(id);
    expect((await req('GET', `/${id}`, undefined, b)).body.enabled).toBe(true);
  });
});

describeEachDb('webhook endpoints without a key outside the database', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, h.clock.now());
  });
  afterAll(() => closeApp(h, t));

  it('creating one is a 409 that says how to set a key', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: a.headers,
      payload: { url: 'https://example.com/hooks', events: ['*'] },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      error: 'No encryption key',
      message: expect.stringContaining('OUTDIAL_KEY_SECRET'),
    });
  });
});

describeEachDb('webhook URLs without OUTDIAL_WEBHOOK_ALLOW_PRIVATE', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  beforeAll(async () => {
    t = await createTestDb(backend);
    ({ h, a } = await webhookTestApp(t, { webhookAllowPrivate: false }));
  });
  afterAll(() => closeApp(h, t));

  it('refuses loopback, private, link-local and IPv6-mapped targets', async () => {
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://localhost/x',
      'http://10.1.2.3/x',
      'http://192.168.1.1/x',
      'http://172.20.0.1/x',
      'http://169.254.169.254/latest',
      'http://[::1]/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://[fe80::1]/x',
      'http://[fd00::1]/x',
      'http://0x7f000001/x',
    ]) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/api/webhooks',
        headers: a.headers,
        payload: { url, events: ['*'] },
      });
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toMatchObject({
        error: 'Invalid webhook URL',
        message: expect.stringContaining('OUTDIAL_WEBHOOK_ALLOW_PRIVATE'),
      });
    }
    const ok = await h.app.inject({
      method: 'POST',
      url: '/v1/api/webhooks',
      headers: a.headers,
      payload: { url: 'https://93.184.215.14/x', events: ['*'] },
    });
    expect(ok.statusCode).toBe(201);
  });
});
