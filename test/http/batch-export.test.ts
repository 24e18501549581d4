import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { afterEach, expect, it } from 'vitest';
import { RESULT_COLUMNS } from '../../src/export/results-csv.js';
import { resultsCsv } from '../../src/export/results-stream.js';
import type { Db } from '../../src/storage/db.js';
import { insertBatch, MIXED_BUSY_ERROR, mixedCalls, phoneFor } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// §9 results export: streamed, parsed back row for row; paging; a client that goes away mid-stream.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const PAGE_QUERY = 'AND seq > $2';

/** A Db whose export page queries are counted and whose queries in flight are known. */
function countingDb(inner: Db) {
  const stats = { pages: 0, inFlight: 0 };
  const db: Db = {
    ...inner,
    async query(text, params) {
      if (text.includes(PAGE_QUERY)) stats.pages++;
      stats.inFlight++;
      try {
        return await inner.query(text, params);
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { db, stats };
}

/** Many calls straight in SQL, each with a `note` of `noteBytes` characters. */
async function insertLargeBatch(db: Db, tenant: Tenant, rows: number, noteBytes: number) {
  const id = `batch_large${Math.random().toString(36).slice(2, 10)}`;
  await db.query(
    `INSERT INTO batches (id, workspace_id, agent_id, status, total_calls, columns, created_at)
     VALUES ($1, $2, $3, 'queued', $4, '["phone_number","n","note"]', $5)`,
    [id, tenant.workspaceId, tenant.agentId, rows, T0],
  );
  await db.query(
    `INSERT INTO calls (id, batch_id, workspace_id, seq, line, phone_number, variables, run_at)
     SELECT 'call_' || lpad(g::text, 8, '0'), $1, $2, g - 1, g + 1,
            '+1500555' || lpad((g % 10000)::text, 4, '0'),
            jsonb_build_object('n', g::text, 'note', repeat('x', $4)), $5
       FROM generate_series(1, $3) AS g`,
    [id, tenant.workspaceId, rows, noteBytes, T0],
  );
  return id;
}

describeEachDb('results export (§9)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  afterEach(() => closeApp(h, t));

  async function setup(db?: (inner: Db) => Db) {
    t = await createTestDb(backend);
    h = await createTestApp(db ? db(t.db) : t.db);
    await h.clock.advance(600_000);
    a = await seedTenant(t.db, T0, 'A');
    b = await seedTenant(t.db, T0, 'B');
  }

  const get = (url: string, who: Tenant = a) =>
    h.app.inject({ method: 'GET', url, headers: who.headers });

  it('streams every call in CSV order with its results and original columns', async () => {
    await setup();
    const calls = mixedCalls(T0);
    // Cells a spreadsheet would run, and one with a quoted newline and a comma.
    calls[0]!.variables = { first_name: '=1+2', last_name: 'Lee, "Jr"\nline two', plan: '@cmd' };
    calls[1]!.variables = { first_name: '-3', last_name: '+44', plan: 'gold' };
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls,
    });
    const ids = batch.callIds;
    const res = await get(`/v1/api/batch-calls/${batch.id}/export-results`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="${batch.id}-results.csv"`,
    );
    expect(res.body.split('\r\n')[0]).toBe(
      'job_id,phone_number,status,attempts,start_time,end_time,duration,outcome,error,transcript,first_name,last_name,plan',
    );
    expect(res.body.endsWith('\r\n')).toBe(true);
    const rows = parse(res.body) as string[][];
    expect(rows).toEqual([
      [...RESULT_COLUMNS, 'first_name', 'last_name', 'plan'],
      [
        ids[0],
        phoneFor(0),
        'waiting',
        '0',
        '',
        '',
        '',
        '',
        '',
        '',
        "'=1+2",
        'Lee, "Jr"\nline two',
        "'@cmd",
      ],
      [
        ids[1],
        phoneFor(1),
        'waiting',
        '1',
        iso(T0 + 1_000),
        '',
        '',
        '',
        '',
        '',
        "'-3",
        "'+44",
        'gold',
      ],
      [
        ids[2],
        phoneFor(2),
        'active',
        '1',
        iso(T0 + 2_000),
        '',
        '',
        '',
        '',
        '',
        'Cy',
        'Lee',
        'gold',
      ],
      [
        ids[3],
        phoneFor(3),
        'completed',
        '1',
        iso(T0 + 3_000),
        iso(T0 + 60_000),
        '42.5',
        'callback_requested',
        '',
        'Agent: Hello Di.\nCustomer: Call me later.',
        'Di',
        'Lee',
        'gold',
      ],
      [
        ids[4],
        phoneFor(4),
        'failed',
        '3',
        iso(T0 + 4_000),
        iso(T0 + 4_000 + 240_000 + 30_000),
        '',
        '',
        MIXED_BUSY_ERROR,
        '',
        'Ed',
        'Lee',
        'gold',
      ],
      [
        ids[5],
        phoneFor(5),
        'cancelled',
        '0',
        '',
        '',
        '',
        '',
        'Call cancelled',
        '',
        'Ann',
        'Lee',
        'gold',
      ],
      [
        ids[6],
        phoneFor(6),
        'cancelled',
        '1',
        iso(T0 + 5_000),
        iso(T0 + 400_000),
        '',
        '',
        'Batch cancelled',
        '',
        'Ann',
        'Lee',
        'gold',
      ],
    ]);
    // Both prefixes serve the same file.
    expect((await get(`/v1/batch-calls/${batch.id}/export-results`)).body).toBe(res.body);
  });

  it('pages through a batch larger than one query, once each, in order', async () => {
    let stats = { pages: 0, inFlight: 0 };
    await setup((inner) => {
      const c = countingDb(inner);
      stats = c.stats;
      return c.db;
    });
    const id = await insertLargeBatch(t.db, a, 2_500, 10);
    const res = await get(`/v1/api/batch-calls/${id}/export-results`);
    expect(res.statusCode).toBe(200);
    const rows = parse(res.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(2_500);
    expect(rows.map((r) => Number(r['n']))).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r['job_id'])).size).toBe(2_500);
    expect(rows[0]).toMatchObject({
      job_id: 'call_00000001',
      status: 'waiting',
      note: 'x'.repeat(10),
    });
    // 1000 + 1000 + 500: the short last page ends it, no empty extra query.
    expect(stats.pages).toBe(3);
  });

  it('the generator pages by keyset at any page size', async () => {
    await setup();
    const id = await insertLargeBatch(t.db, a, 7, 1);
    const chunks: string[] = [];
    for await (const c of resultsCsv(t.db, { id, columns: ['phone_number', 'n', 'note'] }, 3)) {
      chunks.push(c);
    }
    // Header, 3 + 3 + 1 rows.
    expect(chunks.map((c) => c.split('\r\n').length - 1)).toEqual([1, 3, 3, 1]);
    const rows = parse(chunks.join(''), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r['n'])).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    // A page size that divides the batch exactly ends with one empty query.
    const exact: string[] = [];
    for await (const c of resultsCsv(t.db, { id, columns: ['phone_number'] }, 7)) exact.push(c);
    expect(exact).toHaveLength(2);
  });

  it('writes just the header for a batch without calls', async () => {
    await setup();
    const id = await insertLargeBatch(t.db, a, 0, 1);
    const res = await get(`/v1/api/batch-calls/${id}/export-results`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(`${RESULT_COLUMNS.join(',')},n,note\r\n`);
  });

  it('an unknown batch or another workspace’s batch → 404 JSON as §2', async () => {
    await setup();
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting' }],
    });
    for (const [id, who] of [
      ['batch_nope', a],
      [batch.id, b],
    ] as const) {
      const res = await get(`/v1/api/batch-calls/${id}/export-results`, who);
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({
        error: 'Batch not found',
        message: `No batch with id ${id}`,
        id,
      });
    }
  });

  it('a database error mid-stream cuts the response short without taking the process down', async () => {
    let pages = 0;
    await setup((inner) => ({
      ...inner,
      async query(text, params) {
        if (text.includes(PAGE_QUERY) && ++pages === 2) {
          throw Object.assign(new Error('terminating connection'), { code: '57P01' });
        }
        return inner.query(text, params);
      },
    }));
    const id = await insertLargeBatch(t.db, a, 1_500, 10);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/v1/api/batch-calls/${id}/export-results`;
    const res = await fetch(url, { headers: a.headers });
    expect(res.status).toBe(200);
    // The client sees a broken transfer (never a complete-looking file missing rows).
    await expect(res.text()).rejects.toThrow();
    const again = await fetch(`http://127.0.0.1:${port}/v1/api/batch-calls/${id}`, {
      headers: a.headers,
    });
    expect(again.status).toBe(200);
  });

  it('a client that disconnects mid-stream stops the queries; the server carries on', async () => {
    let stats = { pages: 0, inFlight: 0 };
    await setup((inner) => {
      const c = countingDb(inner);
      stats = c.stats;
      return c.db;
    });
    // ~20 MB in 20 pages: far more than socket buffers hold, so the server must wait for the client.
    const id = await insertLargeBatch(t.db, a, 20_000, 1_000);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const firstBytes = await new Promise<number>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          path: `/v1/api/batch-calls/${id}/export-results`,
          headers: a.headers,
        },
        (res) => {
          res.once('data', (chunk: Buffer) => {
            req.destroy();
            resolve(chunk.length);
          });
        },
      );
      req.on('error', (err) => {
        if (!req.destroyed) reject(err);
      });
    });
    expect(firstBytes).toBeGreaterThan(0);

    // Wait (real time: this is about the server noticing a closed socket) until nothing runs.
    let stable = 0;
    let last = -1;
    for (let i = 0; i < 100 && stable < 5; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stable = stats.inFlight === 0 && stats.pages === last ? stable + 1 : 0;
      last = stats.pages;
    }
    expect(stats.inFlight).toBe(0);
    expect(stats.pages).toBeGreaterThanOrEqual(1);
    expect(stats.pages).toBeLessThan(10);

    // The process is fine and answers the next request.
    const res = await fetch(`http://127.0.0.1:${port}/v1/api/batch-calls/${id}`, {
      headers: a.headers,
    });
    expect(res.status).toBe(200);
  });
});
