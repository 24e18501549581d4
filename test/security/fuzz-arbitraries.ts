import fc from 'fast-check';

// Hostile input for the API fuzz tests. JSON is generated as TEXT, not as values run through
// JSON.stringify, so that what a client can send and JS objects cannot hold gets sent too:
// `__proto__` keys, duplicate keys, `-0`, `1e400` (Infinity once parsed), escaped NULs and lone
// surrogates.

/** Strings that have broken parsers, validators or databases somewhere. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\t\n',
  '\u0000',
  'a\u0000b',
  '\uFEFF',
  '\u202Eevil',
  '\uD800',
  '\uDFFF\uD800',
  '\u00A0',
  'NaN',
  '-0',
  '1e308',
  '1e400',
  'Infinity',
  '-1',
  '0x10',
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  "' OR 1=1 --",
  '"; DROP TABLE calls; --',
  '$1',
  '%00',
  '%s%n',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '{{7*7}}',
  'x\uDC00y',
  '{first_name}',
  '=HYPERLINK("x")',
  '+15005550001',
  'UTC',
  'America/New_York',
  'Etc/GMT+13',
  'recipient',
  '2026-01-05T09:00:00Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '2026-02-30T09:00:00Z',
  'US',
  'ZZ',
  'true ',
  'FALSE',
];

/** Longer than a CSV cell may be (64 KB) and than small upload limits; under the 1 MB JSON limit. */
export const LONG_STRING = 'x'.repeat(70_000);
/** Over the 1 MB JSON body limit on its own. */
export const HUGE_STRING = 'y'.repeat(1024 * 1024 + 10);

export const anyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 24 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }), weight: 2 },
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 },
  { arbitrary: fc.constant(LONG_STRING), weight: 1 },
);

/** Number literals as JSON text, the odd spellings included. */
export const jsonNumber: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.integer({ min: -3, max: 1_100 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom(
    '-0',
    '0',
    '1',
    '1.0',
    '1e0',
    '0.5',
    '-1',
    '5',
    '10',
    '11',
    '30',
    '31',
    '1000',
    '1001',
    '1e308',
    '-1e308',
    '1e400',
    '-1e400',
    '5e-324',
    '2147483647',
    '2147483648',
    '9007199254740993',
    '123456789012345678901234567890',
  ),
);

export const jsonString: fc.Arbitrary<string> = anyString.map((s) => JSON.stringify(s));

export const jsonKey: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' '),
    fc.string({ unit: 'binary', maxLength: 10 }),
  )
  .map((s) => JSON.stringify(s));

/** Any JSON value, as text. */
export const jsonValue: fc.Arbitrary<string> = fc.letrec<{
  value: string;
  array: string;
  object: string;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonString,
    jsonNumber,
    fc.constantFrom('true', 'false', 'null'),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
  object: fc
    .array(fc.tuple(jsonKey, tie('value')), { maxLength: 4 })
    .map((es) => `{${es.map(([k, v]) => `${k}:${v}`).join(',')}}`),
})).value;

/** A JSON string (as text) that PostgreSQL cannot store: a NUL or an unpaired surrogate inside. */
export const taintedString: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ maxLength: 8 }),
    fc.constantFrom('\\u0000', '\\ud800', '\\udfff', '\u0000'),
    fc.string({ maxLength: 8 }),
  )
  .map(([x, bad, y]) => `${JSON.stringify(x).slice(0, -1)}${bad}${JSON.stringify(y).slice(1)}`);

/** How a field of a JSON body is fuzzed: values the route must accept, and others (as JSON text). */
export interface FieldSpec {
  valid: fc.Arbitrary<string>;
  /** Added to any JSON value (the default hostile input of every field). */
  hostile?: fc.Arbitrary<string>;
  /** Present in nearly every valid body. */
  required?: boolean;
}

/** How many fields of a body are spoiled: none in about half the runs, so the valid path is exercised. */
const spoiledCount = fc.oneof(
  { arbitrary: fc.constant(0), weight: 5 },
  { arbitrary: fc.constant(1), weight: 4 },
  { arbitrary: fc.constant(2), weight: 1 },
);

/**
 * A JSON object body as text: every field valid or (when optional) missing, then 0–2 fields
 * spoiled (any JSON value, a field-specific bad value, or missing), then sometimes extra fields,
 * prototype-pollution keys among them. Duplicate keys happen too.
 */
export function jsonObjectBody(fields: Record<string, FieldSpec>): fc.Arbitrary<string> {
  const names = Object.keys(fields);
  const spoiled = (i: number) =>
    fc.oneof(jsonValue, fields[names[i]!]!.hostile ?? jsonValue, fc.constant(undefined));
  const spoil = spoiledCount.chain((n) =>
    fc.array(
      fc.nat(names.length - 1).chain((i) => spoiled(i).map((v) => [i, v] as const)),
      { minLength: n, maxLength: n },
    ),
  );
  const extra = fc.oneof(
    { arbitrary: fc.constant([] as Array<[string, string]>), weight: 4 },
    {
      arbitrary: fc.array(fc.tuple(jsonKey, jsonValue), { minLength: 1, maxLength: 2 }),
      weight: 1,
    },
  );
  return fc
    .tuple(
      fc.tuple(
        ...names.map((n) =>
          fc.option(fields[n]!.valid, { nil: undefined, freq: fields[n]!.required ? 30 : 2 }),
        ),
      ),
      spoil,
      extra,
    )
    .map(([valid, spoilt, more]) => {
      const values: Array<string | undefined> = [...valid];
      for (const [i, v] of spoilt) values[i] = v;
      const entries = names.flatMap((n, i) =>
        values[i] === undefined ? [] : [`${JSON.stringify(n)}:${values[i]}`],
      );
      for (const [k, v] of more) entries.push(`${k}:${v}`);
      return `{${entries.join(',')}}`;
    });
}

/** JSON text of one of `values`. */
export const oneOfJson = (...values: unknown[]) =>
  fc.constantFrom(...values.map((v) => JSON.stringify(v)));

/** A string field's usual bad values: any string, one the database cannot store. */
export const badText = fc.oneof(jsonString, taintedString);

/** Text that is not one JSON object: malformed, truncated, empty, or JSON of another type. */
export const notAnObjectBody: fc.Arbitrary<string> = fc.oneof(
  jsonValue.filter((s) => !s.startsWith('{')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '{', '{"name":', '{"a":1,}', "{'a':1}", '[', 'nul', '\uFEFF{}', '{}{}'),
  jsonValue.map((s) => s.slice(0, Math.max(0, s.length - 1))),
);

export const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
];

/** Content types a JSON route does not take, and broken ones. */
export const OTHER_TYPES = [
  'text/plain',
  'text/csv',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=zzz',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'application/octet-stream',
  '*/*',
  'json',
  ';',
];

/** A content type for a JSON body: usually JSON, sometimes anything, sometimes none. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constantFrom(...JSON_TYPES), weight: 12 },
  { arbitrary: fc.constantFrom(...OTHER_TYPES), weight: 2 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

/**
 * The longest path parameter the router passes on (find-my-way's default maxParamLength). Longer
 * ones are answered by the router itself; api-fuzz.test.ts checks those on their own.
 */
export const ROUTER_PARAM_LIMIT = 100;

/**
 * One path segment as sent, at most ROUTER_PARAM_LIMIT long: any text URL-encoded, or odd
 * encodings. Not `.` or `..` (also encoded): the URL parser of the test client resolves them,
 * as every HTTP client does, so they never reach the server as a segment.
 */
export function pathSegment(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...real), weight: 6 },
    {
      arbitrary: fc
        .string({ unit: 'binary', minLength: 1, maxLength: 40 })
        .map(encodeURIComponent)
        .filter((s) => s.length <= ROUTER_PARAM_LIMIT && s !== '.' && s !== '..'),
      weight: 4,
    },
    {
      arbitrary: fc.constantFrom(
        '%00',
        '%2F',
        '%20',
        '%2B15005550001',
        '+15005550001',
        'batch_',
        'call_',
        `batch_${'x'.repeat(ROUTER_PARAM_LIMIT - 6)}`,
        '%ED%A0%80',
        '%C0%AF',
        '%FF',
        '%E2%82',
        '*',
        ':batchId',
        'template',
        'validate',
      ),
      weight: 2,
    },
  );
}

/** Whether encodeURIComponent takes `s` (it throws on an unpaired surrogate). */
function isWellFormed(s: string): boolean {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

/** A query value as sent (URL-encoded). */
export const queryValue: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom(
      '',
      '0',
      '-0',
      '1',
      '2',
      '-1',
      '1.5',
      '1e2',
      '1e308',
      '1e400',
      'NaN',
      'Infinity',
      '0x10',
      ' 1',
      '+1',
      '100',
      '101',
      '2147483647',
      '2147483648',
      '9007199254740993',
      '99999999999999999999',
      'all',
      'waiting',
      'active',
      'completed',
      'failed',
      'cancelled',
      'queued',
      'processing',
      'ALL',
      'true',
      'null',
    ),
    anyString.filter((s) => s.length < 1000 && isWellFormed(s)),
  )
  .map(encodeURIComponent);

/**
 * A query string over `params` (name → values the route takes): each absent, valid, any value,
 * repeated or bare; plus unknown parameters now and then. Starts with `?` unless empty.
 */
export function queryString(params: Record<string, readonly string[]>): fc.Arbitrary<string> {
  const one = (name: string, valid: readonly string[]) =>
    fc.oneof(
      { arbitrary: fc.constant([] as string[]), weight: 4 },
      ...(valid.length > 0
        ? [
            {
              arbitrary: fc.constantFrom(...valid).map((v) => [`${name}=${encodeURIComponent(v)}`]),
              weight: 8,
            },
          ]
        : []),
      { arbitrary: queryValue.map((v) => [`${name}=${v}`]), weight: 2 },
      {
        arbitrary: fc
          .tuple(queryValue, queryValue)
          .map(([x, y]) => [`${name}=${x}`, `${name}=${y}`]),
        weight: 1,
      },
      { arbitrary: fc.constant([name]), weight: 1 },
    );
  const extra = fc.oneof(
    { arbitrary: fc.constant([] as string[]), weight: 4 },
    {
      arbitrary: fc.array(
        fc
          .tuple(
            fc.constantFrom('__proto__', 'constructor', 'x', 'page[0]', 'limit[]', 'a.b'),
            queryValue,
          )
          .map(([k, v]) => `${encodeURIComponent(k)}=${v}`),
        { minLength: 1, maxLength: 2 },
      ),
      weight: 1,
    },
  );
  const names = Object.keys(params);
  return fc.tuple(fc.tuple(...names.map((n) => one(n, params[n]!))), extra).map(([known, more]) => {
    const parts = [...known.flat(), ...more];
    return parts.length === 0 ? '' : `?${parts.join('&')}`;
  });
}

// CSV ----------------------------------------------------------------------------------------------

export const phoneCell: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 9999 }).map((n) => `+1500555${String(n).padStart(4, '0')}`),
  fc.constantFrom(
    '(415) 555-0132',
    '415.555.0133',
    '4155550134',
    '0044 20 7946 0958',
    '+1',
    '+0123456789',
    '+999999999999999',
    '+1234567890123456',
    'abc',
    '12ab',
    '',
    ' ',
    '+1 500 555 0000 ext 1',
    '\u0661\u0662\u0663',
  ),
  fc.stringMatching(/^\+?[0-9 ()\-.]{0,18}$/),
);

const csvCell: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 10 }), weight: 2 },
  {
    arbitrary: fc.constantFrom('"', '""', '"a,b"', 'a"b', '\n', '\r\n', '=cmd|x', '\uFEFF', ','),
    weight: 2,
  },
  { arbitrary: fc.constant(LONG_STRING), weight: 1 },
);

const columnName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'first_name',
    'last_name',
    'email',
    'plan',
    ' phone_number ',
    'PHONE_NUMBER',
    '',
    '__proto__',
    'constructor',
    'a"b',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
);

const quoted = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** A CSV file: mostly well-formed around phone_number, sometimes ragged, unquoted or odd. */
export const csvText: fc.Arbitrary<string> = fc
  .record({
    columns: fc.array(columnName, { maxLength: 4 }),
    phoneAt: fc.option(fc.nat(), { nil: undefined, freq: 8 }),
    rows: fc.array(fc.tuple(phoneCell, fc.array(csvCell, { maxLength: 5 })), { maxLength: 6 }),
    quoteAll: fc.boolean(),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    bom: fc.boolean(),
    ragged: fc.boolean(),
    trailingEol: fc.boolean(),
  })
  .map((c) => {
    const header = [...c.columns];
    const at = c.phoneAt === undefined ? -1 : c.phoneAt % (header.length + 1);
    if (at >= 0) header.splice(at, 0, 'phone_number');
    const cell = (s: string) => (c.quoteAll || /[",\r\n]/.test(s) ? quoted(s) : s);
    const lines = [header.map(cell).join(',')];
    for (const [phone, others] of c.rows) {
      const cells = c.ragged ? [...others] : header.map((_, i) => others[i] ?? '');
      if (at >= 0) cells.splice(at, c.ragged ? 0 : 1, phone);
      lines.push(cells.map(cell).join(','));
    }
    return `${c.bom ? '\uFEFF' : ''}${lines.join(c.eol)}${c.trailingEol ? c.eol : ''}`;
  });

/** Numbers the simulator answers, distinct within one list. */
export const simulatorPhones = (max: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 9999 }), { minLength: 1, maxLength: max })
    .map((ns) => ns.map((n) => `+1500555${String(n).padStart(4, '0')}`));

/** A CSV file §1 accepts: phone_number among a few named columns, distinct valid numbers. */
export const validCsv: fc.Arbitrary<string> = fc
  .record({
    columns: fc.uniqueArray(fc.constantFrom('first_name', 'last_name', 'email', 'plan', 'note'), {
      maxLength: 3,
    }),
    phoneAt: fc.nat(),
    phones: simulatorPhones(8),
    cells: fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), {
      minLength: 24,
      maxLength: 24,
    }),
    eol: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
  })
  .map((c) => {
    const header: string[] = [...c.columns];
    const at = c.phoneAt % (header.length + 1);
    header.splice(at, 0, 'phone_number');
    const lines = [header.join(',')];
    c.phones.forEach((phone, r) => {
      const cells = c.columns.map((_, k) => quoted(c.cells[(r * 3 + k) % c.cells.length]!));
      cells.splice(at, 0, phone);
      lines.push(cells.join(','));
    });
    return `${c.bom ? '\uFEFF' : ''}${lines.join(c.eol)}${c.eol}`;
  });

/** Any file content: a valid CSV, any CSV, arbitrary text, arbitrary bytes, or one too large. */
export const fileContent: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { arbitrary: validCsv, weight: 6 },
  { arbitrary: csvText, weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 80 }), weight: 1 },
  { arbitrary: fc.constant(`phone_number\n${'+15005550001,x\n'.repeat(6_000)}`), weight: 1 },
);
