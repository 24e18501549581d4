import { parseIsoInstant } from './batch-options.js';

// Consent on record (API extensions §19): the columns a row states its consent in, and the rule
// for their values. Stored with the job as given (source) and as an instant (at).

export const CONSENT_SOURCE_COLUMN = 'consent_source';
export const CONSENT_AT_COLUMN = 'consent_at';

export const MISSING_CONSENT = 'Missing consent_source';
export const INVALID_CONSENT_AT =
  'Invalid consent_at: use an ISO-8601 date (2026-03-01) or date-time with a zone (2026-03-01T14:30:00Z)';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Epoch ms of a consent_at cell: an ISO-8601 date (midnight UTC) or a date-time with an explicit
 * zone. Undefined when it is neither: a consent time that cannot be read is no record.
 */
export function parseConsentAt(raw: string): number | undefined {
  const s = raw.trim();
  const d = DATE_ONLY.exec(s);
  if (!d) return parseIsoInstant(s);
  return parseIsoInstant(`${d[1]}-${d[2]}-${d[3]}T00:00:00Z`);
}

/** The job's consent as shown on §5; undefined when the row stated none. */
export interface Consent {
  source: string;
  at?: string;
}

export function consentView(source: string | null, at: number | null): Consent | undefined {
  if (source === null) return undefined;
  return at === null ? { source } : { source, at: new Date(at).toISOString() };
}
