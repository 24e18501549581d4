// Streaming CSV reader: bytes → header + raw rows, never holding the whole upload.
//
// Rows are kept compact because a 20 MB upload can hold hundreds of thousands of rows: per row one
// line number, the raw phone cell, and the other cells joined by NUL into ONE string (NUL cannot
// occur in a cell: the file is rejected if it contains one, and PostgreSQL could not store it).
// A string per cell would cost ~40 bytes of overhead each and blow the memory budget on files of
// many short columns.
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, type Info, parse } from 'csv-parse';
import { type AppError, badRequest } from '../domain/errors.js';
import { IssueList } from './row-issues.js';

export const PHONE_COLUMN = 'phone_number';
export const MAX_COLUMNS = 500;
export const MAX_CELL_BYTES = 64 * 1024;
/** Joins a row's non-phone cells; see the file comment. */
export const CELL_SEPARATOR = '\0';

export interface CsvTable {
  /** Header names, trimmed, in file order (phone_number included). */
  columns: string[];
  phoneIndex: number;
  /** Data rows, counting ragged ones (which are not kept, only reported). */
  totalRows: number;
  /** Per kept row, in file order: the 1-based line the row starts on. */
  lines: number[];
  /** Per kept row: the raw phone_number cell. */
  phones: string[];
  /** Per kept row: every other cell, in file order, joined by CELL_SEPARATOR. */
  others: string[];
  /** Rows whose field count differs from the header's. */
  ragged: IssueList;
}

const malformed = (message: string) => badRequest('Malformed CSV', message);

/** Rejects bytes that are not UTF-8 text before the parser sees them (csv-parse would guess). */
class Utf8Guard extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void) {
    if (chunk.indexOf(0) !== -1) {
      return done(
        badRequest(
          'Invalid file encoding',
          'The file contains NUL bytes: it is not UTF-8 text (UTF-16 files must be saved as UTF-8)',
        ),
      );
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      return done(
        badRequest('Invalid file encoding', 'The file is not valid UTF-8 text; save it as UTF-8'),
      );
    }
    this.push(chunk);
    done();
  }

  override _flush(done: (err?: Error | null) => void) {
    try {
      this.decoder.decode();
      done();
    } catch {
      done(badRequest('Invalid file encoding', 'The file ends in the middle of a UTF-8 character'));
    }
  }
}

function lineBreaks(cells: readonly string[]): number {
  let n = 0;
  for (const c of cells) {
    if (c.indexOf('\n') === -1 && c.indexOf('\r') === -1) continue;
    n += c.match(/\r\n|\r|\n/g)!.length;
  }
  return n;
}

function checkCellSizes(cells: readonly string[], line: number): void {
  for (const c of cells) {
    // A UTF-16 unit is at most 3 UTF-8 bytes: only long strings need measuring.
    if (c.length > MAX_CELL_BYTES / 3 && Buffer.byteLength(c) > MAX_CELL_BYTES) {
      throw malformed(
        `A field in the row starting at line ${line} is longer than ${MAX_CELL_BYTES} bytes ` +
          '(often an unbalanced quote that swallowed the following lines)',
      );
    }
  }
}

function readHeader(cells: readonly string[]): { columns: string[]; phoneIndex: number } {
  const columns = cells.map((c) => c.trim());
  if (columns.length > MAX_COLUMNS) {
    throw badRequest(
      'Too many columns',
      `The header has ${columns.length} columns; at most ${MAX_COLUMNS} are allowed`,
    );
  }
  const seen = new Map<string, number>();
  for (const [i, name] of columns.entries()) {
    if (name === '') {
      throw badRequest('Invalid CSV header', `Column ${i + 1} of the header has no name`);
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw badRequest(
        'Duplicate column name',
        `Column "${name}" appears twice in the header (columns ${first + 1} and ${i + 1})`,
      );
    }
    seen.set(name, i);
  }
  const phoneIndex = columns.indexOf(PHONE_COLUMN);
  if (phoneIndex === -1) {
    const hint =
      columns.length === 1 && /[;\t|]/.test(columns[0]!)
        ? ' The file must be comma-separated.'
        : '';
    throw badRequest(
      'Missing phone_number column',
      `The CSV header must have a "${PHONE_COLUMN}" column (found: ${columns.join(', ')}).${hint}`,
    );
  }
  return { columns, phoneIndex };
}

function parserError(err: CsvError, line: number): AppError {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return malformed(`Unclosed quote in the row starting at line ${line}`);
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return malformed(`Unexpected text after a closing quote in the row starting at line ${line}`);
    default:
      return malformed(`Cannot read the row starting at line ${line} (${err.code})`);
  }
}

/**
 * Reads a whole CSV stream. Throws AppError (400) for problems with the file as a whole: encoding,
 * quoting, header, no rows. Row-level problems are left to validation (ragged rows are counted).
 */
export async function readCsv(source: Readable): Promise<CsvTable> {
  let header: { columns: string[]; phoneIndex: number } | undefined;
  const table: Omit<CsvTable, 'columns' | 'phoneIndex'> = {
    totalRows: 0,
    lines: [],
    phones: [],
    others: [],
    ragged: new IssueList(),
  };
  // Line bookkeeping runs inside the parser (on_record is synchronous with it), so when the
  // parser fails it names the line where the broken row starts. csv-parse's own line counter
  // counts a CRLF inside quotes twice, hence counting breaks ourselves.
  let nextLine = 1;
  let emptyLinesSeen = 0;

  const onRecord = (cells: string[], info: Info): undefined => {
    const line = nextLine + (info.empty_lines - emptyLinesSeen);
    emptyLinesSeen = info.empty_lines;
    nextLine = line + 1 + lineBreaks(cells);
    checkCellSizes(cells, line);
    if (header === undefined) {
      header = readHeader(cells);
      return;
    }
    table.totalRows++;
    const { columns, phoneIndex } = header;
    if (cells.length !== columns.length) {
      table.ragged.add({
        row: line,
        message: `Row has ${cells.length} fields but the header has ${columns.length}`,
      });
      return;
    }
    table.lines.push(line);
    table.phones.push(cells[phoneIndex]!);
    cells.splice(phoneIndex, 1);
    table.others.push(cells.join(CELL_SEPARATOR));
  };

  const parser = parse({
    bom: true,
    // Whitespace around fields is ignored (", John"); quoted content is kept as is.
    trim: true,
    // A quote inside an unquoted field is a literal character (5" screen), as in Excel and
    // Python; an unclosed quoted field is still an error.
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    on_record: onRecord,
  });
  const sink = new Writable({ objectMode: true, write: (_r, _e, done) => done() });
  try {
    await pipeline(source, new Utf8Guard(), parser, sink);
  } catch (err) {
    if (err instanceof CsvError) {
      const empty = typeof err['empty_lines'] === 'number' ? err['empty_lines'] : emptyLinesSeen;
      throw parserError(err, nextLine + (empty - emptyLinesSeen));
    }
    throw err;
  }
  if (header === undefined) throw badRequest('Empty CSV', 'The file has no header row');
  if (table.totalRows === 0) {
    throw badRequest('CSV has no data rows', 'The file has a header row but no contacts');
  }
  return { ...header, ...table };
}

/** The variables of a kept row: every column but phone_number, as strings, in file order. */
export function rowVariables(table: CsvTable, i: number): Record<string, string> {
  const cells = table.others[i]!.split(CELL_SEPARATOR);
  const out: Record<string, string> = {};
  let k = 0;
  for (const [c, name] of table.columns.entries()) {
    if (c !== table.phoneIndex) out[name] = cells[k++] ?? '';
  }
  return out;
}
