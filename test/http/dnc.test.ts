import { afterEach, expect, it } from 'vitest';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import {
  closeApp,
  createTestApp,
  multipart,
  seedTenant,
  type Tenant,
  type TestApp,
} from '../support/http.js';

// Ext §18: the do-not-call list's routes, and suppression at batch creation. What the engine does
// with listed numbers is in test/engine/do-not-call.test.ts.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

describeEachDb('do-not-call list (ext §18)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  afterEach(() => closeApp(h, t));

  async function setup() {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, T0, 'A');
    b = await seedTenant(t.db, T0, 'B');
  }

  const send = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, who = a) =>
    h.app.inject({
      method,
      url: `/v1/api${url}`,
      headers: who.headers,
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
  const count = async () =>
    (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dnc_entries'))[0]!.n;

  it('lists numbers from JSON in E.164, once each, and reads, filters and removes them', async () => {
    await setup();
    const first = await send('POST', '/dnc', {
      phoneNumbers: ['+1 (500) 555-0101', '+15005550102', '0044 20 7946 0958'],
      reason: 'asked',
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ added: 3, alreadyListed: 0 });
    const again = await send('POST', '/dnc', { phoneNumbers: ['+15005550101', '+15005550103'] });
    expect(again.json()).toEqual({ added: 1, alreadyListed: 1 });

    const one = await send('GET', `/dnc/${encodeURIComponent('+15005550101')}`);
    expect(one.json()).toEqual({
      phone_number: '+15005550101',
      reason: 'asked',
      source: 'api',
      createdAt: expect.any(Number),
    });
    const list = await send('GET', '/dnc?phone=555-010&limit=2');
    expect(list.json().pagination).toMatchObject({ total: 3, totalPages: 2, hasNext: true });
    expect(list.json().entries).toHaveLength(2);
    const all = await send('GET', '/dnc');
    expect(
      all
        .json()
        .entries.map((e: { phone_number: string }) => e.phone_number)
        .sort(),
    ).toEqual(['+15005550101', '+15005550102', '+15005550103', '+442079460958']);
    // Another workspace's list is its own.
    expect((await send('GET', '/dnc', undefined, b)).json().entries).toEqual([]);
    expect((await send('GET', '/dnc/%2B15005550101', undefined, b)).statusCode).toBe(404);

    const removed = await send('DELETE', '/dnc/%2B15005550101');
    expect(removed.json()).toEqual({ removed: true });
    const gone = await send('DELETE', '/dnc/%2B15005550101');
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ error: 'Not on the do-not-call list' });
    expect((await send('GET', '/dnc/%2B15005550101')).statusCode).toBe(404);
  });

  it('an invalid number is a 400 naming its row, and nothing is stored', async () => {
    await setup();
    const res = await send('POST', '/dnc', { phoneNumbers: ['+15005550101', 'call me', 42] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'Invalid phone numbers',
      errorCount: 2,
      errors: [
        { row: 2, column: 'phone_number', value: 'call me' },
        { row: 3, column: 'phone_number' },
      ],
    });
    expect(await count()).toBe(0);
    expect((await send('POST', '/dnc', { phoneNumbers: [] })).statusCode).toBe(400);
    expect((await send('POST', '/dnc', { numbers: ['+15005550101'] })).statusCode).toBe(400);
  });

  it('imports a CSV through the upload reader (source import); a bad row stores nothing', async () => {
    await setup();
    const csv = 'Name;Mobile Phone\nAda;+1 500 555 0111\nBob;+15005550112\n';
    const form = multipart(
      { reason: 'old list' },
      { name: 'file', filename: 'dnc.csv', content: csv },
    );
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/api/dnc',
      headers: { ...a.headers, ...form.headers },
      payload: form.payload,
    });
    expect(res.json()).toEqual({ added: 2, alreadyListed: 0 });
    expect((await send('GET', '/dnc/%2B15005550111')).json()).toMatchObject({
      source: 'import',
      reason: 'old list',
    });
    const bad = multipart(
      {},
      {
        name: 'file',
        filename: 'dnc.csv',
        content: 'phone_number\n+15005550113\nnot a number\n',
      },
    );
    const refused = await h.app.inject({
      method: 'POST',
      url: '/v1/api/dnc',
      headers: { ...a.headers, ...bad.headers },
      payload: bad.payload,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors).toEqual([
      expect.objectContaining({ row: 3, value: 'not a number' }),
    ]);
    expect(await count()).toBe(2);
  });

  it('a batch leaves listed numbers out: suppressedRows, and totalCalls counts what was created', async () => {
    await setup();
    await send('POST', '/dnc', { phoneNumbers: ['+15005550002'] });
    const created = await send('POST', '/batch-calls', {
      agentId: a.agentId,
      recipients: [
        { phone_number: '+15005550001' },
        { phone_number: '+1 500 555 0002' },
        { phone_number: '+15005550003' },
      ],
    });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({
      totalCalls: 2,
      suppressedRows: [{ row: 3, phone_number: '+15005550002', reason: 'On the do-not-call list' }],
      suppressedCount: 1,
    });
    const calls = await send('GET', `/batch-calls/${created.json().batchId}/calls`);
    expect(calls.json().calls.map((c: { phone_number: string }) => c.phone_number)).toEqual([
      '+15005550001',
      '+15005550003',
    ]);
    // Workspace B's list does not touch A's batches, nor A's B's.
    const other = await send(
      'POST',
      '/batch-calls',
      { agentId: b.agentId, recipients: [{ phone_number: '+15005550002' }] },
      b,
    );
    expect(other.json()).toMatchObject({ totalCalls: 1 });
    expect(other.json().suppressedRows).toBeUndefined();

    for (const tool of ['validate', 'preview']) {
      const report = await send('POST', `/batch-calls/${tool}`, {
        recipients: [{ phone_number: '+15005550001' }, { phone_number: '+15005550002' }],
      });
      expect(report.statusCode).toBe(200);
      expect(report.json().warnings).toEqual([
        {
          row: 3,
          column: 'phone_number',
          value: '+15005550002',
          message: 'On the do-not-call list: this row will not be called',
        },
      ]);
      expect(report.json().warningCount).toBe(1);
    }

    const none = await send('POST', '/batch-calls', {
      agentId: a.agentId,
      recipients: [{ phone_number: '+15005550002' }],
    });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ error: 'No callable rows', suppressedCount: 1 });
  });
});
