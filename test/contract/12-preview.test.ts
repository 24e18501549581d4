import { expect, it } from 'vitest';
import { countRows, useUploadSuite } from '../ingest/upload-harness.js';
import { describeEachDb } from '../support/databases.js';

// Contract §12 `POST /batch-calls/preview`: validate's report plus `rows`.

const keys = (o: object) => Object.keys(o).sort();

describeEachDb('contract §12 preview a CSV', (backend) => {
  const s = useUploadSuite(backend);

  it('200: the validate keys plus rows[{row, phone_number, variables}]', async () => {
    const csv = `phone_number,first_name,plan\n${Array.from(
      { length: 12 },
      (_, i) => `+1500555${String(i).padStart(4, '0')},N${i},p`,
    ).join('\n')}\n`;
    const res = await s.post({}, csv, '/v1/api/batch-calls/preview');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(keys(body)).toEqual([
      'columns',
      'duplicateRows',
      'errorCount',
      'errors',
      'invalidRows',
      'rows',
      'totalRows',
      'valid',
      'validRows',
      'warningCount',
      'warnings',
    ]);
    expect(body.rows).toHaveLength(10);
    for (const row of body.rows) {
      expect(keys(row)).toEqual(['phone_number', 'row', 'variables']);
      expect(keys(row.variables)).toEqual(['first_name', 'plan']);
    }
    expect(body.rows[0]).toEqual({
      row: 2,
      phone_number: '+15005550000',
      variables: { first_name: 'N0', plan: 'p' },
    });
    expect(await countRows(s.t.db)).toEqual({ batches: 0, calls: 0, progress: 0 });
  });

  it('400 {error, message} for a structural problem', async () => {
    const res = await s.post({}, 'phone_number\n"unclosed\n', '/v1/api/batch-calls/preview');
    expect(res.statusCode).toBe(400);
    expect(keys(res.json())).toEqual(['error', 'message']);
  });
});
