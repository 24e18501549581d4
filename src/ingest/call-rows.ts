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

/**
 * A chunk ends once its JSON reaches this many characters (a few hundred rows). That keeps its
 * string under V8's large-object size (128 KB, two bytes a character when a row holds one outside
 * Latin-1): a large object is only freed by a full collection, so the hundreds of chunks of one
 * upload would pile up.
 */
export const CHUNK_MAX_JSON_CHARS = 60_000;

interface ZoneEntry {
  /** The zone as a JSON string. */
  json: string;
  runAt: number;
}

export function callRowSource(
  table: ContactTable,
  check: ContactCheck,
  timing: CallTiming,
): CallRowSource {
  const encode = variablesEncoder(table);
  const consent = consentColumns(table);
  const zones = new Map<string, ZoneEntry>();
  const zoneEntry = (zone: string) => {
    let entry = zones.get(zone);
    if (entry === undefined) {
      entry = { json: JSON.stringify(zone), runAt: timing.runAtIn(zone) };
      zones.set(zone, entry);
    }
    return entry;
  };
  const count = check.accepted.length;
  return {
    count,
    dueAt: timing.dueAt,
    *chunks(): Iterable<CallRowChunk> {
      let k = 0;
      while (k < count) {
        let json = '[';
        let rows = 0;
        for (; k < count && json.length < CHUNK_MAX_JSON_CHARS; k++) {
          const row = check.accepted[k]!;
          const phone = check.phones[k]!;
          const zone = zoneEntry(timing.zoneOf(phone));
          const cells = table.rows[row]!;
          if (rows > 0) json += ',';
          json +=
            `{"k":${rows},"i":"${newId('call', timing.now)}","l":${table.lines[row]!},` +
            `"p":${JSON.stringify(phone)},"z":${zone.json},"r":${zone.runAt},"v":${encode(cells)}`;
          if (consent.source >= 0) {
            const { source, at } = consentOf(cells, consent);
            if (source !== null) json += `,"cs":${JSON.stringify(source)}`;
            if (at !== null) json += `,"ca":${at}`;
          }
          json += '}';
          rows++;
        }
        yield { count: rows, rowsJson: `${json}]` };
      }
    },
  };
}
