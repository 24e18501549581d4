// Plain-text tables for a terminal: a header row, columns two spaces apart, numbers aligned
// right, and one column (the widest text, such as an error) cut to fit the terminal's width.

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** This column is cut (with …) when the table is wider than the terminal. */
  shrink?: boolean;
}

const GAP = '  ';
/** A shrinking column keeps at least this many characters. */
const SHRINK_MIN = 10;

/** One line per cell: line breaks and tabs in a value would break the table's rows. */
const oneLine = (cell: string) => cell.replace(/[\r\n\t]+/g, ' ');

const cut = (text: string, width: number) =>
  text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;

/**
 * The table as text (each line ends with a newline). With `width`, the shrinking column is
 * narrowed so lines fit in `width - 1` characters, down to SHRINK_MIN; trailing spaces are trimmed.
 */
export function renderTable(columns: readonly Column[], rows: readonly string[][], width?: number) {
  const cells = rows.map((r) => columns.map((_, i) => oneLine(r[i] ?? '')));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => r[i]!.length)),
  );
  const shrinking = columns.findIndex((c) => c.shrink);
  if (width !== undefined && shrinking >= 0) {
    const total = widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1);
    const over = total - (width - 1);
    if (over > 0) {
      widths[shrinking] = Math.max(SHRINK_MIN, widths[shrinking]! - over);
    }
  }
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => {
        const text = cut(v, widths[i]!);
        return columns[i]!.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
      })
      .join(GAP)
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].map((l) => `${l}\n`).join('');
}
