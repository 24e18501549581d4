import { isAscii } from 'node:buffer';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { CELL_SEPARATOR, type CsvTable, cellAt, readCsv } from '../../src/ingest/csv-reader.js';

/** Feeds `input` to the reader in chunks of `size` bytes, as a socket would. */
function read(
  input: string | Buffer,
  size = 7,
  isPhoneColumn?: (name: string) => boolean,
): Promise<CsvTable> {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
  return readCsv(Readable.from(chunks), isPhoneColumn ? { isPhoneColumn } : {});
}

async function failure(input: string | Buffer, size = 7) {
  try {
    await read(input, size);
  } catch (err) {
    if (err instanceof AppError) return { status: err.statusCode, ...err.body };
    throw err;
  }
  throw new Error('expected the reader to reject the file');
}

const rows = (t: CsvTable) => t.lines.map((line, i) => [line, ...t.rows[i]!.split(CELL_SEPARATOR)]);

describe('readCsv', () => {
  it('reads header, rows, and the line each row starts on', async () => {
    const t = await read(
      ' phone_number , name ,note\n+1,"A, B","x\ny"\n\n  \n+2, C ,"say ""hi"""\n+3,5" tall,z',
    );
    expect(t.header).toEqual(['phone_number', 'name', 'note']);
    expect(t.totalRows).toBe(3);
    expect(t.delimiter).toBe(',');
    expect(t.encoding).toBe('utf-8');
    expect(rows(t)).toEqual([
      [2, '+1', 'A, B', 'x\ny'],
      [6, '+2', 'C', 'say "hi"'],
      [7, '+3', '5" tall', 'z'],
    ]);
    expect([0, 1, 2].map((k) => cellAt(t.rows[1]!, k))).toEqual(['+2', 'C', 'say "hi"']);
  });

  it('strips a BOM and reads CRLF files, counting a CRLF inside quotes as one line', async () => {
    const t = await read('\uFEFFphone_number,n\r\n+1,"a\r\nb\r\nc"\r\n\r\n+2,d\r\n', 3);
    expect(t.header).toEqual(['phone_number', 'n']);
    expect(rows(t)).toEqual([
      [2, '+1', 'a\r\nb\r\nc'],
      [6, '+2', 'd'],
    ]);
  });

  it('accepts a multi-byte character split across chunks', async () => {
    const t = await read('phone_number,n\n+1,Zoë Ğ 東京\n', 1);
    expect(rows(t)).toEqual([[2, '+1', 'Zoë Ğ 東京']]);
  });

  it('counts ragged rows as row errors, keeping the rest', async () => {
    const t = await read('phone_number,n\n+1\n+2,b\n+3,c,d\n');
    expect(t.totalRows).toBe(3);
    expect(rows(t)).toEqual([[3, '+2', 'b']]);
    expect(t.ragged.count).toBe(2);
    expect(t.ragged.items).toEqual([
      { row: 2, message: 'Row has 1 fields but the header has 2' },
      { row: 4, message: 'Row has 3 fields but the header has 2' },
    ]);
  });

  it('rejects files that are not CSV text with a usable message', async () => {
    expect(await failure('')).toEqual({
      status: 400,
      error: 'Empty CSV',
      message: 'The file has no header row',
    });
    expect(await failure('\uFEFF')).toMatchObject({ error: 'Empty CSV' });
    expect(await failure('phone_number\r\n\r\n')).toMatchObject({ error: 'CSV has no data rows' });
    expect(await failure('phone_number,n\n+1,a\n\n+2,"b\n\nc\n')).toEqual({
      status: 400,
      error: 'Malformed CSV',
      message: 'Unclosed quote in the row starting at line 4',
    });
    expect(await failure('phone_number,n\n+1,"a\r\nb"\r\n+2,"c" d\n')).toEqual({
      status: 400,
      error: 'Malformed CSV',
      message: 'Unexpected text after a closing quote in the row starting at line 4',
    });
    expect(await failure('phone_number,n\n+1,a\u0000b\n')).toMatchObject({
      error: 'Invalid file encoding',
    });
  });

  it('rejects bad headers before reading the rows', async () => {
    expect(await failure('phone_number,a,b,a\n')).toEqual({
      status: 400,
      error: 'Duplicate column name',
      message: 'Column "a" appears twice in the header (columns 2 and 4)',
    });
    expect(await failure('phone_number,"  "\n+1,a\n')).toEqual({
      status: 400,
      error: 'Invalid CSV header',
      message: 'Column 2 of the header has no name',
    });
    const cols = (n: number) => [
      'phone_number',
      ...Array.from({ length: n - 1 }, (_, i) => `c${i}`),
    ];
    expect(
      (await read(`${cols(500).join(',')}\n+1${',x'.repeat(499)}\n`, 4096)).header,
    ).toHaveLength(500);
    expect(await failure(`${cols(501).join(',')}\n`, 4096)).toMatchObject({
      error: 'Too many columns',
    });
  });

  it('rejects a field over 64 KB, naming the line its row starts on', async () => {
    const big = 'é'.repeat(32 * 1024 + 1); // 65,538 bytes in 32,769 characters
    expect(await failure(`phone_number,n\n+1,a\n+2,"${big}"\n`, 65536)).toEqual({
      status: 400,
      error: 'Malformed CSV',
      message:
        'A field in the row starting at line 3 is longer than 65536 bytes (often an unbalanced quote that swallowed the following lines)',
    });
    const max = 'x'.repeat(64 * 1024);
    expect(rows(await read(`phone_number,n\n+1,${max}\n`, 65536))).toEqual([[2, '+1', max]]);
  });

  describe('property: whatever the quoting, line ends, blank lines, delimiter and encoding, rows and lines come back', () => {
    const cell = fc
      .array(
        fc.constantFrom('a', 'Z', '7', ' ', ',', ';', '"', '\n', '\r\n', 'é', '\t', '東', "'"),
        {
          maxLength: 6,
        },
      )
      .map((parts) => parts.join(''));
    const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
    const table = fc
      .uniqueArray(name, { minLength: 1, maxLength: 5 })
      .filter((names) => !names.includes('phone_number'))
      .chain((names) =>
        fc.record({
          names: fc.constant(names),
          phoneAt: fc.integer({ min: 0, max: names.length }),
          rows: fc.array(
            fc.array(cell, { minLength: names.length + 1, maxLength: names.length + 1 }),
            {
              minLength: 1,
              maxLength: 8,
            },
          ),
          quoteAll: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
          eol: fc.constantFrom('\n', '\r\n'),
          blankAfter: fc.array(fc.nat(2), { minLength: 8, maxLength: 8 }),
          bom: fc.boolean(),
          delimiter: fc.constantFrom(',', ';', '\t'),
          encoding: fc.constantFrom('utf-8', 'utf-16le', 'utf-16be', 'windows-1252'),
          finalEol: fc.boolean(),
          chunk: fc.integer({ min: 1, max: 64 }),
        }),
      );

    // Whitespace at the edges of an unquoted field is ignored, so such cells must be quoted.
    const needsQuotes = (c: string, d: string) =>
      /["\r\n]|^[\s]|[\s]$/.test(c) || c.includes(d) || c === '';
    const encode = (c: string, force: boolean, d: string) =>
      needsQuotes(c, d) || force ? `"${c.replaceAll('"', '""')}"` : c;
    /** The bytes a spreadsheet would save `text` as (Windows-1252 has no 東: it becomes ü). */
    const bytes = (text: string, encoding: string, bom: boolean): Buffer => {
      if (encoding === 'windows-1252') return Buffer.from(text.replaceAll('東', 'ü'), 'latin1');
      if (encoding === 'utf-8') return Buffer.from((bom ? '\uFEFF' : '') + text);
      const le = Buffer.from(`\uFEFF${text}`, 'utf16le');
      return encoding === 'utf-16le' ? le : Buffer.from(le).swap16();
    };

    it('round-trips', async () => {
      await fc.assert(
        fc.asyncProperty(table, async (g) => {
          const header = [...g.names];
          header.splice(g.phoneAt, 0, 'phone_number');
          const d = g.delimiter;
          const lines = [
            header.join(d),
            ...g.rows.map((cells, r) =>
              cells.map((c, i) => encode(c, g.quoteAll[(r * 8 + i) % 64]!, d)).join(d),
            ),
          ];
          // Lay the lines out with blank lines in between, tracking where each row starts.
          let text = lines[0]!;
          const starts: number[] = [];
          let current = 1;
          for (let r = 1; r < lines.length; r++) {
            const blanks = g.blankAfter[r - 1]!;
            text += g.eol.repeat(1 + blanks) + lines[r];
            current += (lines[r - 1]!.match(/\r\n|\r|\n/g)?.length ?? 0) + 1 + blanks;
            starts.push(current);
          }
          if (g.finalEol) text += g.eol;

          const t = await read(bytes(text, g.encoding, g.bom), g.chunk);
          expect(t.header).toEqual(header);
          // A one-column file has no delimiter to find: read as comma-separated, which is the same.
          expect(t.delimiter).toBe(header.length > 1 ? d : ',');
          const ascii = isAscii(Buffer.from(text));
          expect(t.encoding).toBe(ascii && g.encoding === 'windows-1252' ? 'utf-8' : g.encoding);
          expect(t.totalRows).toBe(g.rows.length);
          expect(t.ragged.count).toBe(0);
          expect(t.lines).toEqual(starts);
          const saved = (c: string) =>
            g.encoding === 'windows-1252' ? c.replaceAll('東', 'ü') : c;
          g.rows.forEach((cells, i) => {
            expect(t.rows[i]!.split(CELL_SEPARATOR)).toEqual(cells.map(saved));
          });
        }),
        { numRuns: 300 },
      );
    });
  });
});
