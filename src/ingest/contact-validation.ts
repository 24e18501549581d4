// Row validation of an uploaded contact list: phone normalisation, duplicates, the agent's
// variables, and the error and warning lists of §1 (and of validate §11 / preview §12, which
// report the same findings, computed by this same function).
import type { CountryCode } from 'libphonenumber-js/max';
import { normalisePhone } from '../domain/phone.js';
import { phoneHint } from '../domain/phone-hints.js';
import {
  emptyVariableMessage,
  missingColumnsWarning,
  type VariableColumns,
  variableColumnsFor,
} from './agent-variables.js';
import { consentColumns, consentIssue } from './consent-columns.js';
import { type ContactTable, phoneCell } from './contact-columns.js';
import { cellAt } from './csv-reader.js';
import { FirstRowIndex } from './first-row-index.js';
import {
  IssueList,
  MAX_LISTED_ISSUES,
  mergeIssues,
  type RowIssue,
  shownValue,
} from './row-issues.js';

export interface DuplicateRow {
  /** The row left out. */
  row: number;
  /** The earlier row with the same number, which is kept. */
  firstRow: number;
  phone_number: string;
}

export interface ContactCheck {
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
  /** The first MAX_LISTED_ISSUES of them. */
  duplicates: DuplicateRow[];
  warnings: RowIssue[];
  warningCount: number;
  /** The agent's variables no column provides (empty without an agent). */
  missingVariables: string[];
}

export interface CheckOptions {
  defaultCountry?: CountryCode;
  /** The agent's variables (agent-variables.ts), when the check is for an agent. */
  agentVariables?: readonly string[];
  /** Ext §19: the workspace requires a consent_source on every row. */
  requireConsent?: boolean;
}

/**
 * Normalises every kept row's number once. The first row with a number is accepted; a later row
 * with the same number is an error naming the first, never merged silently.
 */
export function checkContacts(t: ContactTable, opts: CheckOptions = {}): ContactCheck {
  const errors = new IssueList();
  const warnings = new IssueList();
  // Sized for every row up front, trimmed at the end: grown a push at a time, two arrays of a few
  // hundred thousand entries would leave a dozen MB of old copies to the next full collection.
  const accepted = new Array<number>(t.rows.length);
  const phones = new Array<string>(t.rows.length);
  let kept = 0;
  const firstLine = new FirstRowIndex(t.rows.length);
  const duplicates: DuplicateRow[] = [];
  let duplicateCount = 0;
  // Hints cost a search of every country: only the errors listed get one, once per number.
  const hints = new Map<string, string>();
  const phoneHeader = t.header[t.phoneIndex]!;
  const vars: VariableColumns = variableColumnsFor(t, opts.agentVariables ?? []);
  if (vars.missing.length > 0) warnings.add(missingColumnsWarning(vars.missing));
  const consent = consentColumns(t);
  const requireConsent = opts.requireConsent ?? false;

  for (let i = 0; i < t.rows.length; i++) {
    const raw = phoneCell(t, i);
    const row = t.lines[i]!;
    const issue = (message: string) => ({
      row,
      column: phoneHeader,
      value: shownValue(raw),
      message,
    });
    const result = normalisePhone(raw, opts.defaultCountry);
    if (!result.ok) {
      let message = result.message;
      const digits = result.nationalDigits;
      if (digits !== undefined && errors.items.length < MAX_LISTED_ISSUES) {
        let hint = hints.get(digits);
        if (hint === undefined) {
          hint = phoneHint(digits);
          hints.set(digits, hint);
        }
        message += hint;
      }
      errors.add(issue(message));
      continue;
    }
    // Before the duplicate rule: a row refused for its consent does not hide a later valid one.
    const unconsented = consentIssue(t, i, consent, requireConsent);
    if (unconsented) {
      errors.add(unconsented);
      continue;
    }
    const earlier = firstLine.firstOrAdd(result.e164, row);
    if (earlier !== undefined) {
      duplicateCount++;
      if (duplicates.length < MAX_LISTED_ISSUES) {
        duplicates.push({ row, firstRow: earlier, phone_number: result.e164 });
      }
      errors.add(issue(`Duplicate phone number: same as row ${earlier}`));
      continue;
    }
    if (result.warning !== undefined) warnings.add(issue(result.warning));
    for (const { name, column } of vars.provided) {
      if (cellAt(t.rows[i]!, column).trim() !== '') continue;
      warnings.add({
        row,
        column: t.header[column]!,
        value: '',
        message: emptyVariableMessage(name),
      });
    }
    accepted[kept] = i;
    phones[kept] = result.e164;
    kept++;
  }
  accepted.length = kept;
  phones.length = kept;

  return {
    totalRows: t.totalRows,
    accepted,
    phones,
    errors: mergeIssues(t.ragged.items, errors.items, MAX_LISTED_ISSUES),
    errorCount: t.ragged.count + errors.count,
    duplicateCount,
    duplicates,
    warnings: warnings.items,
    warningCount: warnings.count,
    missingVariables: vars.missing,
  };
}
