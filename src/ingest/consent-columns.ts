// Ext §19 consent on record: the row's consent_source and consent_at cells (found by their
// stored name, so a columnMap can point them at a file's own headers). They stay variables as
// every column does (§1); the job also keeps them in columns of their own, to show and export.
import {
  CONSENT_AT_COLUMN,
  CONSENT_SOURCE_COLUMN,
  INVALID_CONSENT_AT,
  MISSING_CONSENT,
  parseConsentAt,
} from '../domain/consent.js';
import type { ContactTable } from './contact-columns.js';
import { cellAt } from './csv-reader.js';
import { type RowIssue, shownValue } from './row-issues.js';

/** Column indices of the consent cells; -1 when the file has no such column. */
export interface ConsentColumns {
  source: number;
  at: number;
}

export function consentColumns(t: ContactTable): ConsentColumns {
  return {
    source: t.columns.indexOf(CONSENT_SOURCE_COLUMN),
    at: t.columns.indexOf(CONSENT_AT_COLUMN),
  };
}

/** The row's consent problem, if any: an unreadable consent_at, or (when required) no source. */
export function consentIssue(
  t: ContactTable,
  i: number,
  cols: ConsentColumns,
  required: boolean,
): RowIssue | undefined {
  const row = t.rows[i]!;
  if (cols.at >= 0) {
    const at = cellAt(row, cols.at);
    if (at.trim() !== '' && parseConsentAt(at) === undefined) {
      return {
        row: t.lines[i]!,
        column: t.header[cols.at]!,
        value: shownValue(at),
        message: INVALID_CONSENT_AT,
      };
    }
  }
  if (required && (cols.source < 0 || cellAt(row, cols.source).trim() === '')) {
    return {
      row: t.lines[i]!,
      column: cols.source < 0 ? CONSENT_SOURCE_COLUMN : t.header[cols.source]!,
      value: '',
      message: MISSING_CONSENT,
    };
  }
  return undefined;
}

/** What the job stores: the source as written (trimmed) and its time; nulls when none. */
export function consentOf(
  row: string,
  cols: ConsentColumns,
): { source: string | null; at: number | null } {
  const source = cols.source < 0 ? '' : cellAt(row, cols.source).trim();
  if (source === '') return { source: null, at: null };
  const at = cols.at < 0 ? '' : cellAt(row, cols.at);
  return { source, at: at.trim() === '' ? null : (parseConsentAt(at) ?? null) };
}
