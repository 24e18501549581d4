import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CallSpec, insertBatch, mixedCalls, phoneFor } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Contract §4 `GET /batch-calls/{batchId}/calls?page&limit&status`: the keys of each item per
// state, the pagination and summary objects, the query's limits and the error bodies.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const keysOf = (o: object) => Object.keys(o).sort();
const BASE = ['attempts', 'jobId', 'metadata', 'phone_number', 'status'];
const with_ = (...extra: string[]) => [...BASE, ...extra].sort();

// mixedCalls(T0), in CSV order: the keys each item must have, no more, no fewer.
const ITEM_KEYS = [
  BASE, // waiting, never dialed
  with_('startTime'), // waiting for a retry
  with_('startTime'), // active
  with_('startTime', 'endTime', 'duration'), // completed
  with_('startTime', 'endTime', 'error'), // failed
  with_('error'), // cancelled before any dial
  with_('startTime', 'endTime', 'error'), // cancelled after an attempt
];

type Body = Record<string, any>;

describeEachDb('contract §4: list a batch’s calls', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let mixed: { id: string; callIds: string[] };
  let big: { id: string; callIds: string[] };

  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, T0, 'A');
    mixed = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
    const calls: CallSpec[] = Array.from({ length: 45 }, (_, i) => ({
      state: 'waiting',
      variables: { first_name: `P${i}`, plan: i % 2 ? 'gold' : 'free' },
    }));
    big = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls,
    });
  });
  afterAll(() => closeApp(h, t));

  const list = async (batchId: string, query = '', prefix = '/v1/api') => {
    const res = await h.app.inject({
      method: 'GET',
      url: `${prefix}/batch-calls/${batchId}/calls${query}`,
      headers: a.headers,
    });
    return { status: res.statusCode, body: res.json() as Body, type: res.headers['content-type'] };
  };

  it('each item carries exactly the fields of its state, with their types', async () => {
    const { status, body, type } = await list(mixed.id);
    expect(status).toBe(200);
    expect(type).toBe('application/json; charset=utf-8');
    expect(keysOf(body)).toEqual(['calls', 'pagination', 'summary']);
    expect(body.calls.map((c: Body) => c.jobId)).toEqual(mixed.callIds);
    expect(body.calls.map((c: Body) => c.status)).toEqual([
      'waiting',
      'waiting',
      'active',
      'completed',
      'failed',
      'cancelled',
      'cancelled',
    ]);
    for (const [i, c] of (body.calls as Body[]).entries()) {
      const where = `item ${i} (${c.status})`;
      expect(keysOf(c), where).toEqual(ITEM_KEYS[i]);
      expect(c.jobId, where).toMatch(/^call_[0-9a-z]{26}$/);
      expect(c.phone_number, where).toBe(phoneFor(i));
      expect(Number.isInteger(c.attempts), where).toBe(true);
      for (const k of ['startTime', 'endTime']) {
        if (k in c) expect(Number.isInteger(c[k]), `${where} ${k}`).toBe(true);
      }
      if ('duration' in c) expect(typeof c.duration, where).toBe('number');
      if ('error' in c) expect(typeof c.error, where).toBe('string');
      // Never in a list item: §5's result and nextAttemptAt.
      expect(c, where).not.toHaveProperty('result');
      expect(c, where).not.toHaveProperty('nextAttemptAt');
      // The CSV row's variables: strings, in the file's column order.
      expect(Object.keys(c.metadata), where).toEqual(['first_name', 'last_name', 'plan']);
      for (const v of Object.values(c.metadata)) expect(typeof v, where).toBe('string');
    }
    expect(body.calls[3]).toMatchObject({ duration: 42.5, attempts: 1 });
    expect(body.calls[4]).toMatchObject({
      error: 'Number busy - unable to connect after 3 attempts',
      attempts: 3,
    });
  });

  it('pagination and summary: exact keys, integer and boolean types', async () => {
    const { body } = await list(mixed.id);
    expect(body.pagination).toEqual({
      page: 1,
      limit: 20,
      total: 7,
      totalPages: 1,
      hasNext: false,
      hasPrev: false,
    });
    expect(body.summary).toEqual({
      total: 7,
      waiting: 2,
      active: 1,
      completed: 1,
      failed: 1,
      cancelled: 2,
    });
    const page2 = await list(big.id, '?page=2&limit=20');
    expect(page2.body.pagination).toEqual({
      page: 2,
      limit: 20,
      total: 45,
      totalPages: 3,
      hasNext: true,
      hasPrev: true,
    });
    expect(page2.body.calls.map((c: Body) => c.metadata.first_name)).toEqual(
      Array.from({ length: 20 }, (_, i) => `P${20 + i}`),
    );
    const past = await list(big.id, '?page=9&limit=20');
    expect(past.body.calls).toEqual([]);
    expect(past.body.pagination).toMatchObject({ page: 9, hasNext: false, hasPrev: true });
    expect((await list(big.id, '?limit=100')).body.calls).toHaveLength(45);
  });

  it('status filters: every documented value, totals from the filter, summary unchanged', async () => {
    const expected: Record<string, number[]> = {
      all: [0, 1, 2, 3, 4, 5, 6],
      waiting: [0, 1],
      active: [2],
      completed: [3],
      failed: [4],
      cancelled: [5, 6],
    };
    for (const [filter, indexes] of Object.entries(expected)) {
      const { status, body } = await list(mixed.id, `?status=${filter}`);
      expect(status, filter).toBe(200);
      expect(
        body.calls.map((c: Body) => c.jobId),
        filter,
      ).toEqual(indexes.map((i) => mixed.callIds[i]));
      expect(body.pagination.total, filter).toBe(indexes.length);
      expect(body.summary.total, filter).toBe(7);
    }
  });

  it('400 in the flat shape for a limit over 100 and other bad queries', async () => {
    for (const query of [
      '?limit=101',
      '?limit=0',
      '?page=0',
      '?page=abc',
      '?limit=2.5',
      '?status=done',
      '?status=ALL',
    ]) {
      for (const prefix of ['/v1/api', '/v1']) {
        const { status, body } = await list(mixed.id, query, prefix);
        expect(status, query).toBe(400);
        expect(keysOf(body), query).toEqual(['code', 'error', 'message']);
        expect(body.error, query).toBe('Bad Request');
        expect(typeof body.message, query).toBe('string');
      }
    }
  });

  it('404 as in §2', async () => {
    const { status, body } = await list('batch_unknown');
    expect(status).toBe(404);
    expect(keysOf(body)).toEqual(['error', 'id', 'message']);
    expect(body).toMatchObject({ error: 'Batch not found', id: 'batch_unknown' });
  });
});
