import { describe, expect, it } from 'vitest';
import {
  issueLine,
  issueLines,
  validationReport,
} from '../../../src/cli/client/row-issues-view.js';

describe('the row report', () => {
  it('gives each issue its line number, column and value', () => {
    expect(issueLine({ row: 7, column: 'phone_number', value: '12ab', message: 'bad' })).toBe(
      'row 7, phone_number "12ab": bad',
    );
    expect(issueLine({ row: 1, message: 'Missing columns: plan' })).toBe(
      'row 1: Missing columns: plan',
    );
  });

  it('lists the first ones and counts the rest, including those the server left out', () => {
    const issues = Array.from({ length: 100 }, (_, i) => ({ row: i + 2, message: 'bad' }));
    const lines = issueLines(issues, 250, 3);
    expect(lines).toEqual(['row 2: bad', 'row 3: bad', 'row 4: bad', '… and 247 more']);
    expect(issueLines(issues.slice(0, 2))).toEqual(['row 2: bad', 'row 3: bad']);
  });

  it('prints the verdict, counts, columns, mapping, errors and warnings', () => {
    const text = validationReport('contacts.csv', {
      valid: false,
      totalRows: 4,
      validRows: 2,
      invalidRows: 1,
      duplicateRows: 1,
      columns: ['Handy', 'First Name'],
      mapping: { phone_number: 'Handy', first_name: 'First Name' },
      errors: [
        { row: 2, column: 'phone_number', value: '12ab', message: 'Not a phone number' },
        { row: 4, column: 'phone_number', value: '+15005550001', message: 'Duplicate' },
      ],
      warnings: [{ row: 5, column: 'phone_number', value: '+1234567890', message: 'not valid' }],
      errorCount: 2,
      warningCount: 1,
    });
    expect(text).toBe(
      [
        'contacts.csv: NOT valid',
        '  rows: 4 in all, 2 to dial, 1 invalid, 1 duplicate',
        '  columns: Handy, First Name',
        '  mapped: {phone_number} ← "Handy", {first_name} ← "First Name"',
        '',
        '2 errors:',
        '  row 2, phone_number "12ab": Not a phone number',
        '  row 4, phone_number "+15005550001": Duplicate',
        '',
        '1 warning:',
        '  row 5, phone_number "+1234567890": not valid',
        '',
      ].join('\n'),
    );
  });

  it('says valid, and whether with warnings', () => {
    const base = {
      valid: true,
      totalRows: 1,
      validRows: 1,
      invalidRows: 0,
      duplicateRows: 0,
      columns: ['phone_number'],
      errors: [],
      warnings: [],
      errorCount: 0,
      warningCount: 0,
    };
    expect(validationReport('a.csv', base).split('\n')[0]).toBe('a.csv: valid');
    const warned = { ...base, warnings: [{ row: 1, message: 'w' }], warningCount: 1 };
    expect(validationReport('a.csv', warned).split('\n')[0]).toBe('a.csv: valid, with warnings');
  });
});
