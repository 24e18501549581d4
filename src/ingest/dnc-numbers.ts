// Ext §18: the numbers of a do-not-call request — a multipart CSV with a phone column (read by the
// same reader and phone-column rules as a batch upload) or a JSON `phoneNumbers` list — each
// normalised to E.164 as on upload. Any invalid number fails the whole request (nothing stored).
import { badRequest } from '../domain/errors.js';
import { isKnownCountry, normalisePhone } from '../domain/phone.js';
import { contactTable, phoneCell } from './contact-columns.js';
import { IssueList, shownValue } from './row-issues.js';
import type { CsvUpload } from './upload.js';

export interface DncNumbers {
  phones: string[];
  reason?: string;
  source: 'api' | 'import';
}

/** The longest reason kept with an entry. */
export const DNC_REASON_MAX = 500;
/** The most numbers one request lists. */
export const DNC_MAX_NUMBERS = 100_000;

function reasonOf(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length > DNC_REASON_MAX || raw.includes('\0')) {
    throw badRequest(
      'Invalid reason',
      `reason must be text of at most ${DNC_REASON_MAX} characters`,
    );
  }
  return raw.trim() === '' ? undefined : raw;
}

function countryOf(raw: unknown) {
  if (raw === undefined) return undefined;
  const c = typeof raw === 'string' ? raw.toUpperCase() : '';
  if (!isKnownCountry(c))
    throw badRequest(
      'Invalid defaultCountry',
      'defaultCountry must be an ISO country code such as US',
    );
  return c;
}

function failIfInvalid(issues: IssueList): void {
  if (issues.count === 0) return;
  throw badRequest(
    'Invalid phone numbers',
    `${issues.count} number${issues.count === 1 ? ' is' : 's are'} not valid phone numbers; nothing was stored`,
    { errors: issues.items, errorCount: issues.count },
  );
}

/** A JSON body `{"phoneNumbers":["+1…"],"reason"?,"defaultCountry"?}`; `row` is the 1-based index. */
export function dncNumbersFromJson(body: unknown): DncNumbers {
  const b = body as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) {
    throw badRequest('Invalid body', 'Send a JSON object with "phoneNumbers", or a CSV file');
  }
  const list = b['phoneNumbers'];
  if (!Array.isArray(list) || list.length === 0 || list.length > DNC_MAX_NUMBERS) {
    throw badRequest(
      'Invalid phoneNumbers',
      `phoneNumbers must be a list of 1 to ${DNC_MAX_NUMBERS} phone numbers`,
    );
  }
  const country = countryOf(b['defaultCountry']);
  const issues = new IssueList();
  const phones: string[] = [];
  list.forEach((raw, i) => {
    const parsed = typeof raw === 'string' ? normalisePhone(raw, country) : undefined;
    if (parsed?.ok) phones.push(parsed.e164);
    else
      issues.add({
        row: i + 1,
        column: 'phone_number',
        ...(typeof raw === 'string' ? { value: shownValue(raw) } : {}),
        message: parsed?.message ?? 'Not a phone number: expected text',
      });
  });
  failIfInvalid(issues);
  const reason = reasonOf(b['reason']);
  return { phones, ...(reason === undefined ? {} : { reason }), source: 'api' };
}

/** A multipart upload: `file` (CSV with a phone column), optional `reason` and `defaultCountry`. */
export function dncNumbersFromUpload(upload: CsvUpload): DncNumbers {
  const { table, fields } = upload;
  if (table === undefined) {
    throw badRequest('No file uploaded', 'Send the CSV as the multipart field "file"');
  }
  const contacts = contactTable(table);
  const country = countryOf(fields['defaultCountry']);
  const issues = new IssueList();
  for (const issue of table.ragged.items) issues.add(issue);
  issues.count += table.ragged.count - table.ragged.items.length;
  const phones: string[] = [];
  for (let i = 0; i < contacts.rows.length; i++) {
    const raw = phoneCell(contacts, i);
    const parsed = normalisePhone(raw, country);
    if (parsed.ok) phones.push(parsed.e164);
    else
      issues.add({
        row: contacts.lines[i]!,
        column: 'phone_number',
        value: shownValue(raw),
        message: parsed.message,
      });
  }
  failIfInvalid(issues);
  if (phones.length === 0) throw badRequest('Empty file', 'The file has no row with a number');
  if (phones.length > DNC_MAX_NUMBERS) {
    throw badRequest('Too many rows', `A file lists at most ${DNC_MAX_NUMBERS} numbers`);
  }
  const reason = reasonOf(fields['reason']);
  return { phones, ...(reason === undefined ? {} : { reason }), source: 'import' };
}
