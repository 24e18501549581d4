// Realistic contact lists for uploads: national US numbers in the formats people type (read with
// defaultCountry=US) mixed with international numbers of several countries, plus the five variable
// columns of a typical campaign. Deterministic: the same arguments give the same bytes, so runs
// compare. Every number in one file is distinct (a duplicate would be a validation error).

export const HEADER = 'phone_number,first_name,last_name,email,plan,appointment_date';

const FIRST = `
  James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth José María Wei
  Aisha Lars Sofia Kwame Emma Yuki Olivia Zoë Mateo Priya Lukas Chloé Ahmed Ingrid Diego
  Hannah Noah
`
  .trim()
  .split(/\s+/);
const LAST = `
  Smith Johnson Williams Brown Jones García Miller Davis Rodríguez Martinez O'Brien Müller
  Schmidt Dubois Rossi Silva Kowalski Nguyen Kim Patel Singh Andersson Tanaka Okafor Haddad
  Novak Ivanova Cohen
`
  .trim()
  .split(/\s+/);
const PLANS = ['starter', 'basic', 'pro', 'pro', 'enterprise'];

// Real area codes; exchanges 200-999 except N11 service codes and 555 (fictional numbers).
const US_AREAS =
  '212 213 305 312 404 415 512 602 617 646 702 713 718 720 773 804 818 919 206 303'.split(' ');
const US_EXCHANGES = [];
for (let x = 200; x <= 999; x++) if (x % 100 !== 11 && x !== 555) US_EXCHANGES.push(String(x));

const US_FORMATS = [
  (a, e, l) => `(${a}) ${e}-${l}`,
  (a, e, l) => `${a}-${e}-${l}`,
  (a, e, l) => `${a}.${e}.${l}`,
  (a, e, l) => `${a}${e}${l}`,
  (a, e, l) => `+1 ${a} ${e} ${l}`,
  (a, e, l) => `1-${a}-${e}-${l}`,
];

// Mobile ranges: country code, national prefix, subscriber digits, how people write them.
const INTERNATIONAL = [
  { cc: '44', prefix: '74', digits: 8, group: [4, 6] },
  { cc: '49', prefix: '151', digits: 8, group: [3, 8] },
  { cc: '33', prefix: '6', digits: 8, group: [1, 2, 2, 2, 2] },
  { cc: '34', prefix: '6', digits: 8, group: [3, 3, 3] },
  { cc: '61', prefix: '4', digits: 8, group: [3, 3, 3] },
  { cc: '55', prefix: '119', digits: 8, group: [2, 5, 4] },
  { cc: '91', prefix: '9', digits: 9, group: [5, 5] },
  { cc: '52', prefix: '55', digits: 8, group: [2, 4, 4] },
];

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rand, xs) => xs[Math.floor(rand() * xs.length)];
const pad = (n, width) => String(n).padStart(width, '0');

// Coprime with 10 and with the US number span, so `k * SCRAMBLE mod m` permutes 0..m-1: numbers
// look random, yet distinct indices give distinct numbers. Products stay exact (below 2^53) for
// indices up to 10^9, far above the offsets used.
const SCRAMBLE = 7_368_787;

// i → distinct numbers for distinct i: each part below is a bijection of i on its range.
function usNumber(i, rand) {
  const span = US_AREAS.length * US_EXCHANGES.length * 10_000;
  let j = (i * SCRAMBLE + 4021) % span;
  const area = US_AREAS[j % US_AREAS.length];
  j = Math.floor(j / US_AREAS.length);
  const exchange = US_EXCHANGES[j % US_EXCHANGES.length];
  const line = pad(Math.floor(j / US_EXCHANGES.length), 4);
  return pick(rand, US_FORMATS)(area, exchange, line);
}

function internationalNumber(i, rand) {
  const c = INTERNATIONAL[i % INTERNATIONAL.length];
  const space = 10 ** c.digits;
  const k = Math.floor(i / INTERNATIONAL.length);
  const national = c.prefix + pad((k * SCRAMBLE + 1234) % space, c.digits);
  const style = rand();
  if (style < 0.25) return `+${c.cc}${national}`;
  const groups = [];
  let at = 0;
  for (const g of c.group) {
    groups.push(national.slice(at, at + g));
    at += g;
  }
  if (at < national.length) groups.push(national.slice(at));
  return `${style < 0.4 ? '00' : '+'}${c.cc} ${groups.join(style < 0.7 ? ' ' : '-')}`;
}

const ascii = (s) =>
  s
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

function contactLine(i, rand) {
  // US and international numbers never collide: their country codes differ.
  const phone = rand() < 0.6 ? usNumber(i, rand) : internationalNumber(i, rand);
  const first = pick(rand, FIRST);
  const base = pick(rand, LAST);
  // A few suffixes with a comma: the field must be quoted, as spreadsheets export it.
  const last = rand() < 0.01 ? `"${base}, Jr."` : base;
  const email = `${ascii(first)}.${ascii(base)}${i}@example.com`;
  const month = 1 + Math.floor(rand() * 12);
  const day = 1 + Math.floor(rand() * 28);
  const hour = 8 + Math.floor(rand() * 10);
  const date = `2026-${pad(month, 2)}-${pad(day, 2)} ${pad(hour, 2)}:${rand() < 0.5 ? '00' : '30'}`;
  const plan = pick(rand, PLANS);
  const cells = [first, last === base ? base : `${base}, Jr.`, email, plan, date];
  return { phone, cells, line: `${phone},${first},${last},${email},${plan},${date}` };
}

/** The CSV's columns other than phone_number, in file order. */
export const VARIABLE_COLUMNS = HEADER.split(',').slice(1);

/**
 * A CSV of `rows` contacts, or of as many as fit in `maxBytes` (UTF-8). `offset` shifts the
 * numbers so files of one run do not repeat each other's. Returns the text, its row count, the
 * raw phone cells in file order and (with `keepCells`) each row's other cells, unquoted.
 */
export function contactsCsv({
  rows = Number.POSITIVE_INFINITY,
  maxBytes = Number.POSITIVE_INFINITY,
  offset = 0,
  seed = 42,
  keepCells = false,
}) {
  const rand = mulberry32(seed + offset);
  const lines = [HEADER];
  const phones = [];
  const cells = [];
  let bytes = Buffer.byteLength(HEADER) + 1;
  for (let i = 0; i < rows; i++) {
    const row = contactLine(offset + i, rand);
    const { phone, line } = row;
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size > maxBytes) break;
    bytes += size;
    lines.push(line);
    phones.push(phone);
    if (keepCells) cells.push(row.cells);
  }
  return { csv: `${lines.join('\n')}\n`, rows: phones.length, phones, cells, bytes };
}
