import { describe, expect, it } from 'vitest';
import { renderTable } from '../../../src/cli/client/table.js';

const columns = [
  { header: 'JOB' },
  { header: 'N', align: 'right' as const },
  { header: 'ERROR', shrink: true },
];

describe('tables', () => {
  it('aligns columns two spaces apart, numbers right, without trailing spaces', () => {
    const text = renderTable(columns, [
      ['call_1', '3', 'Number busy'],
      ['call_22', '12', ''],
    ]);
    expect(text).toBe('JOB       N  ERROR\n' + 'call_1    3  Number busy\n' + 'call_22  12\n');
  });

  it('cuts the shrinking column so every line fits the terminal', () => {
    const long = 'Number busy - unable to connect after 3 attempts';
    const text = renderTable(columns, [['call_1', '3', long]], 30);
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(29);
    expect(lines[1]).toBe('call_1  3  Number busy - una…');
  });

  it('keeps a shrinking column readable on a very narrow terminal', () => {
    const text = renderTable(columns, [['call_1', '3', 'x'.repeat(40)]], 12);
    expect(text.split('\n')[1]).toBe(`call_1  3  ${'x'.repeat(9)}…`);
  });

  it('keeps each row on one line', () => {
    const text = renderTable(columns, [['call_1', '1', 'line one\nline two\tend']]);
    expect(text.split('\n')[1]).toBe('call_1  1  line one line two end');
  });
});
