// The JSON alternative to the CSV upload (§1 ext):
//   {"agentId": "…", "recipients": [{"phone_number": "+1…", "first_name": "…", …}], …options}
// The recipients become the same CsvTable the CSV reader produces, so validation, normalisation,
// error reporting and storage are the CSV path's, unchanged (the phone column and columnMap are
// resolved the same way, by contact-columns.ts). Row numbers read as if the list were a CSV with a
// header line: recipients[i] is row i + 2. Columns are phone_number (when any recipient has it),
// then every other key in order of first appearance; a recipient without a key gets an empty
// cell, as in a CSV.
import { createHash } from 'node:crypto';
import { badRequest } from '../domain/errors.js';
import { CELL_SEPARATOR, type CsvTable, MAX_CELL_BYTES, MAX_COLUMNS } from './csv-reader.js';
import { PHONE_COLUMN } from './phone-column.js';
import { IssueList } from './row-issues.js';
import { isStorableText, unstorableReason } from './storable-text.js';
import type { CsvUpload } from './upload.js';

export const RECIPIENTS_FIELD = 'recipients';
export const MAX_RECIPIENTS = 100_000;

const invalid = (message: string) => badRequest('Invalid recipients', message);

type Recipient = Record<string, unknown>;

const isObject = (v: unknown): v is Recipient =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A variable's value as the text a CSV cell would hold; null and absent are empty. */
function cellText(v: unknown, where: () => string): string {
  if (v === undefined || v === null) return '';
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
  else throw invalid(`${where()} must be a string, number or boolean`);
  // The CSV path refuses NUL bytes for the same reasons: they separate cells in CsvTable.rows,
  // and PostgreSQL cannot store them in jsonb. A CSV file is decoded strictly (text-decoding.ts),
  // so unpaired surrogates (which jsonb refuses too) can only come this way, from JSON escapes.
  const unstorable = unstorableReason(s);
  if (unstorable) throw invalid(`${where()} ${unstorable}`);
  if (s.length > MAX_CELL_BYTES / 3 && Buffer.byteLength(s) > MAX_CELL_BYTES) {
    throw invalid(`${where()} is longer than ${MAX_CELL_BYTES} bytes`);
  }
  return s;
}

/** Every key of every recipient, phone_number first, then in order of first appearance. */
function columnsOf(list: readonly unknown[]): string[] {
  const hasPhone = list.some((r) => isObject(r) && Object.hasOwn(r, PHONE_COLUMN));
  const seen = new Set<string>(hasPhone ? [PHONE_COLUMN] : []);
  for (const [i, r] of list.entries()) {
    if (!isObject(r)) {
      throw invalid(`recipients[${i}] must be an object such as {"phone_number": "+15005550001"}`);
    }
    for (const key of Object.keys(r)) {
      if (seen.has(key)) continue;
      if (key.trim() === '' || !isStorableText(key)) {
        throw invalid(`recipients[${i}] has a field with an empty or invalid name`);
      }
      seen.add(key);
      if (seen.size > MAX_COLUMNS) {
        throw badRequest(
          'Too many columns',
          `The recipients have more than ${MAX_COLUMNS} distinct fields; at most ${MAX_COLUMNS} are allowed`,
        );
      }
    }
  }
  return [...seen];
}

function recipientsTable(list: readonly unknown[]): CsvTable {
  const header = columnsOf(list);
  const table: CsvTable = {
    header,
    totalRows: list.length,
    lines: [],
    rows: [],
    ragged: new IssueList(),
    delimiter: ',',
    encoding: 'utf-8',
  };
  for (const [i, item] of list.entries()) {
    const r = item as Recipient;
    const own = (k: string) => (Object.hasOwn(r, k) ? r[k] : undefined);
    table.lines.push(i + 2);
    table.rows.push(
      header.map((k) => cellText(own(k), () => `recipients[${i}].${k}`)).join(CELL_SEPARATOR),
    );
  }
  return table;
}

/**
 * A JSON body as an upload: `recipients` as the table, every other top-level field as a form
 * field (batch options accept their JSON types: numbers, booleans, objects). Throws the 400s of a
 * body that is not `{…, "recipients": [objects]}` with 1 to MAX_RECIPIENTS entries.
 */
export function recipientsUpload(body: unknown): CsvUpload {
  if (!isObject(body)) {
    throw badRequest(
      'Invalid JSON body',
      'The body must be a JSON object with "agentId" and "recipients"',
    );
  }
  const { [RECIPIENTS_FIELD]: list, ...fields } = body;
  if (list === undefined || list === null) {
    throw badRequest(
      'Missing recipients',
      'Send the contacts as "recipients": [{"phone_number": "+15005550001", …}]',
    );
  }
  if (!Array.isArray(list)) throw invalid('recipients must be a list of objects');
  if (list.length === 0) {
    throw badRequest('No recipients', 'The recipients list is empty: add at least one contact');
  }
  if (list.length > MAX_RECIPIENTS) {
    throw badRequest(
      'Too many recipients',
      `At most ${MAX_RECIPIENTS} recipients per batch; got ${list.length}`,
    );
  }
  return { fields, table: recipientsTable(list) };
}

/**
 * The identity of a JSON request for Idempotency-Key. The parsed body re-serialised: the same
 * request sent again with other whitespace is the same request.
 */
export function recipientsIdentity(body: unknown): string {
  return createHash('sha256')
    .update(`json\n${JSON.stringify(body) ?? ''}`)
    .digest('hex');
}
