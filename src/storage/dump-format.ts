import { StringDecoder } from 'node:string_decoder';

// The file `outdial export-db` writes and `outdial import-db` reads: newline-delimited JSON.
//
//   {"format":"outdial-dump","version":1,"createdAt":"…","migrations":[…],"tables":[…]}   header
//   {"@outdial":"table","name":"workspaces","columns":["id",…]}                           section
//   {"id":"ws_…","name":"Acme",…}                                          one line per row
//   …                                                                      (more sections)
//   {"@outdial":"end","rows":{"workspaces":2,…}}                           end marker
//
// Row lines are PostgreSQL's own row_to_json text, written and loaded without ever being parsed
// in JavaScript, so bigint and numeric values keep every digit. json/jsonb columns are wrapped in
// a one-element array (`[value]`, or `null` for SQL NULL): json_populate_record reads a bare JSON
// null as SQL NULL, which would turn a stored JSON null into NULL (and fail a NOT NULL column).
// Sections follow `tables`, an order in which every foreign key refers to a table already loaded.
// The end marker holds every section's row count: a file without it, or whose counts differ from
// the rows read, was cut short and is refused.

export const DUMP_FORMAT = 'outdial-dump';
export const DUMP_VERSION = 1;

/** The first line. New fields are additive; a reader ignores fields it does not know. */
export interface DumpHeader {
  format: typeof DUMP_FORMAT;
  version: typeof DUMP_VERSION;
  /** When the export's snapshot was taken (ISO-8601). */
  createdAt: string;
  /** Every migration applied to the exported database, by file name, sorted. */
  migrations: string[];
  /** The sections that follow, in load order. */
  tables: string[];
}

export interface TableSection {
  name: string;
  columns: string[];
}

export interface DumpEnd {
  rows: Record<string, number>;
}

/** The dump is not one `outdial export-db` wrote, or it is damaged or cut short. */
export class DumpFormatError extends Error {}

/** The first key of a control line. Tables with a column of that name are refused at export. */
export const CONTROL_KEY = '@outdial';
const CONTROL_PREFIX = `{"${CONTROL_KEY}":`;

export type DumpLine =
  | { kind: 'table'; section: TableSection }
  | { kind: 'end'; end: DumpEnd }
  | { kind: 'row'; json: string };

export const headerLine = (h: DumpHeader): string => `${JSON.stringify(h)}\n`;

export const sectionLine = (s: TableSection): string =>
  `${JSON.stringify({ [CONTROL_KEY]: 'table', name: s.name, columns: s.columns })}\n`;

export const endLine = (e: DumpEnd): string =>
  `${JSON.stringify({ [CONTROL_KEY]: 'end', rows: e.rows })}\n`;

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

function parseObject(line: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new DumpFormatError(`The ${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DumpFormatError(`The ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Reads and checks the first line of a dump. */
export function parseHeader(line: string | undefined): DumpHeader {
  if (line === undefined) throw new DumpFormatError('The dump is empty');
  if (!line.startsWith('{')) {
    throw new DumpFormatError('This is not a file written by outdial export-db');
  }
  const h = parseObject(line, 'first line');
  if (h['format'] !== DUMP_FORMAT) {
    throw new DumpFormatError('This is not a file written by outdial export-db');
  }
  if (h['version'] !== DUMP_VERSION) {
    throw new DumpFormatError(
      `This dump is format version ${String(h['version'])}; this Outdial reads version ${DUMP_VERSION}`,
    );
  }
  if (
    typeof h['createdAt'] !== 'string' ||
    !isStringArray(h['migrations']) ||
    !isStringArray(h['tables'])
  ) {
    throw new DumpFormatError('The dump header lacks createdAt, migrations or tables');
  }
  return h as unknown as DumpHeader;
}

/** Tells a row from a control line without parsing the row. */
export function classifyLine(line: string): DumpLine {
  if (!line.startsWith(CONTROL_PREFIX)) {
    if (!line.startsWith('{')) throw new DumpFormatError('A row line is not a JSON object');
    return { kind: 'row', json: line };
  }
  const c = parseObject(line, 'control line');
  if (c[CONTROL_KEY] === 'table' && typeof c['name'] === 'string' && isStringArray(c['columns'])) {
    return { kind: 'table', section: { name: c['name'], columns: c['columns'] } };
  }
  const rows = c['rows'];
  if (
    c[CONTROL_KEY] === 'end' &&
    typeof rows === 'object' &&
    rows !== null &&
    Object.values(rows).every((n) => Number.isInteger(n))
  ) {
    return { kind: 'end', end: { rows: rows as Record<string, number> } };
  }
  throw new DumpFormatError(`Unknown control line ${line.slice(0, 80)}`);
}

const isZlibError = (err: unknown) =>
  typeof err === 'object' &&
  err !== null &&
  'code' in err &&
  typeof err.code === 'string' &&
  err.code.startsWith('Z_');

/**
 * Splits a byte stream into lines. A last line without its newline means the file was cut short
 * (every line export-db writes ends with one), as does a gzip stream that ends early.
 */
export async function* dumpLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const chunk of chunks) {
      const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      const lines = text.split('\n');
      rest = lines.pop()!;
      yield* lines;
    }
  } catch (err) {
    if (isZlibError(err)) {
      throw new DumpFormatError(
        `The compressed dump is damaged or cut short (${(err as Error).message})`,
      );
    }
    throw err;
  }
  rest += decoder.end();
  if (rest !== '')
    throw new DumpFormatError('The dump ends in the middle of a line: it is cut short');
}
