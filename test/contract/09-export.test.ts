import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiFixture } from '../support/api-fixture.js';
import { insertBatch, mixedCalls, phoneFor } from '../support/batch-fixtures.js';
import { describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, type Tenant, type TestApp } from '../support/http.js';

// Contract §9 `GET /batch-calls/{batchId}/export-results`: a text/csv attachment, the documented
// columns then the file's own, one row per job in CSV order, ISO-8601 UTC times, formula cells
// neutralised except phone_number, and the 404 of §2.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const FIXED = [
  'job_id',
  'phone_number',
  'status',
  'attempts',
  'start_time',
  'end_time',
  'duration',
  'outcome',
  'error',
  'transcript',
];
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describeEachDb('contract §9: export results', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  let batch: { id: string; callIds: string[] };

  beforeAll(async () => {
    ({ t, h, a, b } = await apiFixture(backend, T0));
    const calls = mixedCalls(T0);
    calls[0]!.variables = { first_name: '=SUM(A1:A9)', last_name: 'O"Neil,\nJr', plan: '+1' };
    batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls,
    });
  });
  afterAll(() => closeApp(h, t));

  const get = (batchId: string, who: Tenant = a, prefix = '/v1/api') =>
    h.app.inject({
      method: 'GET',
      url: `${prefix}/batch-calls/${batchId}/export-results`,
      headers: who.headers,
    });

  it('is a text/csv attachment named <batchId>-results.csv, under both prefixes', async () => {
    for (const prefix of ['/v1/api', '/v1']) {
      const res = await get(batch.id, a, prefix);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="${batch.id}-results.csv"`,
      );
      expect(batch.id.startsWith('batch_')).toBe(true);
    }
  });

  it('has the documented columns then the file’s, one row per job in CSV order', async () => {
    const res = await get(batch.id);
    const [header, ...rows] = parse(res.body) as string[][];
    expect(header).toEqual([...FIXED, 'first_name', 'last_name', 'plan']);
    expect(rows.map((r) => r[0])).toEqual(batch.callIds);
    expect(rows.map((r) => r[1])).toEqual(batch.callIds.map((_, i) => phoneFor(i)));
    expect(rows.map((r) => r[2])).toEqual([
      'waiting',
      'waiting',
      'active',
      'completed',
      'failed',
      'cancelled',
      'cancelled',
    ]);
    for (const r of rows) {
      expect(r).toHaveLength(13);
      expect(r[3]).toMatch(/^\d+$/);
      for (const time of [r[4]!, r[5]!]) if (time !== '') expect(time).toMatch(ISO_UTC);
    }
    // RFC 4180 lines: CRLF, and the quoted newline stays inside its cell.
    expect(res.body.split('\r\n')).toHaveLength(1 + 7 + 1);
    expect(rows[0]![11]).toBe('O"Neil,\nJr');
  });

  it('neutralises formula cells with a leading apostrophe, except the E.164 phone number', async () => {
    const [, first] = parse((await get(batch.id)).body) as string[][];
    expect(first![1]).toBe(phoneFor(0));
    expect(first![10]).toBe("'=SUM(A1:A9)");
    expect(first![12]).toBe("'+1");
  });

  it('404 as §2 (JSON) for an unknown batch and another workspace’s', async () => {
    for (const [batchId, who] of [
      ['batch_unknown', a],
      [batch.id, b],
    ] as const) {
      const res = await get(batchId, who);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        error: 'Batch not found',
        message: `No batch with id ${batchId}`,
        id: batchId,
      });
    }
  });
});
