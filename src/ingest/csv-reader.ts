// Streaming CSV reader: bytes → header + raw rows, never holding the whole upload.
//
// The bytes are decoded as the file's encoding says (text-decoding.ts), split by the delimiter
// its header row uses (delimiter.ts) and read as CSV by csv-tokenizer.ts. Which column holds the
// phone number is decided later (contact-columns.ts), once every form field (columnMap may follow
// the file) has been read.
//
// Rows are kept compact because a 20 MB upload can hold hundreds of thousands of rows: per row one
// line number and ALL its cells joined by NUL into ONE string (NUL cannot occur in a cell: the
// file is rejected if it contains one, and PostgreSQL could not store it). A string per cell
// would cost ~40 bytes of overhead each and blow the memory budget on files of many short columns.
import { pipeline as callbackPipeline, type Readable } from 'node:stream';
import { type AppError, badRequest } from '../domain/errors.js';
import { CsvSyntaxError, CsvTokenizer } from './csv-tokenizer.js';
import { chooseDelimiter, type Delimiter, headerLength } from './delimiter.js';
import { isPhoneColumnName } from './phone-column.js';
import { IssueList } from './row-issues.js';
import { type FileEncoding, TextDecoding } from './text-decoding.js';

export const MAX_COLUMNS = 500;
export const MAX_CELL_BYTES = 64 * 1024;
/** Joins a row's cells; see the file comment. */
export const CELL_SEPARATOR = '\0';
// A header row longer than this is decided on what has arrived (500 columns of long names fit).
const MAX_HEADER_CHARS = 1024 * 1024;

export interface CsvTable {
  /** Header names, trimmed, in file order. */
  header: string[];
  /** Data rows, counting ragged ones (which are not kept, only reported). */
  totalRows: number;
  /** Per kept row, in file order: the 1-based line the row starts on. */
  lines: number[];
  /** Per kept row: every cell, in file order, joined by CELL_SEPARATOR. */
  rows: string[];
  /** Rows whose field count differs from the header's. */
  ragged: IssueList;
  delimiter: Delimiter;
  encoding: FileEncoding;
}

export interface ReadCsvOptions {
  /**
   * Whether a header name would be the phone column; settles a header that more than one
   * delimiter could split (asked when the header has been read, so a columnMap field sent
   * before the file can take part).
   */
  isPhoneColumn?: (name: string) => boolean;
}

/** The k-th cell (0-based) of a row string. */
export function cellAt(row: string, k: number): string {
  let start = 0;
  for (let i = 0; i < k; i++) start = row.indexOf(CELL_SEPARATOR, start) + 1;
  const end = row.indexOf(CELL_SEPARATOR, start);
  return end === -1 ? row.slice(start) : row.slice(start, end);
}

const malformed = (message: string) => badRequest('Malformed CSV', message);

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

function readHeader(cells: readonly string[]): string[] {
  const header = cells.map((c) => c.trim());
  if (header.length > MAX_COLUMNS) {
    throw badRequest(
      'Too many columns',
      `The header has ${header.length} columns; at most ${MAX_COLUMNS} are allowed`,
    );
  }
  const seen = new Map<string, number>();
  for (const [i, name] of header.entries()) {
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
  return header;
}

function syntaxError(err: CsvSyntaxError): AppError {
  return err.problem === 'unclosed_quote'
    ? malformed(`Unclosed quote in the row starting at line ${err.line}`)
    : malformed(`Unexpected text after a closing quote in the row starting at line ${err.line}`);
}

interface HeadText {
  /** Everything read so far: the header row, and whatever followed it in the same chunks. */
  text: string;
  delimiter: Delimiter;
}

/** Reads text until the header row is complete, and decides the delimiter from it. */
async function readHead(
  chunks: AsyncIterator<string>,
  isPhoneColumn: (name: string) => boolean,
): Promise<HeadText | undefined> {
  let text = '';
  for (;;) {
    // Blank lines before the header are skipped, as the parser skips them.
    const start = text.search(/[^\r\n]/);
    const length = start === -1 ? -1 : headerLength(text.slice(start));
    if (length !== -1 || text.length > MAX_HEADER_CHARS) {
      const header = text.slice(start, length === -1 ? undefined : start + length);
      return { text, delimiter: chooseDelimiter(header, isPhoneColumn) };
    }
    const next = await chunks.next();
    if (next.done) {
      if (start === -1) return undefined;
      return { text, delimiter: chooseDelimiter(text.slice(start), isPhoneColumn) };
    }
    text += next.value;
  }
}

/**
 * Reads a whole CSV stream. Throws AppError (400) for problems with the file as a whole: encoding,
 * quoting, delimiter, header, no rows. Row-level problems are left to validation (ragged rows are
 * counted).
 */
export async function readCsv(source: Readable, opts: ReadCsvOptions = {}): Promise<CsvTable> {
  const decoding = new TextDecoding();
  // Errors of either stream reach the iterator below; ending it early destroys both.
  callbackPipeline(source, decoding, () => {});
  const chunks: AsyncIterator<string> = decoding[Symbol.asyncIterator]();
  try {
    const head = await readHead(chunks, opts.isPhoneColumn ?? isPhoneColumnName);
    if (head === undefined) throw badRequest('Empty CSV', 'The file has no header row');

    let header: string[] | undefined;
    const table = {
      totalRows: 0,
      lines: [] as number[],
      rows: [] as string[],
      ragged: new IssueList(),
    };
    const tokenizer = new CsvTokenizer(head.delimiter, (cells, line) => {
      checkCellSizes(cells, line);
      if (header === undefined) {
        header = readHeader(cells);
        return;
      }
      table.totalRows++;
      if (cells.length !== header.length) {
        table.ragged.add({
          row: line,
          message: `Row has ${cells.length} fields but the header has ${header.length}`,
        });
        return;
      }
      table.lines.push(line);
      table.rows.push(cells.join(CELL_SEPARATOR));
    });
    try {
      tokenizer.push(head.text);
      for (;;) {
        const next = await chunks.next();
        if (next.done) break;
        tokenizer.push(next.value);
      }
      tokenizer.end();
    } catch (err) {
      if (err instanceof CsvSyntaxError) throw syntaxError(err);
      throw err;
    }
    if (header === undefined) throw badRequest('Empty CSV', 'The file has no header row');
    if (table.totalRows === 0) {
      throw badRequest('CSV has no data rows', 'The file has a header row but no contacts');
    }
    return {
      header,
      ...table,
      delimiter: head.delimiter,
      encoding: decoding.encoding ?? 'utf-8',
    };
  } finally {
    await chunks.return?.();
  }
}
