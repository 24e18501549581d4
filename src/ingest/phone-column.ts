// The names under which a contact file's phone column is recognised without a columnMap.
import { variableAlias } from '../domain/template.js';

/** The variable (and stored column) name of the number to dial. */
export const PHONE_COLUMN = 'phone_number';

/** What spreadsheets and CRM exports call the phone column (any case or punctuation). */
export const PHONE_COLUMN_NAMES = [
  'phone_number',
  'Phone Number',
  'phone',
  'Phone',
  'mobile',
  'Mobile Phone',
  'telephone',
  'contact_number',
  'number',
] as const;

const ALIASES = new Set(PHONE_COLUMN_NAMES.map(variableAlias));

/** Whether a header name is one of PHONE_COLUMN_NAMES, ignoring case and punctuation. */
export const isPhoneColumnName = (name: string): boolean => ALIASES.has(variableAlias(name));
