import { expect, it } from 'vitest';
import { describeEachDb } from '../support/databases.js';
import { countRows, useUploadSuite } from './upload-harness.js';

// §1 "CSV validation failed": rows that cannot be dialed reject the whole upload (nothing
// stored), listed with their line, column, value and reason.

describeEachDb('POST /v1/api/batch-calls row errors (contract §1)', (backend) => {
  const s = useUploadSuite(backend);
  const cases: Array<[string, string, Record<string, unknown>]> = [
    [
      'a ragged row',
      'phone_number,name\n+15005550001,A\n+15005550002\n+15005550003,C,D\n',
      {
        error: 'CSV validation failed',
        message:
          '2 invalid rows. Fix them, or send skipInvalidRows=true to create the batch from the valid rows',
        errors: [
          { row: 3, message: 'Row has 1 fields but the header has 2' },
          { row: 4, message: 'Row has 3 fields but the header has 2' },
        ],
        errorCount: 2,
      },
    ],
    [
      'a number that is not E.164',
      'phone_number,name\n+15005550001,A\n12ab,B\n+0123456789,C\n4155550132,D\n',
      {
        error: 'CSV validation failed',
        message:
          '3 invalid rows. Fix them, or send skipInvalidRows=true to create the batch from the valid rows',
        errors: [
          {
            row: 3,
            column: 'phone_number',
            value: '12ab',
            message:
              'Not a phone number: only digits, +, spaces, dashes, dots and parentheses allowed',
          },
          {
            row: 4,
            column: 'phone_number',
            value: '+0123456789',
            message: 'Not an E.164 number: expected + and 7 to 15 digits, the first not 0',
          },
          {
            row: 5,
            column: 'phone_number',
            value: '4155550132',
            message:
              'No country code: write the number with + and its country code, or set defaultCountry; ' +
              'looks like a US number: set defaultCountry=US or write it in +1 form (it also fits FI, MX and VE)',
          },
        ],
        errorCount: 3,
      },
    ],
    [
      'duplicate numbers (naming both rows)',
      'phone_number,name\n+1 500 555 0001,A\n+15005550002,B\n+1 (500) 555-0001,C\n',
      {
        error: 'CSV validation failed',
        message:
          '1 invalid row, 1 of them repeating the number of an earlier row (row 4 repeats row 2). ' +
          'Fix them, or send skipInvalidRows=true to create the batch from the valid rows ' +
          '(the first row of each number is kept)',
        errors: [
          {
            row: 4,
            column: 'phone_number',
            value: '+1 (500) 555-0001',
            message: 'Duplicate phone number: same as row 2',
          },
        ],
        errorCount: 1,
        duplicateRows: 1,
        duplicates: [{ row: 4, firstRow: 2, phone_number: '+15005550001' }],
      },
    ],
  ];
  for (const [name, file, body] of cases) {
    it(name, async () => {
      await s.expectRejected(await s.post({ agentId: s.tenant.agentId }, file), 400, body);
    });
  }

  it('lists at most 100 errors and counts them all', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `bad${i}`);
    const res = await s.post(
      { agentId: s.tenant.agentId },
      `phone_number\n+15005550001\n${rows.join('\n')}\n`,
    );
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.errorCount).toBe(150);
    expect(body.message).toBe(
      '150 invalid rows. Fix them, or send skipInvalidRows=true to create the batch from the valid rows',
    );
    expect(body.errors).toHaveLength(100);
    expect(body.errors[0]).toMatchObject({ row: 3, value: 'bad0' });
    expect(body.errors[99]).toMatchObject({ row: 102, value: 'bad99' });
    expect(await countRows(s.t.db)).toEqual({ batches: 0, calls: 0, progress: 0 });
  });

  it('skipInvalidRows=true with no valid row left is still a 400', async () => {
    await s.expectRejected(
      await s.post({ agentId: s.tenant.agentId, skipInvalidRows: 'true' }, 'phone_number\nx\n'),
      400,
      {
        error: 'CSV validation failed',
        message: '1 invalid row: no valid row is left to call',
        errors: [
          {
            row: 2,
            column: 'phone_number',
            value: 'x',
            message:
              'Not a phone number: only digits, +, spaces, dashes, dots and parentheses allowed',
          },
        ],
        errorCount: 1,
      },
    );
  });
});
