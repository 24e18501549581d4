// Row validation of an uploaded contact list: phone normalisation, duplicates, and the error and
// warning lists of §1 (and of validate §11 / preview §12, which report the same findings).
import type { CountryCode } from 'libphonenumber-js/max';
import { INVALID_NUMBER_WARNING, normalisePhone } from '../domain/phone.js';
import { type CsvTable, PHONE_COLUMN } from './csv-reader.js';
import {
  IssueList,
  MAX_LISTED_ISSUES,
  mergeIssues,
  type RowIssue,
  shownValue,
} from './row-issues.js';

export interface ContactCheck {
  columns: string[];
  totalRows: number;
  /** Kept-row indices (into the table) of the rows that can be dialed, in file order. */
  accepted: number[];
  /** The E.164 number of each accepted row, aligned with `accepted`. */
  phones: string[];
  /** The first errors in file order (ragged rows, bad numbers, duplicates). */
  errors: RowIssue[];
  errorCount: number;
  /** Rows rejected only because an earlier row has the same number (included in errorCount). */
  duplicateCount: number;
  warnings: RowIssue[];
  warningCount: number;
}

/**
 * Normalises every kept row's number once. The first row with a number is accepted; a later row
 * with the same number is an error naming the first, never merged silently.
 */
export function checkContacts(table: CsvTable, defaultCountry?: CountryCode): ContactCheck {
  const errors = new IssueList();
  const warnings = new IssueList();
  const accepted: number[] = [];
  const phones: string[] = [];
  const firstLine = new Map<string, number>();
  let duplicateCount = 0;

  for (let i = 0; i < table.phones.length; i++) {
    const raw = table.phones[i]!;
    const row = table.lines[i]!;
    const result = normalisePhone(raw, defaultCountry);
    if (!result.ok) {
      errors.add({ row, column: PHONE_COLUMN, value: shownValue(raw), message: result.message });
      continue;
    }
    const earlier = firstLine.get(result.e164);
    if (earlier !== undefined) {
      duplicateCount++;
      errors.add({
        row,
        column: PHONE_COLUMN,
        value: shownValue(raw),
        message: `Duplicate phone number: same as row ${earlier}`,
      });
      continue;
    }
    firstLine.set(result.e164, row);
    if (!result.valid) {
      warnings.add({
        row,
        column: PHONE_COLUMN,
        value: shownValue(raw),
        message: INVALID_NUMBER_WARNING,
      });
    }
    accepted.push(i);
    phones.push(result.e164);
  }

  return {
    columns: table.columns,
    totalRows: table.totalRows,
    accepted,
    phones,
    errors: mergeIssues(table.ragged.items, errors.items, MAX_LISTED_ISSUES),
    errorCount: table.ragged.count + errors.count,
    duplicateCount,
    warnings: warnings.items,
    warningCount: warnings.count,
  };
}
