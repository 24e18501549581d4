// Turns validated contacts into the calls rows of a new batch, one insert chunk at a time.
import { idHead, idTail } from '../domain/ids.js';
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

/** The names calls.variables stores a row's cells under: every column but the phone. */
function variableKeys(t: ContactTable): string[] {
  return t.columns.filter((_, c) => c !== t.phoneIndex);
}

/**
 * Encodes a row (all its cells, joined) as the JSON array of its variables' values, in the
 * order of variableKeys: the names are sent once per statement, not once per row (they were
 * 40 % of the bytes a large upload sent to the database).
 */
export function variablesEncoder(t: ContactTable): (row: string) => string {
  const width = t.columns.length;
  const phone = t.phoneIndex;
  return (row) => {
    const cells = row.split(CELL_SEPARATOR);
    // Every stored row has a cell per column; a shorter one gets empty values, as before.
    while (cells.length < width) cells.push('');
    cells.length = width;
    cells.splice(phone, 1);
    return JSON.stringify(cells);
  };
}

/**
 * A chunk ends once its JSON reaches this many characters (a few hundred rows). That keeps its
 * string under V8's large-object size (128 KB, two bytes a character when a row holds one outside
 * Latin-1): a large object is only freed by a full collection, so the hundreds of chunks of one
 * upload would pile up.
 */
export const CHUNK_MAX_JSON_CHARS = 60_000;

export function callRowSource(
  table: ContactTable,
  check: ContactCheck,
  timing: CallTiming,
): CallRowSource {
  const encode = variablesEncoder(table);
  const consent = consentColumns(table);
  // Each zone's number in the chunks (1-based, as SQL arrays are), its runAt beside it.
  const zones: string[] = [];
  const runAts: number[] = [];
  const zoneNumbers = new Map<string, number>();
  const zoneNumber = (zone: string) => {
    let n = zoneNumbers.get(zone);
    if (n === undefined) {
      zones.push(zone);
      runAts.push(timing.runAtIn(zone));
      n = zones.length;
      zoneNumbers.set(zone, n);
    }
    return n;
  };
  const count = check.accepted.length;
  return {
    count,
    dueAt: timing.dueAt,
    variableKeys: variableKeys(table),
    idHead: idHead('call', timing.now),
    *chunks(): Iterable<CallRowChunk> {
      let k = 0;
      while (k < count) {
        let json = '[';
        let rows = 0;
        for (; k < count && json.length < CHUNK_MAX_JSON_CHARS; k++) {
          const row = check.accepted[k]!;
          const phone = check.phones[k]!;
          const zone = zoneNumber(timing.zoneOf(phone));
          const cells = table.rows[row]!;
          if (rows > 0) json += ',';
          json +=
            `["${idTail()}",${table.lines[row]!},${JSON.stringify(phone)},` +
            `${zone},${encode(cells)}`;
          if (consent.source >= 0) {
            const { source, at } = consentOf(cells, consent);
            json += `,${source === null ? 'null' : JSON.stringify(source)},${at ?? 'null'}`;
          }
          json += ']';
          rows++;
        }
        yield { count: rows, rowsJson: `${json}]`, zones: [...zones], runAts: [...runAts] };
      }
    },
  };
}
