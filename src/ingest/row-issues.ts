// Errors and warnings about single CSV rows, in the contract's shape:
// {"row": <1-based line in the file>, "column"?: …, "value"?: …, "message": …}.
// A file can have 100,000 bad rows; responses list the first MAX_LISTED_ISSUES and count the rest.

export interface RowIssue {
  row: number;
  column?: string;
  value?: string;
  message: string;
}

export const MAX_LISTED_ISSUES = 100;

// A runaway cell (up to 64 KB) would bloat every error body it appears in.
const MAX_SHOWN_VALUE = 200;

export const shownValue = (raw: string): string =>
  raw.length > MAX_SHOWN_VALUE ? `${raw.slice(0, MAX_SHOWN_VALUE)}…` : raw;

/** Keeps the first issues in the order added (file order) and counts them all. */
export class IssueList {
  readonly items: RowIssue[] = [];
  count = 0;

  add(issue: RowIssue): void {
    this.count++;
    if (this.items.length < MAX_LISTED_ISSUES) this.items.push(issue);
  }
}

/** The first `max` issues of two lists that are each in file order, merged in file order. */
export function mergeIssues(a: readonly RowIssue[], b: readonly RowIssue[], max: number) {
  const out: RowIssue[] = [];
  let i = 0;
  let j = 0;
  while (out.length < max && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && a[i]!.row <= b[j]!.row)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
