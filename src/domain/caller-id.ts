import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

// Local presence (extensions §21): without a caller ID pinned on the agent, each call goes out from
// a number of the connection's pool in the callee's country — in North America one with the
// callee's area code when the pool has one — spread over the numbers that match, so no one
// number carries a whole batch (carriers flag numbers that call too much).

interface Place {
  /** ISO country, when the number is valid for one. */
  country?: string;
  callingCode: string;
  /** North American area code (NPA), for +1 numbers. */
  areaCode?: string;
}

function placeOf(e164: string): Place | undefined {
  const p = parsePhoneNumberFromString(e164);
  if (!p) return undefined;
  return {
    ...(p.country === undefined ? {} : { country: p.country }),
    callingCode: p.countryCallingCode,
    ...(p.countryCallingCode === '1' ? { areaCode: p.nationalNumber.slice(0, 3) } : {}),
  };
}

const sameCountry = (a: Place, b: Place) =>
  a.country !== undefined && b.country !== undefined
    ? a.country === b.country
    : a.callingCode === b.callingCode;

/** A small stable hash of `key` (FNV-1a), to spread calls over equally good numbers. */
export function spreadOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The caller ID for a call to `callee` from `pool`: the callee's area code, else its country,
 * else any number of the pool; among equals, the one `spread` picks. Undefined for an empty pool.
 */
export function pickCallerId(
  callee: string,
  pool: readonly string[],
  spread: number,
): string | undefined {
  if (pool.length === 0) return undefined;
  const to = placeOf(callee);
  const places = pool.map((n) => ({ n, place: placeOf(n) }));
  const tiers = to
    ? [
        places.filter((x) => to.areaCode !== undefined && x.place?.areaCode === to.areaCode),
        places.filter((x) => x.place !== undefined && sameCountry(x.place, to)),
      ]
    : [];
  const best = tiers.find((t) => t.length > 0) ?? places;
  return best[spread % best.length]!.n;
}
