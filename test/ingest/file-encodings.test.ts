import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { CELL_SEPARATOR, type CsvTable, readCsv } from '../../src/ingest/csv-reader.js';

// How the reader decodes the bytes spreadsheets save (src/ingest/text-decoding.ts): every case
// is read in chunks of every size from 1 byte up, so a BOM, a multi-byte character or a UTF-16
// code unit split across chunks is covered.

function chunked(buf: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
  return Readable.from(chunks);
}

async function readAll(buf: Buffer): Promise<CsvTable> {
  let first: CsvTable | undefined;
  for (const size of [1, 2, 3, 5, 4096]) {
    const t = await readCsv(chunked(buf, size));
    const seen = { header: t.header, rows: t.rows, encoding: t.encoding };
    if (first === undefined) first = t;
    else expect(seen).toEqual({ header: first.header, rows: first.rows, encoding: first.encoding });
  }
  return first!;
}

async function failure(buf: Buffer) {
  for (const size of [1, 3, 4096]) {
    try {
      await readCsv(chunked(buf, size));
    } catch (err) {
      if (err instanceof AppError) {
        if (size === 4096) return { status: err.statusCode, ...err.body };
        continue;
      }
      throw err;
    }
    throw new Error(`expected the reader to reject the file (chunks of ${size})`);
  }
}

const cells = (t: CsvTable) => t.rows.map((r) => r.split(CELL_SEPARATOR));
const TEXT = 'phone_number,name\r\n+15005550001,José Müller\r\n+15005550002,Zoë Ñúñez\r\n';
const ROWS = [
  ['+15005550001', 'José Müller'],
  ['+15005550002', 'Zoë Ñúñez'],
];

describe('readCsv: encodings', () => {
  it('UTF-8 with and without a BOM', async () => {
    for (const buf of [Buffer.from(TEXT), Buffer.from(`\uFEFF${TEXT}`)]) {
      const t = await readAll(buf);
      expect({ header: t.header, rows: cells(t), encoding: t.encoding }).toEqual({
        header: ['phone_number', 'name'],
        rows: ROWS,
        encoding: 'utf-8',
      });
    }
  });

  it('UTF-16 LE and BE with their BOM', async () => {
    const le = Buffer.from(`\uFEFF${TEXT}`, 'utf16le');
    const be = Buffer.from(le).swap16();
    expect(be.subarray(0, 2)).toEqual(Buffer.from([0xfe, 0xff]));
    for (const [buf, encoding] of [
      [le, 'utf-16le'],
      [be, 'utf-16be'],
    ] as const) {
      const t = await readAll(buf);
      expect({ header: t.header, rows: cells(t), encoding: t.encoding }).toEqual({
        header: ['phone_number', 'name'],
        rows: ROWS,
        encoding,
      });
    }
  });

  it('Windows-1252 when the first non-ASCII byte is not UTF-8 (€ and curly quotes too)', async () => {
    // "José" with é = E9, "€" = 80, ’ = 92: bytes only Windows-1252 gives these characters.
    const buf = Buffer.concat([
      Buffer.from('phone_number,name,note\r\n+15005550001,Jos'),
      Buffer.from([0xe9]),
      Buffer.from(',5 '),
      Buffer.from([0x80]),
      Buffer.from('\r\n+15005550002,O'),
      Buffer.from([0x92]),
      Buffer.from('Brien,\r\n'),
    ]);
    const t = await readAll(buf);
    expect(t.encoding).toBe('windows-1252');
    expect(cells(t)).toEqual([
      ['+15005550001', 'José', '5 €'],
      ['+15005550002', 'O’Brien', ''],
    ]);
  });

  it('a file that ends on the first non-ASCII byte is Windows-1252 too', async () => {
    const t = await readAll(Buffer.from([...Buffer.from('p\r\n+1'), 0xc3]));
    expect(t.encoding).toBe('windows-1252');
    expect(cells(t)).toEqual([['+1Ã']]);
  });

  it('refuses a file mixing UTF-8 with another encoding', async () => {
    const buf = Buffer.concat([
      Buffer.from('phone_number,name\n+15005550001,José\n+15005550002,Jos'),
      Buffer.from([0xe9, 0x0a]),
    ]);
    expect(await failure(buf)).toEqual({
      status: 400,
      error: 'Invalid file encoding',
      message:
        'The file mixes UTF-8 with another encoding (such as Windows-1252): save it again as CSV UTF-8',
    });
    // UTF-8 that is cut off in the middle of a character at the very end.
    expect(await failure(Buffer.from([...Buffer.from('p\né\n'), 0xc3]))).toEqual({
      status: 400,
      error: 'Invalid file encoding',
      message: 'The file ends in the middle of a UTF-8 character',
    });
  });

  it('refuses NUL bytes without a UTF-16 BOM, and a NUL character in UTF-16', async () => {
    const noBom = Buffer.from('phone_number\n+15005550001\n', 'utf16le');
    expect(await failure(noBom)).toEqual({
      status: 400,
      error: 'Invalid file encoding',
      message:
        'The file contains NUL bytes: it is not CSV text. Save it as CSV UTF-8 (or as UTF-16 "Unicode Text" with its byte-order mark)',
    });
    expect(await failure(Buffer.from('\uFEFFphone_number\n+1\u0000\n', 'utf16le'))).toEqual({
      status: 400,
      error: 'Invalid file encoding',
      message: 'The file contains a NUL character, which no contact field may hold',
    });
    // An unpaired surrogate is not UTF-16 text.
    const broken = Buffer.concat([
      Buffer.from('\uFEFFphone_number\n+1', 'utf16le'),
      Buffer.from([0x00, 0xd8, 0x0a, 0x00]),
    ]);
    expect(await failure(broken)).toEqual({
      status: 400,
      error: 'Invalid file encoding',
      message: 'The file is not valid UTF-16 LE text: save it again as CSV UTF-8',
    });
  });

  it('refuses Excel workbooks (.xlsx zip, .xls OLE) with the exact body', async () => {
    const expected = {
      status: 400,
      error: 'Unsupported file type',
      message: 'This is an Excel workbook: save it as CSV',
    };
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
    const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    expect(await failure(zip)).toEqual(expected);
    expect(await failure(ole)).toEqual(expected);
    // "PK" alone is just text.
    expect((await readAll(Buffer.from('PK,phone_number\nx,+1\n'))).header).toEqual([
      'PK',
      'phone_number',
    ]);
  });
});
