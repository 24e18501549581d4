import { expect, it } from 'vitest';
import { countRows, useUploadSuite } from '../ingest/upload-harness.js';
import { describeEachDb } from '../support/databases.js';
import { createTestApp, multipart } from '../support/http.js';

// Contract §11 `POST /batch-calls/validate`: 200 with the report even when invalid; stores nothing.

const REPORT_KEYS = [
  'columns',
  'duplicateRows',
  'errorCount',
  'errors',
  'invalidRows',
  'totalRows',
  'valid',
  'validRows',
  'warningCount',
  'warnings',
];
const keys = (o: object) => Object.keys(o).sort();

describeEachDb('contract §11 validate a CSV', (backend) => {
  const s = useUploadSuite(backend);
  const validate = (csv?: string) => s.post({}, csv, '/v1/api/batch-calls/validate');

  it('200 for an invalid file: exactly the documented keys (+ ext counts), typed', async () => {
    const res = await validate(
      'phone_number,plan\n+15005550001,a\n12ab,b\n+15005550001,c\n+1234567890,d\n',
    );
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(keys(body)).toEqual(REPORT_KEYS);
    expect(body).toEqual({
      valid: false,
      totalRows: 4,
      validRows: 2,
      invalidRows: 1,
      duplicateRows: 1,
      columns: ['phone_number', 'plan'],
      errors: [
        { row: 3, column: 'phone_number', value: '12ab', message: expect.any(String) },
        { row: 4, column: 'phone_number', value: '+15005550001', message: expect.any(String) },
      ],
      warnings: [
        {
          row: 5,
          column: 'phone_number',
          value: '+1234567890',
          message: 'not a valid number for its country',
        },
      ],
      errorCount: 2,
      warningCount: 1,
    });
    expect(await countRows(s.t.db)).toEqual({ batches: 0, calls: 0, progress: 0 });
  });

  it('200 valid:true with empty lists for a clean file', async () => {
    const body = (await validate('phone_number\n+15005550001\n')).json();
    expect(keys(body)).toEqual(REPORT_KEYS);
    expect(body).toMatchObject({ valid: true, errors: [], warnings: [], validRows: 1 });
  });

  it('400 {error, message} for a structural problem; no file is one too', async () => {
    for (const res of [await validate('name\nA\n'), await validate(undefined)]) {
      expect(res.statusCode).toBe(400);
      expect(keys(res.json())).toEqual(['error', 'message']);
    }
  });

  it('413 {"error":"File too large","message"} for a file over the limit; nothing stored', async () => {
    const small = await createTestApp(s.t.db, { maxUploadBytes: 1024 });
    try {
      const form = multipart({}, { content: `phone_number\n${'+15005550001\n'.repeat(200)}` });
      const res = await small.app.inject({
        method: 'POST',
        url: '/v1/api/batch-calls/validate',
        headers: { ...s.tenant.headers, ...form.headers },
        payload: form.payload,
      });
      await s.expectRejected(res, 413, { error: 'File too large', message: expect.any(String) });
    } finally {
      await small.app.close();
    }
  });
});
