import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  CHUNK_MAX_JSON_CHARS,
  callRowSource,
  variablesEncoder,
} from '../../src/ingest/call-rows.js';
import { contactTable } from '../../src/ingest/contact-columns.js';
import { checkContacts } from '../../src/ingest/contact-validation.js';
import { readCsv } from '../../src/ingest/csv-reader.js';
import { mergeIssues } from '../../src/ingest/row-issues.js';

const read = async (text: string, map?: Record<string, string>) =>
  contactTable(await readCsv(Readable.from([Buffer.from(text)])), map);

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
    const c = checkContacts(t, { defaultCountry: 'US' });
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

describe('checkContacts: hints, spreadsheet damage, agent variables', () => {
  it('a national number invalid for defaultCountry is an error with the country it looks like', async () => {
    const t = await read('Mobile,name\n07700 900123,A\n+15005550001,B\n07911 123456,C\n');
    const c = checkContacts(t, { defaultCountry: 'US' });
    expect(c.accepted).toEqual([1]);
    expect(c.errors).toEqual([
      {
        row: 2,
        column: 'Mobile',
        value: '07700 900123',
        message:
          'Not a valid US number (defaultCountry=US); looks like a GB number: set defaultCountry=GB ' +
          'or write it in +44 form (it also fits IN and IQ)',
      },
      {
        row: 4,
        column: 'Mobile',
        value: '07911 123456',
        message:
          'Not a valid US number (defaultCountry=US); looks like a GB number: set defaultCountry=GB ' +
          'or write it in +44 form (it also fits IQ)',
      },
    ]);
    // Without defaultCountry the hint follows the "no country code" error.
    const none = checkContacts(await read('phone\n07911 123456\n'));
    expect(none.errors[0]!.message).toBe(
      'No country code: write the number with + and its country code, or set defaultCountry; ' +
        'looks like a GB number: set defaultCountry=GB or write it in +44 form (it also fits IQ)',
    );
  });

  it('only listed errors get a hint (the search is not paid for every row)', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `0791112${String(i).padStart(4, '0')}`);
    const c = checkContacts(await read(`phone_number\n${rows.join('\n')}\n`), {
      defaultCountry: 'US',
    });
    expect(c.errorCount).toBe(150);
    expect(c.errors).toHaveLength(100);
    expect(c.errors.every((e) => e.message.includes('looks like a GB number'))).toBe(true);
  });

  it('scientific notation is an error; a dropped + is accepted with a warning', async () => {
    const t = await read('phone_number\n4.47701E+11\n447911123456\n"4,47701E+11"\n');
    const c = checkContacts(t, { defaultCountry: 'US' });
    expect(c.phones).toEqual(['+447911123456']);
    expect(c.errors.map((e) => [e.row, e.message])).toEqual([
      [
        2,
        'Excel turned this number into scientific notation: format the column as Text and export again',
      ],
      [
        4,
        'Excel turned this number into scientific notation: format the column as Text and export again',
      ],
    ]);
    expect(c.warnings).toEqual([
      {
        row: 3,
        column: 'phone_number',
        value: '447911123456',
        message:
          'Read as +447911123456: the leading + was missing (spreadsheets drop it unless the column is formatted as Text)',
      },
    ]);
  });

  it('lists duplicates with both rows; the first row is kept', async () => {
    const t = await read(
      'phone_number\n+15005550001\n+15005550002\n+1 500 555 0001\n15005550002\n',
    );
    const c = checkContacts(t);
    expect(c.accepted).toEqual([0, 1]);
    expect(c.duplicateCount).toBe(2);
    expect(c.duplicates).toEqual([
      { row: 4, firstRow: 2, phone_number: '+15005550001' },
      { row: 5, firstRow: 3, phone_number: '+15005550002' },
    ]);
  });

  it("reports the agent's variables no column provides, and empty cells of those it does", async () => {
    const t = await read(
      'phone_number,First Name,plan,note\n+15005550001,Ann,,x\n+15005550002, ,gold,\nnope,,,\n',
    );
    const c = checkContacts(t, { agentVariables: ['first_name', 'plan', 'appointment_date'] });
    expect(c.missingVariables).toEqual(['appointment_date']);
    expect(c.warningCount).toBe(3);
    expect(c.warnings).toEqual([
      {
        row: 1,
        message:
          "Missing columns for the agent's variables: appointment_date (they will be read as empty text)",
      },
      {
        row: 2,
        column: 'plan',
        value: '',
        message: "Empty value for the agent's variable {plan} (it will be read as empty text)",
      },
      {
        row: 3,
        column: 'First Name',
        value: '',
        message:
          "Empty value for the agent's variable {first_name} (it will be read as empty text)",
      },
    ]);
    // A columnMap name provides a variable too; no agent, no variable warnings.
    const mapped = checkContacts(
      await read('phone_number,Termin\n+15005550001,Mon\n', { appointment_date: 'Termin' }),
      {
        agentVariables: ['appointment_date'],
      },
    );
    expect([mapped.missingVariables, mapped.warnings]).toEqual([[], []]);
    expect(checkContacts(t).warnings).toEqual([]);
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
  it('encode variables as values in file order under names sent once, and time each zone once', async () => {
    const t = await read(
      'a,phone_number,"b ""q"""\n"x,1",+15005550001,"é\n"\n,+15005550002,\n,+442071234567,z\n',
    );
    const encode = variablesEncoder(t);
    expect(t.rows.map(encode)).toEqual(['["x,1","é\\n"]', '["",""]', '["","z"]']);
    // A row short of cells (none the readers keep) still gives a value per name.
    expect(encode('x')).toBe('["x",""]');
    const c = checkContacts(t);
    let asked = 0;
    const src = callRowSource(t, c, {
      now: 0,
      dueAt: 0,
      zoneOf: (phone) => (phone.startsWith('+44') ? 'Europe/London' : 'Europe/Paris'),
      runAtIn: (zone) => {
        asked++;
        return zone === 'Europe/Paris' ? 42 : 43;
      },
    });
    expect(src.variableKeys).toEqual(['a', 'b "q"']);
    const chunks = [...src.chunks()];
    expect(src.count).toBe(3);
    expect(chunks).toHaveLength(1);
    const [chunk] = chunks;
    expect(chunk!.count).toBe(3);
    expect(chunk!.zones).toEqual(['Europe/Paris', 'Europe/London']);
    expect(chunk!.runAts).toEqual([42, 43]);
    const rows = JSON.parse(chunk!.rowsJson) as unknown[][];
    expect(src.idHead).toBe('call_0000000000');
    const ids = rows.map((r) => src.idHead + String(r[0]));
    for (const id of ids) expect(id).toMatch(/^call_0000000000[0-9a-hjkmnp-tv-z]{16}$/);
    expect(new Set(ids).size).toBe(3);
    expect(rows.map((r) => r.slice(1))).toEqual([
      [2, '+15005550001', 1, ['x,1', 'é\n']],
      [4, '+15005550002', 1, ['', '']],
      [5, '+442071234567', 2, ['', 'z']],
    ]);
    expect(asked).toBe(2);
  });

  it('a phone-only file has empty variables', async () => {
    const t = await read('phone_number\n+15005550001\n');
    expect(variablesEncoder(t)(t.rows[0]!)).toBe('[]');
  });

  /** The insert chunks of n rows of distinct numbers, each row followed by `rest`. */
  async function chunksOf(n: number, rest = '') {
    const header = rest === '' ? 'phone_number' : 'phone_number,note';
    const rows = Array.from({ length: n }, (_, i) => `+1415${2_000_000 + i}${rest}`);
    const t = await read(`${header}\n${rows.join('\n')}\n`);
    const src = callRowSource(t, checkContacts(t), {
      now: 0,
      dueAt: 0,
      zoneOf: () => 'UTC',
      runAtIn: () => 7,
    });
    return [...src.chunks()];
  }

  it('splits large batches into chunks that hold every row once, in file order', async () => {
    const n = 12_345;
    const chunks = await chunksOf(n);
    expect(chunks.length).toBeGreaterThan(5);
    const lines = chunks.flatMap((c) => (JSON.parse(c.rowsJson) as unknown[][]).map((r) => r[1]));
    expect(lines).toEqual(Array.from({ length: n }, (_, i) => i + 2));
  });

  it('ends a chunk before its JSON outgrows CHUNK_MAX_JSON_CHARS', async () => {
    const n = 3000;
    const wide = 'é'.repeat(200);
    const chunks = await chunksOf(n, `,${wide}`);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.reduce((sum, c) => sum + c.count, 0)).toBe(n);
    for (const c of chunks) {
      // One row may take it past the limit, never more.
      expect(c.rowsJson.length).toBeLessThan(CHUNK_MAX_JSON_CHARS + 400);
      const rows = JSON.parse(c.rowsJson) as Array<[string, number, string, number, string[]]>;
      expect(rows).toHaveLength(c.count);
      expect(rows.every((r) => r[4][0] === wide)).toBe(true);
    }
  });
});
