// Turns validated contacts into the calls rows of a new batch, one insert chunk at a time.
import { newId } from '../domain/ids.js';
import type { CallRowChunk, CallRowSource } from '../storage/batches-repo.js';
import { consentColumns, consentOf } from './consent-columns.js';
import type { ContactTable } from './contact-columns.js';
import type { ContactCheck } from './contact-validation.js';
import { CELL_SEPARATOR } from './csv-reader.js';

export interface CallTiming {
  /** Id timestamps. */
  now: number;
  /** When the calls are due but for their calling windows: a later run_at is a window's. */
  dueAt: number;
  /** The recipient's zone of a number. */
  zoneOf(e164: string): string;
  /** When a call in that zone is first due. */
  runAtIn(zone: string): number;
}

/**
 * Encodes a row (all its cells, joined) as the JSON object stored in calls.variables: every
 * column but the phone, under its stored name.
 */
export function variablesEncoder(t: ContactTable): (row: string) => string {
  const keys: Array<[column: number, key: string]> = [];
  for (const [c, name] of t.columns.entries()) {
    if (c !== t.phoneIndex) keys.push([c, `${JSON.stringify(name)}:`]);
  }
  if (keys.length === 0) return () => '{}';
  return (row) => {
    const cells = row.split(CELL_SEPARATOR);
    let json = '{';
    for (let k = 0; k < keys.length; k++) {
      const [c, key] = keys[k]!;
      if (k > 0) json += ',';
      json += key + JSON.stringify(cells[c] ?? '');
    }
    return `${json}}`;
  };
}

/** A chunk ends at this many rows or this much variable JSON, whichever comes first. */
export const CHUNK_MAX_ROWS = 2000;
export const CHUNK_MAX_JSON_CHARS = 1024 * 1024;

export function callRowSource(
  table: ContactTable,
  check: ContactCheck,
  timing: CallTiming,
): CallRowSource {
  const encode = variablesEncoder(table);
  const consent = consentColumns(table);
  const runAts = new Map<string, number>();
  const runAtIn = (zone: string) => {
    let at = runAts.get(zone);
    if (at === undefined) {
      at = timing.runAtIn(zone);
      runAts.set(zone, at);
    }
    return at;
  };
  const count = check.accepted.length;
  return {
    count,
    dueAt: timing.dueAt,
    *chunks(): Iterable<CallRowChunk> {
      let k = 0;
      while (k < count) {
        const c: CallRowChunk = {
          ids: [],
          lines: [],
          phones: [],
          timeZones: [],
          runAts: [],
          consentSources: [],
          consentAts: [],
          variablesJson: '',
        };
        const vars: string[] = [];
        let chars = 0;
        for (; k < count && vars.length < CHUNK_MAX_ROWS && chars < CHUNK_MAX_JSON_CHARS; k++) {
          const row = check.accepted[k]!;
          const phone = check.phones[k]!;
          const zone = timing.zoneOf(phone);
          const cells = table.rows[row]!;
          const json = encode(cells);
          // Left empty without a consent_source column: the insert reads missing entries as NULL.
          if (consent.source >= 0) {
            const { source, at } = consentOf(cells, consent);
            c.consentSources.push(source);
            c.consentAts.push(at);
          }
          c.ids.push(newId('call', timing.now));
          c.lines.push(table.lines[row]!);
          c.phones.push(phone);
          c.timeZones.push(zone);
          c.runAts.push(runAtIn(zone));
          vars.push(json);
          chars += json.length;
        }
        c.variablesJson = `[${vars.join(',')}]`;
        yield c;
      }
    },
  };
}
