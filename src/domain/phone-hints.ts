// Whose number is it? A number written nationally that is not valid for defaultCountry (or sent
// with no defaultCountry at all) gets a hint naming the country it most likely belongs to, so the
// user knows which defaultCountry to set or which + form to write.
//
// The search tries every country libphonenumber knows (about 250 parses, a few milliseconds), so
// callers ask only for the errors they list (at most 100 per upload), never for every row.
// Many numbers are valid in several countries (07911 123456 is a British mobile, and also a
// German or Italian landline); contact lists are mostly mobiles, so countries where the number is
// a mobile come first, then the most common destinations; the hint names the first and lists a
// few others, so a user from one of those is not misled.
import { type CountryCode, getCountries, parsePhoneNumberFromString } from 'libphonenumber-js/max';

// Ties are broken toward the most common calling destinations; every other country follows in
// alphabetical order. Within one calling code the first listed is its main country (+1 → US,
// +44 → GB), so a number of Guernsey's range is hinted as "+44 form" with defaultCountry=GB,
// which reads it correctly.
const PREFERRED: readonly CountryCode[] = [
  ...['US', 'GB', 'CA', 'AU', 'DE', 'FR', 'ES', 'IT', 'NL', 'BE', 'CH', 'AT', 'IE', 'NZ', 'IN'],
  ...['ZA', 'PT', 'SE', 'NO', 'DK', 'FI', 'PL', 'MX', 'BR', 'AR', 'CO', 'CL', 'PH', 'SG', 'AE'],
  ...['IL', 'JP', 'KR', 'CN', 'RU'],
] as CountryCode[];

// Ofcom reserves 07700 900000–900999 for drama and examples: libphonenumber rightly calls them
// invalid, yet they fill every British sample file. Their shape is a British mobile's.
const FICTIONAL_MOBILES: ReadonlyArray<[CountryCode, RegExp]> = [['GB', /^07700900\d{3}$/]];

interface Candidate {
  country: CountryCode;
  callingCode: string;
  mobile: boolean;
}

const rankOf = (c: CountryCode) => {
  const i = PREFERRED.indexOf(c);
  return i === -1 ? PREFERRED.length : i;
};

const byPreference = (a: Candidate, b: Candidate) =>
  rankOf(a.country) - rankOf(b.country) || (a.country < b.country ? -1 : 1);

function candidates(digits: string): Candidate[] {
  const out: Candidate[] = [];
  for (const [country, pattern] of FICTIONAL_MOBILES) {
    if (pattern.test(digits)) out.push({ country, callingCode: '44', mobile: true });
  }
  for (const country of getCountries()) {
    const p = parsePhoneNumberFromString(digits, country);
    if (p === undefined || !p.isValid()) continue;
    const type = p.getType();
    // The country tried, not p.country: read with GB, 07911 123456 resolves to Guernsey's range,
    // and defaultCountry=GB is the advice that reads it.
    out.push({
      country,
      callingCode: p.countryCallingCode,
      mobile: type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE',
    });
  }
  return out;
}

export interface LikelyCountry {
  country: CountryCode;
  callingCode: string;
}

/**
 * The countries a national number most likely belongs to, most likely first, one per calling
 * code (its most common country): those where it is a mobile number if any, else all where it
 * is valid. Empty when it is valid nowhere.
 */
export function likelyCountries(digits: string): LikelyCountry[] {
  const found = candidates(digits);
  const mobiles = found.filter((c) => c.mobile);
  const pool = (mobiles.length > 0 ? mobiles : found).sort(byPreference);
  const out: LikelyCountry[] = [];
  for (const c of pool) {
    if (out.some((o) => o.callingCode === c.callingCode)) continue;
    // The calling code's most common country among those the number is valid in.
    const main = found.filter((f) => f.callingCode === c.callingCode).sort(byPreference)[0]!;
    out.push({ country: main.country, callingCode: c.callingCode });
  }
  return out;
}

// "an FR number", "a GB number": the article goes by how the first letter is spelled out.
const article = (code: string) => ('AEFHILMNORSX'.includes(code[0]!) ? 'an' : 'a');

/** How many other countries a hint names before "and N more". */
const MAX_OTHERS = 3;

function others(rest: readonly LikelyCountry[]): string {
  if (rest.length === 0) return '';
  const named = rest.slice(0, MAX_OTHERS).map((l) => l.country);
  const more = rest.length - named.length;
  const list =
    more > 0
      ? `${named.join(', ')} and ${more} more`
      : named.length === 1
        ? named[0]
        : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
  return ` (it also fits ${list})`;
}

/**
 * The end of an error message about a national number: the country it most likely belongs to
 * and what to do, naming the other candidates; or what to do when it looks like no country's.
 */
export function phoneHint(digits: string): string {
  const [best, ...rest] = likelyCountries(digits);
  if (best === undefined) return ': check the digits, or write it with + and its country code';
  const { country, callingCode } = best;
  return (
    `; looks like ${article(country)} ${country} number: set defaultCountry=${country} ` +
    `or write it in +${callingCode} form${others(rest)}`
  );
}
