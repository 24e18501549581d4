import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CHUNK_MAX_ROWS, callRowSource, variablesEncoder } from '../../src/ingest/call-rows.js';
import { checkContacts } from '../../src/ingest/contact-validation.js';
import { readCsv } from '../../src/ingest/csv-reader.js';
import { mergeIssues } from '../../src/ingest/row-issues.js';

const read = (text: string) => readCsv(Readable.from([Buffer.from(text)]));

describe('checkContacts', () => {
  it('normalises numbers, keeps the first of duplicates, reports errors and warnings in file order', async () => {
    const t = await read(
      'phone_number,n\n' +
        '+1 500 555 0001,a\n' + // 2 ok
        '(415) 555-0132,b\n' + // 3 national, US
        'nope,c\n' + // 4 error
        '+1-500-555-0001,d\n' + // 5 duplicate of 2
        '+1234567890,e\n' + // 6 warning
        '+15005550002\n' + // 7 ragged
        '001 415 555 0132,f\n', // 8 duplicate of 3
    );
    const c = checkContacts(t, 'US');
    expect(c.totalRows).toBe(7);
    expect(c.accepted).toEqual([0, 1, 4]);
    expect(c.phones).toEqual(['+15005550001', '+14155550132', '+1234567890']);
    expect(c.errorCount).toBe(4);
    expect(c.duplicateCount).toBe(2);
    expect(c.errors).toEqual([
      {
        row: 4,
        column: 'phone_number',
        value: 'nope',
        message: 'Not a phone number: only digits, +, spaces, dashes, dots and parentheses allowed',
      },
      {
        row: 5,
        column: 'phone_number',
        value: '+1-500-555-0001',
        message: 'Duplicate phone number: same as row 2',
      },
      { row: 7, message: 'Row has 1 fields but the header has 2' },
      {
        row: 8,
        column: 'phone_number',
        value: '001 415 555 0132',
        message: 'Duplicate phone number: same as row 3',
      },
    ]);
    expect(c.warningCount).toBe(1);
    expect(c.warnings).toEqual([
      {
        row: 6,
        column: 'phone_number',
        value: '+1234567890',
        message: 'not a valid number for its country',
      },
    ]);
  });

  it('lists the first 100 errors and counts all; long values are cut in the report', async () => {
    const bad = Array.from({ length: 250 }, (_, i) => `x${i}${'y'.repeat(i === 0 ? 300 : 0)}`);
    const c = checkContacts(await read(`phone_number\n${bad.join('\n')}\n`));
    expect(c.errorCount).toBe(250);
    expect(c.errors).toHaveLength(100);
    expect(c.errors.map((e) => e.row)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
    expect(c.errors[0]!.value).toBe(`x0${'y'.repeat(198)}…`);
  });
});

describe('mergeIssues', () => {
  it('merges two file-ordered lists and stops at max', () => {
    const a = [2, 5, 9].map((row) => ({ row, message: 'a' }));
    const b = [3, 4, 10, 11].map((row) => ({ row, message: 'b' }));
    expect(mergeIssues(a, b, 5).map((i) => i.row)).toEqual([2, 3, 4, 5, 9]);
    expect(mergeIssues([], b, 100).map((i) => i.row)).toEqual([3, 4, 10, 11]);
  });
});

describe('call rows', () => {
  it('encode variables as JSON objects in file order, chunk by rows, and time each zone once', async () => {
    const t = await read('a,phone_number,"b ""q"""\n"x,1",+15005550001,"é\n"\n,+15005550002,\n');
    const encode = variablesEncoder(t);
    expect(t.others.map(encode)).toEqual([
      '{"a":"x,1","b \\"q\\"":"é\\n"}',
      '{"a":"","b \\"q\\"":""}',
    ]);
    const c = checkContacts(t);
    let asked = 0;
    const src = callRowSource(t, c, {
      now: 0,
      zoneOf: () => 'Europe/Paris',
      runAtIn: (zone) => {
        asked++;
        return zone === 'Europe/Paris' ? 42 : -1;
      },
    });
    const chunks = [...src.chunks()];
    expect(src.count).toBe(2);
    expect(chunks).toHaveLength(1);
    const [chunk] = chunks;
    expect(chunk!.ids).toHaveLength(2);
    expect(chunk!.ids[0]).toMatch(/^call_0000000000[0-9a-z]{16}$/);
    expect({ ...chunk, ids: undefined }).toEqual({
      ids: undefined,
      lines: [2, 4],
      phones: ['+15005550001', '+15005550002'],
      timeZones: ['Europe/Paris', 'Europe/Paris'],
      runAts: [42, 42],
      variablesJson: '[{"a":"x,1","b \\"q\\"":"é\\n"},{"a":"","b \\"q\\"":""}]',
    });
    expect(asked).toBe(1);
  });

  it('a phone-only file has empty variables', async () => {
    const t = await read('phone_number\n+15005550001\n');
    expect(variablesEncoder(t)(t.others[0]!)).toBe('{}');
  });

  it('splits large batches into chunks of at most CHUNK_MAX_ROWS rows', async () => {
    const n = 12_345;
    const t = await read(
      `phone_number\n${Array.from({ length: n }, (_, i) => `+1415${2_000_000 + i}`).join('\n')}\n`,
    );
    const src = callRowSource(t, checkContacts(t), {
      now: 0,
      zoneOf: () => null,
      runAtIn: () => 7,
    });
    const sizes = [...src.chunks()].map((c) => c.ids.length);
    const full = Math.floor(n / CHUNK_MAX_ROWS);
    expect(sizes).toEqual([...Array(full).fill(CHUNK_MAX_ROWS), n - full * CHUNK_MAX_ROWS]);
  });
});
