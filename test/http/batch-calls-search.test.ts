import { afterEach, expect, it } from 'vitest';
import { type CallSpec, insertBatch } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// ext: the `phone` filter of §4's calls list ("search by number" in the dashboard). Every answer
// is checked against /openapi.json, so the document describes the parameter and its 400.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

const PHONES = [
  '+15005550101',
  '+15005550102',
  '+15005550201',
  '+447911123456',
  '+15005550301',
  '+15005550401',
];

describeEachDb('batch calls list: search by number (ext)', (backend) => {
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

  const batchOf = async (who: Tenant) => {
    // Rows 0, 2 and 4 completed, the others waiting: the status filter has something to cut.
    const calls: CallSpec[] = PHONES.map((phone, i) =>
      i % 2 === 0
        ? { state: 'completed', phone, startTime: T0, endTime: T0 + 60_000, duration: 30 }
        : { state: 'waiting', phone },
    );
    return insertBatch(t.db, {
      workspaceId: who.workspaceId,
      agentId: who.agentId,
      createdAt: T0,
      calls,
    });
  };

  const list = async (batchId: string, query: string, who: Tenant = a) => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${batchId}/calls?${query}`,
      headers: who.headers,
    });
    return { status: res.statusCode, body: res.json() };
  };
  const numbers = (body: { calls: Array<{ phone_number: string }> }) =>
    body.calls.map((c) => c.phone_number);
  const phone = (text: string) => `phone=${encodeURIComponent(text)}`;

  it('matches any part of the number, in CSV order, and counts the matches', async () => {
    await setup();
    const batch = await batchOf(a);
    const part = await list(batch.id, phone('0101'));
    expect(part.status).toBe(200);
    expect(numbers(part.body)).toEqual(['+15005550101']);
    expect(part.body.pagination).toEqual({
      page: 1,
      limit: 20,
      total: 1,
      totalPages: 1,
      hasNext: false,
      hasPrev: false,
    });
    // The summary still describes the whole batch.
    expect(part.body.summary).toEqual({
      total: 6,
      waiting: 3,
      active: 0,
      completed: 3,
      failed: 0,
      cancelled: 0,
    });
    // Typed with punctuation, a prefix, or whole with + and spaces: the same digits.
    expect(numbers((await list(batch.id, phone('555-02'))).body)).toEqual(['+15005550201']);
    expect(numbers((await list(batch.id, phone('+1 (500) 555.0102'))).body)).toEqual([
      '+15005550102',
    ]);
    expect(numbers((await list(batch.id, phone('00 44 7911'))).body)).toEqual(['+447911123456']);
    const us = await list(batch.id, phone('1500555'));
    expect(numbers(us.body)).toEqual(PHONES.filter((p) => p.startsWith('+1')));
    expect(us.body.pagination.total).toBe(5);
    const none = await list(batch.id, phone('999999'));
    expect(none.body.calls).toEqual([]);
    expect(none.body.pagination).toMatchObject({ total: 0, totalPages: 0, hasNext: false });
  });

  it('pages over the matches and combines with the status filter', async () => {
    await setup();
    const batch = await batchOf(a);
    const second = await list(batch.id, `${phone('1500555')}&limit=2&page=2`);
    expect(numbers(second.body)).toEqual(['+15005550201', '+15005550301']);
    expect(second.body.pagination).toEqual({
      page: 2,
      limit: 2,
      total: 5,
      totalPages: 3,
      hasNext: true,
      hasPrev: true,
    });
    const beyond = await list(batch.id, `${phone('1500555')}&limit=2&page=4`);
    expect(beyond.body.calls).toEqual([]);
    const done = await list(batch.id, `${phone('1500555')}&status=completed`);
    expect(numbers(done.body)).toEqual(['+15005550101', '+15005550201', '+15005550301']);
    expect(done.body.pagination.total).toBe(3);
    const waiting = await list(batch.id, `${phone('1500555')}&status=waiting`);
    expect(numbers(waiting.body)).toEqual(['+15005550102', '+15005550401']);
  });

  it("reads a national number with the batch's defaultCountry, as upload did", async () => {
    await setup();
    const batch = await batchOf(a);
    // Without a defaultCountry the trunk 0 keeps the UK number from matching…
    expect(numbers((await list(batch.id, phone('07911 123456'))).body)).toEqual([]);
    await t.db.query(`UPDATE batches SET config = '{"defaultCountry":"GB"}' WHERE id = $1`, [
      batch.id,
    ]);
    // …with GB it is +447911123456 exactly, though those digits are not in it.
    expect(numbers((await list(batch.id, phone('07911 123456'))).body)).toEqual(['+447911123456']);
  });

  it('refuses what cannot be a number with the flat 400, and stays inside the workspace', async () => {
    await setup();
    const batch = await batchOf(a);
    for (const bad of ['abc', '12a4', '+', '%25', 'x'.repeat(41), '1'.repeat(41)]) {
      const res = await list(batch.id, phone(bad));
      expect(res.status, bad).toBe(400);
      expect(res.body.error, bad).toBe('Bad Request');
      expect(typeof res.body.message, bad).toBe('string');
    }
    expect((await list(batch.id, 'phone=')).status).toBe(400);
    const theirs = await batchOf(b);
    const res = await list(theirs.id, phone('0101'));
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('Batch not found');
  });
});
