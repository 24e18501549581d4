import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiFixture } from '../support/api-fixture.js';
import { insertBatch, mixedCalls, phoneFor } from '../support/batch-fixtures.js';
import { describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, type Tenant, type TestApp } from '../support/http.js';

// Contract §8 `DELETE /batch-calls/{batchId}/contacts/{phone}`: the 200 body, the 404 when the
// number is not in the batch, and the decisions: an active number → 409 "Call in progress", a
// number whose jobs all ended → 200 with cancelledCalls 0, an unreadable number → 400.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const keysOf = (o: object) => Object.keys(o).sort();

describeEachDb('contract §8: cancel by phone number', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  let mixed: { id: string; callIds: string[] };

  beforeAll(async () => {
    ({ t, h, a, b } = await apiFixture(backend, T0));
    mixed = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
  });
  afterAll(() => closeApp(h, t));

  const del = (phone: string, batchId = mixed.id, who: Tenant = a, prefix = '/v1/api') =>
    h.app.inject({
      method: 'DELETE',
      url: `${prefix}/batch-calls/${batchId}/contacts/${phone}`,
      headers: who.headers,
    });
  const enc = (i: number) => encodeURIComponent(phoneFor(i));

  it('200: exactly phone_number (E.164) and cancelledCalls (an integer)', async () => {
    const res = await del(enc(0), mixed.id, a, '/v1');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(keysOf(res.json())).toEqual(['cancelledCalls', 'phone_number']);
    expect(res.json()).toEqual({ phone_number: phoneFor(0), cancelledCalls: 1 });
    // A waiting retry counts too.
    expect((await del(enc(1))).json()).toEqual({ phone_number: phoneFor(1), cancelledCalls: 1 });
  });

  it('decision: ended jobs → 200 with 0; an active job → 409 "Call in progress"', async () => {
    for (const i of [3, 4, 5, 0]) {
      const res = await del(enc(i));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ phone_number: phoneFor(i), cancelledCalls: 0 });
    }
    const active = await del(enc(2));
    expect(active.statusCode).toBe(409);
    expect(active.json()).toEqual({ error: 'Call in progress' });
  });

  it('404 "Contact not found" for a number that is not in the batch', async () => {
    const res = await del('%2B15005559999');
    expect(res.statusCode).toBe(404);
    expect(keysOf(res.json())).toEqual(['error', 'message']);
    expect(res.json().error).toBe('Contact not found');
    expect(typeof res.json().message).toBe('string');
  });

  it('404 as §2 for an unknown batch or another workspace’s', async () => {
    for (const [batchId, who] of [
      ['batch_unknown', a],
      [mixed.id, b],
    ] as const) {
      const res = await del(enc(6), batchId, who);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        error: 'Batch not found',
        message: `No batch with id ${batchId}`,
        id: batchId,
      });
    }
  });

  it('400 for a number that cannot be read', async () => {
    const res = await del('not-a-number');
    expect(res.statusCode).toBe(400);
    expect(keysOf(res.json())).toEqual(['error', 'message']);
    expect(res.json().error).toBe('Invalid phone number');
  });
});
