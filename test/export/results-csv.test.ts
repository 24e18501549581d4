import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  csvField,
  extraColumns,
  guardFormula,
  headerLine,
  RESULT_COLUMNS,
  type ResultRow,
  resultLine,
} from '../../src/export/results-csv.js';

const T = Date.UTC(2026, 0, 5, 15, 0, 0);

const completed: ResultRow = {
  id: 'call_1',
  phoneNumber: '+15005550001',
  state: 'completed',
  attempts: 2,
  startTime: T,
  endTime: T + 90_500,
  duration: 42.5,
  outcome: 'successful',
  transcript: 'Agent: Hello "John", ok?\nCustomer: Yes, sure.',
  variables: { first_name: 'John', plan: '=HYPERLINK("http://x")' },
};

describe('results CSV formatting (§9)', () => {
  it('quotes per RFC 4180 only when needed and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('')).toBe('');
  });

  it('guards every formula trigger and nothing else', () => {
    for (const s of ['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx']) {
      expect(guardFormula(s)).toBe(`'${s}`);
    }
    for (const s of ['1+1', 'a=b', "'quoted", ' =x', '']) expect(guardFormula(s)).toBe(s);
  });

  it('writes the header: fixed columns, then the file columns without phone_number', () => {
    const extras = extraColumns(['first_name', 'phone_number', 'plan', '=evil']);
    expect(extras).toEqual(['first_name', 'plan', '=evil']);
    expect(headerLine(extras)).toBe(`${RESULT_COLUMNS.join(',')},first_name,plan,'=evil\r\n`);
  });

  it('writes a completed call with ISO times, quoted transcript and a guarded variable', () => {
    const line = resultLine(completed, ['first_name', 'plan', 'missing']);
    expect(line.endsWith('\r\n')).toBe(true);
    expect(parse(line)).toEqual([
      [
        'call_1',
        '+15005550001',
        'completed',
        '2',
        '2026-01-05T15:00:00.000Z',
        '2026-01-05T15:01:30.500Z',
        '42.5',
        'successful',
        '',
        'Agent: Hello "John", ok?\nCustomer: Yes, sure.',
        'John',
        `'=HYPERLINK("http://x")`,
        '',
      ],
    ]);
  });

  it('leaves fields that do not apply to a state empty', () => {
    const waiting: ResultRow = {
      id: 'call_2',
      phoneNumber: '+15005550100',
      state: 'waiting',
      attempts: 1,
      startTime: T,
      // Stale columns must not leak into the export for states they do not belong to.
      endTime: T + 1,
      duration: 3,
      outcome: 'voicemail',
      error: 'x',
      transcript: 'y',
      variables: {},
    };
    expect(resultLine(waiting, [])).toBe(
      'call_2,+15005550100,waiting,1,2026-01-05T15:00:00.000Z,,,,,\r\n',
    );
    const cancelled: ResultRow = {
      id: 'call_3',
      phoneNumber: '+15005550002',
      state: 'cancelled',
      attempts: 0,
      error: 'Batch cancelled',
      variables: { note: '-5' },
    };
    expect(resultLine(cancelled, ['note'])).toBe(
      "call_3,+15005550002,cancelled,0,,,,,Batch cancelled,,'-5\r\n",
    );
    const failed: ResultRow = {
      id: 'call_4',
      phoneNumber: '+15005550400',
      state: 'failed',
      attempts: 1,
      startTime: T,
      endTime: T + 2_000,
      error: 'Number unreachable - unable to connect after 1 attempt',
      variables: {},
    };
    expect(resultLine(failed, [])).toBe(
      'call_4,+15005550400,failed,1,2026-01-05T15:00:00.000Z,2026-01-05T15:00:02.000Z,,,' +
        'Number unreachable - unable to connect after 1 attempt,\r\n',
    );
  });

  it('exempts only an E.164 phone number from the guard', () => {
    const row = { ...completed, phoneNumber: '+15005550001' };
    expect(resultLine(row, []).split(',')[1]).toBe('+15005550001');
    const odd = { ...completed, phoneNumber: '=cmd|x' };
    expect(resultLine(odd, []).split(',')[1]).toBe("'=cmd|x");
  });

  it('round-trips arbitrary cells through a CSV parser', () => {
    const nasty = ['a,b', 'q"q', 'l1\r\nl2', ' lead', 'trail ', 'ünï', '""', 'x\n'];
    const row: ResultRow = {
      id: 'call_5',
      phoneNumber: '+15005550003',
      state: 'cancelled',
      attempts: 0,
      error: 'Call cancelled',
      variables: Object.fromEntries(nasty.map((v, i) => [`c${i}`, v])),
    };
    const cols = nasty.map((_, i) => `c${i}`);
    const [parsed] = parse(headerLine(cols) + resultLine(row, cols), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(cols.map((c) => parsed![c])).toEqual(nasty);
  });
});
