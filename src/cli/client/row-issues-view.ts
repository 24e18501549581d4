// The row report of a contact file, as a person reads it: one line per problem with its line
// number and column, the value quoted, and a count of what is not listed.
import type { RowIssue, ValidateAnswer } from './api-types.js';

/** Lines listed before "… and N more". */
export const ISSUES_SHOWN = 20;

/** `row 7, phone_number "12ab": not a phone number` (only the parts the issue has). */
export function issueLine(issue: RowIssue): string {
  const where = [`row ${issue.row}`];
  if (issue.column !== undefined) where.push(issue.column);
  const value = issue.value !== undefined ? ` ${JSON.stringify(issue.value)}` : '';
  return `${where.join(', ')}${value}: ${issue.message}`;
}

/**
 * The first `shown` issues as lines, then how many more there are in all: `total` counts those
 * the server did not list (it lists at most 100).
 */
export function issueLines(
  issues: readonly RowIssue[],
  total = issues.length,
  shown = ISSUES_SHOWN,
): string[] {
  const lines = issues.slice(0, shown).map(issueLine);
  const more = Math.max(total, issues.length) - lines.length;
  if (more > 0) lines.push(`… and ${more} more`);
  return lines;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `outdial validate` on a terminal: the verdict, the counts, the columns, then every issue. */
export function validationReport(file: string, report: ValidateAnswer): string {
  const verdict = report.valid
    ? report.warningCount > 0
      ? 'valid, with warnings'
      : 'valid'
    : 'NOT valid';
  const lines = [
    `${file}: ${verdict}`,
    `  rows: ${report.totalRows} in all, ${report.validRows} to dial, ` +
      `${report.invalidRows} invalid, ${plural(report.duplicateRows, 'duplicate')}`,
    `  columns: ${report.columns.join(', ')}`,
  ];
  const mapping = Object.entries(report.mapping ?? {});
  if (mapping.length > 0) {
    const pairs = mapping.map(([variable, header]) => `{${variable}} ← "${header}"`);
    lines.push(`  mapped: ${pairs.join(', ')}`);
  }
  const section = (title: string, issues: readonly RowIssue[], total: number) => {
    if (total === 0) return;
    lines.push('', `${plural(total, title)}:`, ...issueLines(issues, total).map((l) => `  ${l}`));
  };
  section('error', report.errors, report.errorCount);
  section('warning', report.warnings, report.warningCount);
  return `${lines.join('\n')}\n`;
}
