import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { CELL_SEPARATOR, readCsv } from '../../src/ingest/csv-reader.js';
import { chooseDelimiter, splitHeader } from '../../src/ingest/delimiter.js';
import { isPhoneColumnName } from '../../src/ingest/phone-column.js';

// The delimiter is decided from the header row (src/ingest/delimiter.ts).

const read = (text: string, isPhoneColumn?: (name: string) => boolean) =>
  readCsv(Readable.from([Buffer.from(text)]), isPhoneColumn ? { isPhoneColumn } : {});

async function failure(text: string, isPhoneColumn?: (name: string) => boolean) {
  try {
    await read(text, isPhoneColumn);
  } catch (err) {
    if (err instanceof AppError) return { status: err.statusCode, ...err.body };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('delimiter detection', () => {
  it('reads semicolon, tab and pipe files; commas and quotes in their cells stay text', async () => {
    for (const d of [';', '\t', '|']) {
      const t = await read(
        `phone_number${d}name${d}note\r\n+15005550001${d}"Smith, John"${d}a,b\r\n` +
          `+15005550002${d}"x${d}y"${d}"say ""hi"""\r\n`,
      );
      expect({ delimiter: t.delimiter, header: t.header }).toEqual({
        delimiter: d,
        header: ['phone_number', 'name', 'note'],
      });
      expect(t.rows.map((r) => r.split(CELL_SEPARATOR))).toEqual([
        ['+15005550001', 'Smith, John', 'a,b'],
        ['+15005550002', `x${d}y`, 'say "hi"'],
      ]);
    }
  });

  it('a header with no delimiter is one column; a quoted delimiter does not count', async () => {
    const one = await read('phone_number\n+15005550001\n');
    expect([one.delimiter, one.header]).toEqual([',', ['phone_number']]);
    const quoted = await read('"Name, First";Phone\n"Smith, J";+15005550001\n');
    expect([quoted.delimiter, quoted.header]).toEqual([';', ['Name, First', 'Phone']]);
    // Blank lines before the header are skipped before deciding.
    expect((await read('\r\n\r\nphone_number;x\r\n+1;2\r\n')).delimiter).toBe(';');
  });

  it('several delimiters in the header: the one giving a phone column wins', async () => {
    // A semicolon file (European Excel) whose header has a comma inside a name, unquoted.
    const t = await read('Name, First;Mobile Phone\nSmith, J;+447911123456\n');
    expect([t.delimiter, t.header]).toEqual([';', ['Name, First', 'Mobile Phone']]);
    // A comma file with a semicolon in a header.
    const c = await read('phone,notes;comments\n+15005550001,a;b\n');
    expect([c.delimiter, c.header]).toEqual([',', ['phone', 'notes;comments']]);
  });

  it("the columnMap's phone column (when known) settles it too", async () => {
    const text = 'Name, First;Handy\nSmith, J;+4915112345678\n';
    const t = await read(text, (name) => name === 'Handy');
    expect([t.delimiter, t.header]).toEqual([';', ['Name, First', 'Handy']]);
  });

  it('refuses a header no single delimiter splits into a phone column, naming the delimiters', async () => {
    expect(await failure('Name, First;Handy\nSmith, J;+4915112345678\n')).toEqual({
      status: 400,
      error: 'Ambiguous delimiter',
      message:
        'The header row can be split by comma and semicolon, and none of them gives a phone column: ' +
        'save the file with a single delimiter, or name the phone column with columnMap (sent before the file)',
    });
    expect(await failure('phone;x,phone_number\n1;2,3\n')).toEqual({
      status: 400,
      error: 'Ambiguous delimiter',
      message:
        'The header row can be split by comma and semicolon, and more than one gives a phone column: ' +
        'save the file with a single delimiter, or name the phone column with columnMap (sent before the file)',
    });
  });

  it('chooseDelimiter and splitHeader, directly', () => {
    expect(splitHeader(' a ;"b;c"; "d ""e"""', ';')).toEqual(['a', 'b;c', 'd "e"']);
    expect(chooseDelimiter('a|phone|b', isPhoneColumnName)).toBe('|');
    expect(chooseDelimiter('a,b;Telephone', isPhoneColumnName)).toBe(';');
  });
});
