import type { CallState } from '../domain/types.js';
import type { ExportedCall } from '../storage/export-repo.js';

// The results CSV of contract §9, one line at a time (pure: the stream around it pages the rows).
// RFC 4180: CRLF line ends; a field holding a comma, a quote, CR or LF is quoted, quotes doubled.
// Spreadsheets run a cell starting with = + - @ (or tab/CR, which some strip first) as a formula;
// such cells get a leading apostrophe. The phone number is exempt when it is E.164 ("+1…" is a
// number, not a formula, and the guard would break it as data).

export const RESULT_COLUMNS = [
  'job_id',
  'phone_number',
  'status',
  'attempts',
  'start_time',
  'end_time',
  'duration',
  'outcome',
  'error',
  'transcript',
] as const;

/** One call as the export reads it; optional fields are absent when they do not apply. */
export type ResultRow = ExportedCall;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;
const E164 = /^\+[1-9]\d{6,14}$/;

/** Prefixes a cell a spreadsheet would evaluate with `'`. */
export function guardFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** One RFC 4180 field. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV line (CRLF-terminated) of already guarded cells. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

/** The original CSV's columns the export appends: all but phone_number, in file order. */
export function extraColumns(batchColumns: readonly string[]): string[] {
  return batchColumns.filter((c) => c !== 'phone_number');
}

/** The header line. Column names come from the user's file, so they are guarded too. */
export function headerLine(extras: readonly string[]): string {
  return csvLine([...RESULT_COLUMNS, ...extras].map(guardFormula));
}

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

const isTerminal = (s: CallState) => s === 'completed' || s === 'failed' || s === 'cancelled';

/**
 * One call's line. Fields follow §5's presence rules: end_time for terminal calls, duration,
 * outcome and transcript for completed ones, error for failed and cancelled ones.
 */
export function resultLine(row: ResultRow, extras: readonly string[]): string {
  const completed = row.state === 'completed';
  const fixed = [
    row.id,
    row.state,
    String(row.attempts),
    iso(row.startTime),
    isTerminal(row.state) ? iso(row.endTime) : '',
    completed && row.duration !== undefined ? String(row.duration) : '',
    completed ? (row.outcome ?? '') : '',
    row.state === 'failed' || row.state === 'cancelled' ? (row.error ?? '') : '',
    completed ? (row.transcript ?? '') : '',
    ...extras.map((c) => row.variables[c] ?? ''),
  ].map(guardFormula);
  const phone = E164.test(row.phoneNumber) ? row.phoneNumber : guardFormula(row.phoneNumber);
  return csvLine([fixed[0]!, phone, ...fixed.slice(1)]);
}
