import { afterEach, expect, it } from 'vitest';
import { insertBatch } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { expectCountersMatchCalls } from '../support/engine-fixtures.js';
import {
  closeApp,
  createTestApp,
  multipart,
  seedTenant,
  type Tenant,
  type TestApp,
} from '../support/http.js';

// Ext §17 append: the same ingest path as §1, duplicates checked against the whole batch, the
// do-not-call list applied, the batch's frozen config, a completed batch reopened.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

describeEachDb('appending recipients (ext §17)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  afterEach(() => closeApp(h, t));

  async function setup() {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    await h.clock.advance(3_600_000);
    a = await seedTenant(t.db, T0, 'A');
    b = await seedTenant(t.db, T0, 'B');
  }

  const post = (url: string, payload: unknown, who: Tenant = a) =>
    h.app.inject({
      method: 'POST',
      url: `/v1/api${url}`,
      headers: who.headers,
      payload: payload as string,
    });
  const phonesOf = async (batchId: string) =>
    (
      await t.db.query<{ phone_number: string; seq: number; state: string }>(
        'SELECT phone_number, seq, state FROM calls WHERE batch_id = $1 ORDER BY seq',
        [batchId],
      )
    ).map((r) => `${r.seq}:${r.phone_number}`);

  it('adds the new numbers after the last row; a number already in the batch or listed is left out', async () => {
    await setup();
    const created = await post('/batch-calls', {
      agentId: a.agentId,
      recipients: [{ phone_number: '+15005550001' }, { phone_number: '+15005550002' }],
    });
    const batchId = created.json().batchId as string;
    await post('/dnc', { phoneNumbers: ['+15005550004'] });
    const res = await post(`/batch-calls/${batchId}/recipients`, {
      recipients: [
        { phone_number: '+1 500 555 0002' },
        { phone_number: '+15005550003' },
        { phone_number: '+15005550004' },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      batchId,
      addedCalls: 1,
      totalCalls: 3,
      skippedRows: [
        {
          row: 2,
          column: 'phone_number',
          message: expect.stringContaining('already in the batch'),
        },
      ],
      skippedCount: 1,
      suppressedRows: [{ row: 4, phone_number: '+15005550004' }],
    });
    expect(await phonesOf(batchId)).toEqual(['0:+15005550001', '1:+15005550002', '2:+15005550003']);
    const status = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batchId}`,
        headers: a.headers,
      })
    ).json();
    expect(status.totalCalls).toBe(3);
    await expectCountersMatchCalls(t.db, batchId);
    expect(h.wakes).toBeGreaterThanOrEqual(2);
  });

  it('a CSV through the same reader; a completed batch reopens; invalid rows add nothing', async () => {
    await setup();
    const done = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [
        {
          state: 'completed',
          startTime: T0,
          endTime: T0 + 1_000,
          duration: 1,
          phone: '+15005550009',
        },
      ],
    });
    const bad = multipart({}, { content: 'phone_number\n+15005550010\nnot a number\n' });
    const refused = await h.app.inject({
      method: 'POST',
      url: `/v1/api/batch-calls/${done.id}/recipients`,
      headers: { ...a.headers, ...bad.headers },
      payload: bad.payload,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toBe('CSV validation failed');
    expect(await phonesOf(done.id)).toEqual(['0:+15005550009']);

    const form = multipart({}, { content: 'Mobile;first_name\n+15005550010;Ada\n' });
    const ok = await h.app.inject({
      method: 'POST',
      url: `/v1/api/batch-calls/${done.id}/recipients`,
      headers: { ...a.headers, ...form.headers },
      payload: form.payload,
    });
    expect(ok.json()).toEqual({ batchId: done.id, addedCalls: 1, totalCalls: 2 });
    const status = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${done.id}`,
        headers: a.headers,
      })
    ).json();
    expect(status).toMatchObject({ status: 'processing', isComplete: false });
    expect(status.progress.completedTime).toBeNull();
    await expectCountersMatchCalls(t.db, done.id);
  });

  it('with an Idempotency-Key: a repeat adds nothing and answers the first response', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting', phone: '+15005550001' }],
    });
    const send = (payload: unknown) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/api/batch-calls/${batch.id}/recipients`,
        headers: { ...a.headers, 'idempotency-key': 'append-1' },
        payload: payload as string,
      });
    const body = {
      recipients: [{ phone_number: '+15005550002' }, { phone_number: '+15005550003' }],
    };
    const [first, second] = await Promise.all([send(body), send(body)]);
    expect(first.json()).toEqual(second.json());
    expect(first.json()).toMatchObject({ addedCalls: 2, totalCalls: 3 });
    const third = await send(body);
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(third.json()).toEqual(first.json());
    expect(await phonesOf(batch.id)).toHaveLength(3);
    const other = await send({ recipients: [{ phone_number: '+15005550004' }] });
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toBe('Idempotency key reused');
    await expectCountersMatchCalls(t.db, batch.id);
  });

  it('409 for a cancelled batch, 404 for another workspace’s', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting', phone: '+15005550001' }],
    });
    const body = { recipients: [{ phone_number: '+15005550002' }] };
    expect((await post(`/batch-calls/${batch.id}/recipients`, body, b)).statusCode).toBe(404);
    await h.app.inject({
      method: 'DELETE',
      url: `/v1/api/batch-calls/${batch.id}`,
      headers: a.headers,
    });
    const res = await post(`/batch-calls/${batch.id}/recipients`, body);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: 'Batch already cancelled' });
    expect(await phonesOf(batch.id)).toEqual(['0:+15005550001']);
  });
});
