// Which column is the number to dial, and under which name each other column is stored.
//
// Decided once every form field has been read (a columnMap may follow the file):
// - the phone column: the columnMap's `phone_number`, else a header exactly `phone_number`, else
//   the one header matching a common name (phone-column.ts) ignoring case and punctuation;
// - every other column keeps its header as its variable name (result.metadata and the export show
//   what was uploaded), except those the columnMap names, which take the columnMap's name;
// - templates find the rest by alias (domain/template.ts): `{first_name}` finds `First Name`.
import { badRequest } from '../domain/errors.js';
import { variableFinder } from '../domain/template.js';
import type { RowVariables } from '../domain/types.js';
import { CELL_SEPARATOR, type CsvTable, cellAt } from './csv-reader.js';
import { isPhoneColumnName, PHONE_COLUMN, PHONE_COLUMN_NAMES } from './phone-column.js';
import { unstorableReason } from './storable-text.js';

/** columnMap: variable name → header name. */
export type ColumnMap = Readonly<Record<string, string>>;

export interface ContactTable extends CsvTable {
  phoneIndex: number;
  /**
   * Per column of the file, the name its cells are stored under: `phone_number` for the phone
   * column, the columnMap's name for a column it maps, the header itself otherwise.
   */
  columns: string[];
}

const invalidColumnMap = (message: string) => badRequest('Invalid columnMap', message);

const quotedList = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');

/** The column index of each header the columnMap names, checked against the file's header. */
function mappedColumns(header: readonly string[], map: ColumnMap): Map<number, string> {
  const byColumn = new Map<number, string>();
  for (const [variable, name] of Object.entries(map)) {
    const unstorable = unstorableReason(variable);
    if (unstorable) throw invalidColumnMap(`A variable name of columnMap ${unstorable}`);
    const column = header.indexOf(name.trim());
    if (column === -1) {
      throw invalidColumnMap(
        `columnMap maps "${variable}" to "${name}", which is not a column of the file ` +
          `(columns: ${quotedList(header)})`,
      );
    }
    const taken = byColumn.get(column);
    if (taken !== undefined) {
      throw invalidColumnMap(`columnMap maps both "${taken}" and "${variable}" to "${name}"`);
    }
    byColumn.set(column, variable);
  }
  return byColumn;
}

function phoneColumn(header: readonly string[], mapped: Map<number, string>): number {
  for (const [column, variable] of mapped) if (variable === PHONE_COLUMN) return column;
  const free = (i: number) => !mapped.has(i);
  const exact = header.indexOf(PHONE_COLUMN);
  if (exact !== -1 && free(exact)) return exact;
  const matches = header.flatMap((name, i) => (free(i) && isPhoneColumnName(name) ? [i] : []));
  if (matches.length === 1) return matches[0]!;
  const example = (name: string) => `columnMap={"${PHONE_COLUMN}":"${name}"}`;
  if (matches.length > 1) {
    const names = matches.map((i) => header[i]!);
    throw badRequest(
      'Ambiguous phone column',
      `Several columns could hold the number to dial: ${quotedList(names)}. ` +
        `Name the one to dial with columnMap, e.g. ${example(names[0]!)}`,
    );
  }
  throw badRequest(
    'Missing phone_number column',
    `The CSV header must have a "${PHONE_COLUMN}" column (found: ${header.join(', ')}). ` +
      `Also accepted, in any case or punctuation: ${PHONE_COLUMN_NAMES.slice(1).join(', ')}; ` +
      `or name the phone column with columnMap, e.g. ${example(header[0] ?? 'Mobile')}`,
  );
}

/**
 * Decides the phone column and the stored names of a read table. Throws the 400s of a header
 * without (or with several) phone columns and of a columnMap that does not fit the file.
 */
export function contactTable(table: CsvTable, map: ColumnMap = {}): ContactTable {
  const { header } = table;
  const mapped = mappedColumns(header, map);
  const phoneIndex = phoneColumn(header, mapped);
  const columns = header.map((name, i) =>
    i === phoneIndex ? PHONE_COLUMN : (mapped.get(i) ?? name),
  );
  const seen = new Map<string, number>();
  for (const [i, name] of columns.entries()) {
    const first = seen.get(name);
    if (first !== undefined) {
      throw invalidColumnMap(
        `Columns "${header[first]}" and "${header[i]}" would both be stored as "${name}": ` +
          'give one of them another name with columnMap',
      );
    }
    seen.set(name, i);
  }
  return { ...table, phoneIndex, columns };
}

/** The raw phone cell of a kept row. */
export const phoneCell = (t: ContactTable, i: number): string => cellAt(t.rows[i]!, t.phoneIndex);

/** The variables of a kept row: every column but the phone, under its stored name, in file order. */
export function rowVariables(t: ContactTable, i: number): RowVariables {
  const cells = t.rows[i]!.split(CELL_SEPARATOR);
  const out: RowVariables = {};
  for (const [c, name] of t.columns.entries()) {
    if (c !== t.phoneIndex) out[name] = cells[c] ?? '';
  }
  return out;
}

/** The stored names of the variables (every column but the phone), in file order. */
export const variableColumns = (t: ContactTable): string[] =>
  t.columns.filter((_, c) => c !== t.phoneIndex);

/** Names every report describes the mapping for, besides the agent's own variables. */
const STANDARD_VARIABLES = ['first_name', 'last_name', 'email'];

/**
 * The mapping validate and preview report: each variable found under a header of another name
 * (the phone column, the columnMap's names, and the standard and agent variables templates find
 * by alias) → that header. Empty when every variable is found under its own name.
 */
export function columnMapping(t: ContactTable, variables: readonly string[] = []) {
  const mapping: Record<string, string> = {};
  for (const [c, name] of t.columns.entries()) {
    if (name !== t.header[c]) mapping[name] = t.header[c]!;
  }
  const find = variableFinder(variableColumns(t));
  for (const name of [...STANDARD_VARIABLES, ...variables]) {
    if (Object.hasOwn(mapping, name)) continue;
    const key = find(name);
    if (key === undefined || key === name) continue;
    mapping[name] = t.header[t.columns.indexOf(key)]!;
  }
  return mapping;
}
