// Which character separates the fields: decided from the header row, as spreadsheets save files
// with commas (US/UK Excel, Google Sheets), semicolons (Excel in most European locales), tabs
// (Excel "Unicode Text", TSV exports) or pipes (some CRM exports).
//
// Exactly one candidate in the header (outside quotes) → that one; none → a single column. With
// several (a semicolon file whose header has "Name, First"), the one whose split alone gives a
// phone column wins; otherwise no reading is safe and the file is refused, naming the candidates.
import { badRequest } from '../domain/errors.js';

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

const DELIMITER_NAMES: Record<Delimiter, string> = {
  ',': 'comma',
  ';': 'semicolon',
  '\t': 'tab',
  '|': 'pipe',
};

const QUOTE = '"';

/**
 * The length of the header record at the start of `text` (up to its line break, which may be
 * inside quotes), or -1 when `text` ends before the header does.
 */
export function headerLength(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) return i;
  }
  return -1;
}

/** The header's field names split by `d` (quotes honoured, removed; edges trimmed). */
export function splitHeader(header: string, d: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (c === QUOTE) {
      if (quoted && header[i + 1] === QUOTE) {
        current += QUOTE;
        i++;
      } else quoted = !quoted;
    } else if (c === d && !quoted) {
      names.push(current.trim());
      current = '';
    } else current += c;
  }
  names.push(current.trim());
  return names;
}

function presentOutsideQuotes(header: string): Delimiter[] {
  const present = new Set<string>();
  let quoted = false;
  for (const c of header) {
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted) present.add(c);
  }
  return DELIMITERS.filter((d) => present.has(d));
}

const listed = (ds: readonly Delimiter[]) => {
  const names = ds.map((d) => DELIMITER_NAMES[d]);
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
};

/**
 * The delimiter of a file whose header row (without its line break) is `header`.
 * `isPhoneColumn` says whether a header name would be taken as the phone column.
 */
export function chooseDelimiter(
  header: string,
  isPhoneColumn: (name: string) => boolean,
): Delimiter {
  const present = presentOutsideQuotes(header);
  if (present.length === 0) return ',';
  if (present.length === 1) return present[0]!;
  const fitting = present.filter((d) => splitHeader(header, d).some(isPhoneColumn));
  if (fitting.length === 1) return fitting[0]!;
  throw badRequest(
    'Ambiguous delimiter',
    `The header row can be split by ${listed(present)}, and ${
      fitting.length === 0 ? 'none of them gives' : 'more than one gives'
    } a phone column: save the file with a single delimiter, or name the phone column with ` +
      'columnMap (sent before the file)',
  );
}
