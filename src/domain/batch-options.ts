// The non-file fields of a batch upload (contract §1), checked before anything is stored.
// Multipart fields arrive as strings (or, when a client labels a part application/json, as the
// parsed value); an empty string counts as "not given", as HTML forms send empty inputs.
import type { CountryCode } from 'libphonenumber-js/max';
import { type AutoPauseRule, parseAutoPause } from './auto-pause.js';
import { type CallingWindow, parseCallingWindow } from './calling-window.js';
import { badRequest } from './errors.js';
import { isKnownCountry } from './phone.js';
import type { CallbackGap } from './types.js';

export interface SmartCallbackOverride {
  enabled: boolean;
  /** Absent: the agent's maxAttemptsForSmartCallback applies. */
  maxAttempts?: number;
  /** Absent: the agent's gaps apply. */
  gaps?: CallbackGap[];
}

export interface BatchOptions {
  agentId: string;
  scheduledAt?: number;
  smartCallback?: SmartCallbackOverride;
  name?: string;
  maxConcurrency?: number;
  skipInvalidRows: boolean;
  defaultCountry?: CountryCode;
  callingWindow?: CallingWindow;
  /** Variable name → header name of the contact file. */
  columnMap?: Record<string, string>;
  /** true: an agent variable no column provides refuses the upload (default: a warning). */
  strictVariables: boolean;
  /** Ext §17: `{"failureRate":0.5,"minAttempts":20}`. */
  autoPause?: AutoPauseRule;
}

export const NAME_MAX_LENGTH = 200;
// batches.max_concurrency is an int4.
const INT4_MAX = 2_147_483_647;
const MAX_GAPS = 10;

type Fields = Readonly<Record<string, unknown>>;

/** A text field, trimmed; a JSON value that is not a string reads as its JSON text; empty is absent. */
export function textField(fields: Fields, key: string): string | undefined {
  const v = fields[key];
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v.trim() : JSON.stringify(v);
  return s === '' ? undefined : s;
}

/** A JSON field: a string holding JSON, or a value the multipart parser already decoded. */
function json(fields: Fields, key: string, error: string): unknown {
  const v = fields[key];
  if (typeof v !== 'string') return v ?? undefined;
  if (v.trim() === '') return undefined;
  try {
    return JSON.parse(v);
  } catch {
    throw badRequest(error, `${key} must be a JSON string`);
  }
}

const ISO_UTC =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Epoch ms of an ISO-8601 date-time with an explicit zone (Z or ±hh:mm), or undefined. */
export function parseIsoInstant(s: string): number | undefined {
  const m = ISO_UTC.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((x) => Number(x ?? '0')) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  if (h > 23 || mi > 59 || sec > 59) return undefined;
  const wall = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  // Date.UTC rolls 2026-02-30 over into March; a real calendar date survives the round trip.
  const back = new Date(wall);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    return undefined;
  }
  const zone = m[8]!.toUpperCase();
  if (zone === 'Z') return wall;
  const digits = zone.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  return zone.startsWith('-') ? wall + offset : wall - offset;
}

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export function parseSmartCallback(raw: unknown): SmartCallbackOverride {
  const fail = (message: string) => badRequest('Invalid smartCallbackConfig', message);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw fail('smartCallbackConfig must be a JSON object');
  }
  const r = raw as Record<string, unknown>;
  const extra = Object.keys(r).find((k) => !['enabled', 'maxAttempts', 'gaps'].includes(k));
  if (extra !== undefined) throw fail(`Unknown smartCallbackConfig field: ${extra}`);
  if (typeof r['enabled'] !== 'boolean') throw fail('enabled must be true or false');
  const out: SmartCallbackOverride = { enabled: r['enabled'] };
  if (r['maxAttempts'] !== undefined) {
    if (!isInt(r['maxAttempts'], 1, 10)) throw fail('maxAttempts must be an integer from 1 to 10');
    out.maxAttempts = r['maxAttempts'];
  }
  if (r['gaps'] !== undefined) {
    const gaps = r['gaps'];
    if (!Array.isArray(gaps) || gaps.length > MAX_GAPS) {
      throw fail(`gaps must be a list of at most ${MAX_GAPS} {"days","hours"} objects`);
    }
    out.gaps = gaps.map((g, i) => {
      const ok =
        typeof g === 'object' &&
        g !== null &&
        Object.keys(g).every((k) => k === 'days' || k === 'hours') &&
        isInt(g.days, 0, 30) &&
        isInt(g.hours, 0, 23);
      if (!ok) throw fail(`gaps[${i}] must be {"days": 0-30, "hours": 0-23}`);
      return { days: g.days, hours: g.hours };
    });
  }
  return out;
}

/** The optional `defaultCountry` field (also read by validate §11 and preview §12), upper-cased. */
export function parseDefaultCountry(fields: Fields): CountryCode | undefined {
  const country = textField(fields, 'defaultCountry')?.toUpperCase();
  if (country === undefined) return undefined;
  if (!isKnownCountry(country)) {
    throw badRequest(
      'Invalid defaultCountry',
      `defaultCountry must be a two-letter ISO country code such as US or GB; got "${country}"`,
    );
  }
  return country;
}

const COLUMN_MAP_EXAMPLE = '{"phone_number":"Mobile","first_name":"First Name"}';

/**
 * The optional `columnMap` field (also read by validate §11 and preview §12): a JSON object of
 * variable name → header name. Whether the headers exist is checked against the file.
 */
export function parseColumnMap(fields: Fields): Record<string, string> | undefined {
  const raw = json(fields, 'columnMap', 'Invalid columnMap');
  if (raw === undefined || raw === null) return undefined;
  const fail = (message: string) => badRequest('Invalid columnMap', message);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw fail(`columnMap must be a JSON object such as ${COLUMN_MAP_EXAMPLE}`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = key.trim();
    if (name === '' || /[{}\n\0]/.test(name)) {
      throw fail(`columnMap has an invalid variable name ${JSON.stringify(key)}`);
    }
    if (typeof value !== 'string' || value.trim() === '') {
      throw fail(`columnMap["${name}"] must be the name of a column of the file`);
    }
    if (Object.hasOwn(out, name)) throw fail(`columnMap names "${name}" twice`);
    out[name] = value;
  }
  return out;
}

/** A "true"/"false" field (JSON bodies may send the boolean itself); absent → false. */
/** skipInvalidRows of an upload (§1; ext §17 append takes it too). */
export const parseSkipInvalidRows = (fields: Fields): boolean => flag(fields, 'skipInvalidRows');

function flag(fields: Fields, key: string): boolean {
  const v = textField(fields, key)?.toLowerCase();
  if (v === undefined) return false;
  if (v !== 'true' && v !== 'false') {
    throw badRequest(`Invalid ${key}`, `${key} must be "true" or "false"`);
  }
  return v === 'true';
}

/** The optional `strictVariables` field (also read by validate §11 and preview §12). */
export const parseStrictVariables = (fields: Fields): boolean => flag(fields, 'strictVariables');

/**
 * Checks every optional field of §1 and returns them typed. Throws the contract's 400 bodies.
 * `now` (the app clock) decides whether scheduledAt is in the past.
 */
export function parseBatchOptions(fields: Fields, now: number): BatchOptions {
  const agentId = textField(fields, 'agentId');
  if (agentId === undefined) {
    throw badRequest('Missing agentId', 'The agentId field is required');
  }
  const out: BatchOptions = {
    agentId,
    skipInvalidRows: flag(fields, 'skipInvalidRows'),
    strictVariables: parseStrictVariables(fields),
  };

  const autoPause = json(fields, 'autoPause', 'Invalid autoPause');
  if (autoPause !== undefined) {
    const parsed = parseAutoPause(autoPause);
    if (!parsed.ok) throw badRequest('Invalid autoPause', parsed.message);
    out.autoPause = parsed.value;
  }

  const scheduledAt = textField(fields, 'scheduledAt');
  if (scheduledAt !== undefined) {
    const at = parseIsoInstant(scheduledAt);
    if (at === undefined) {
      throw badRequest(
        'Invalid scheduledAt',
        `scheduledAt must be an ISO-8601 date-time in UTC, e.g. 2026-01-05T09:00:00Z; got "${scheduledAt}"`,
      );
    }
    if (at < now) {
      throw badRequest(
        'Invalid scheduledAt',
        `scheduledAt ${scheduledAt} is in the past (now is ${new Date(now).toISOString()})`,
      );
    }
    out.scheduledAt = at;
  }

  const smart = json(fields, 'smartCallbackConfig', 'Invalid smartCallbackConfig');
  if (smart !== undefined) out.smartCallback = parseSmartCallback(smart);

  const name = textField(fields, 'name');
  if (name !== undefined) {
    if (name.length > NAME_MAX_LENGTH) {
      throw badRequest('Invalid name', `name must be at most ${NAME_MAX_LENGTH} characters`);
    }
    out.name = name;
  }

  const maxConcurrency = textField(fields, 'maxConcurrency');
  if (maxConcurrency !== undefined) {
    const n = /^\d+$/.test(maxConcurrency) ? Number(maxConcurrency) : Number.NaN;
    if (!isInt(n, 1, INT4_MAX)) {
      throw badRequest('Invalid maxConcurrency', 'maxConcurrency must be an integer >= 1');
    }
    out.maxConcurrency = n;
  }

  const country = parseDefaultCountry(fields);
  if (country !== undefined) out.defaultCountry = country;

  const window = json(fields, 'callingWindow', 'Invalid callingWindow');
  if (window !== undefined) {
    const parsed = parseCallingWindow(window);
    if (!parsed.ok) throw badRequest('Invalid callingWindow', parsed.message);
    out.callingWindow = parsed.value;
  }

  const columnMap = parseColumnMap(fields);
  if (columnMap !== undefined) out.columnMap = columnMap;
  return out;
}
