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

// Ext §19 consent on record: with requireConsent a row without a consent_source is invalid at
// every upload (create, append, validate, preview); consent_source / consent_at are stored with
// the job, shown on §5 as `consent`, and exported; they stay the row's variables, as any column.

const MISSING = (row: number, value = '') => ({
  row,
  column: 'consent_source',
  value,
  message: 'Missing consent_source',
});
const BAD_AT =
  'Invalid consent_at: use an ISO-8601 date (2026-03-01) or date-time with a zone (2026-03-01T14:30:00Z)';

describeEachDb('consent on record (ext §19)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  afterEach(() => closeApp(h, t));

  async function setup() {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, h.clock.now(), 'A');
  }

  const upload = (path: string, csv: string, fields: Record<string, string> = {}) => {
    const body = multipart({ agentId: a.agentId, ...fields }, { content: csv });
    return h.app.inject({
      method: 'POST',
      url: `/v1/api/batch-calls${path}`,
      payload: body.payload,
      headers: { ...a.headers, ...body.headers },
    });
  };
  const get = (url: string) =>
    h.app.inject({ method: 'GET', url: `/v1/api${url}`, headers: a.headers });
  const jobs = async (batchId: string) =>
    t.db.query<{ id: string; phone_number: string }>(
      'SELECT id, phone_number FROM calls WHERE batch_id = $1 ORDER BY seq',
      [batchId],
    );

  const CSV =
    'phone_number,first_name,consent_source,consent_at\n' +
    '+15005550001,Ann,web form 12,2026-03-01T14:30:00+01:00\n' +
    '+15005550002,Bo,,\n' +
    '+15005550003,Cy,call recording,2026-02-27\n' +
    '+15005550004,Di,paper,\n';

  it('stores, shows on §5 and exports consent; rows without it have none', async () => {
    await setup();
    const res = await upload('', CSV);
    expect(res.statusCode, res.body).toBe(200);
    const batchId = res.json().batchId as string;
    const shown = [];
    for (const job of await jobs(batchId)) {
      const detail = await get(`/batch-calls/${batchId}/calls/${job.id}`);
      expect(detail.statusCode).toBe(200);
      shown.push(detail.json().consent);
    }
    expect(shown).toEqual([
      { source: 'web form 12', at: '2026-03-01T13:30:00.000Z' },
      undefined,
      { source: 'call recording', at: '2026-02-27T00:00:00.000Z' },
      { source: 'paper' },
    ]);
    // The columns stay the row's variables (§1: every column is one).
    const list = await get(`/batch-calls/${batchId}/calls`);
    expect(list.json().calls[0].metadata).toEqual({
      first_name: 'Ann',
      consent_source: 'web form 12',
      consent_at: '2026-03-01T14:30:00+01:00',
    });
    const csv = await get(`/batch-calls/${batchId}/export-results`);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe(
      'job_id,phone_number,status,attempts,start_time,end_time,duration,outcome,error,transcript,' +
        'first_name,consent_source,consent_at',
    );
    expect(lines[1]).toMatch(/,Ann,web form 12,2026-03-01T14:30:00\+01:00$/);
    expect(lines[4]).toMatch(/,Di,paper,$/);
  });

  it('an unreadable consent_at is a row error, required or not', async () => {
    await setup();
    const bad =
      'phone_number,consent_source,consent_at\n+15005550001,web,yesterday\n+15005550002,web,2026-02-30\n';
    const res = await upload('', bad);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'CSV validation failed',
      errorCount: 2,
      errors: [
        { row: 2, column: 'consent_at', value: 'yesterday', message: BAD_AT },
        { row: 3, column: 'consent_at', value: '2026-02-30', message: BAD_AT },
      ],
    });
    expect(await t.db.query('SELECT id FROM batches')).toEqual([]);
  });

  it('with requireConsent, create, validate, preview and append refuse rows without a source', async () => {
    await setup();
    const on = await h.app.inject({
      method: 'PATCH',
      url: '/v1/api/workspace',
      headers: a.headers,
      payload: { requireConsent: true },
    });
    expect(on.json().requireConsent).toBe(true);

    const created = await upload('', CSV);
    expect(created.statusCode).toBe(400);
    expect(created.json()).toMatchObject({
      error: 'CSV validation failed',
      errorCount: 1,
      errors: [MISSING(3)],
    });
    expect(await t.db.query('SELECT id FROM batches')).toEqual([]);

    // A file with no consent_source column at all: every row.
    const none = await upload('', 'phone_number\n+15005550001\n+15005550002\n');
    expect(none.json()).toMatchObject({ errorCount: 2, errors: [MISSING(2), MISSING(3)] });

    const validated = await upload('/validate', CSV);
    expect(validated.statusCode).toBe(200);
    expect(validated.json()).toMatchObject({ validRows: 3, errors: [MISSING(3)] });
    const previewed = await upload('/preview', CSV);
    expect(previewed.statusCode).toBe(200);
    expect(previewed.json().rows.map((r: { row: number }) => r.row)).toEqual([2, 4, 5]);

    // skipInvalidRows creates the batch from the rows that have it.
    const skipped = await upload('', CSV, { skipInvalidRows: 'true' });
    expect(skipped.statusCode, skipped.body).toBe(200);
    expect(skipped.json()).toMatchObject({ totalCalls: 3, skippedRows: [MISSING(3)] });
    const batchId = skipped.json().batchId as string;

    const appended = await h.app.inject({
      method: 'POST',
      url: `/v1/api/batch-calls/${batchId}/recipients`,
      headers: a.headers,
      payload: {
        recipients: [
          { phone_number: '+15005550005', consent_source: '  ' },
          { phone_number: '+15005550006', consent_source: 'sms keyword' },
        ],
      },
    });
    expect(appended.statusCode).toBe(400);
    expect(appended.json()).toMatchObject({
      error: 'CSV validation failed',
      errors: [MISSING(2, '')],
    });
    expect((await jobs(batchId)).map((j) => j.phone_number)).toEqual([
      '+15005550001',
      '+15005550003',
      '+15005550004',
    ]);
  });
});
