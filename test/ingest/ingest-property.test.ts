import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import {
  createTestApp,
  multipart,
  seedTenant,
  type Tenant,
  type TestApp,
} from '../support/http.js';

// Property of the whole ingest path (§1): for any generated upload, either a batch exists whose
// calls are exactly the valid input rows (in order, with their lines, numbers and variables) or
// the request was rejected and nothing at all was stored.

type PhoneCell =
  | { kind: 'valid'; n: number; fmt: number }
  | { kind: 'warn'; n: number }
  | { kind: 'bad'; raw: string };

const FORMATS = [
  (d: string) => `+1${d}`,
  (d: string) => `+1 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`,
  (d: string) => `+1 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
  (d: string) => `001.${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`,
  // National: valid only with defaultCountry=US.
  (d: string) => `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
];
const NATIONAL = 4;

const phoneCell: fc.Arbitrary<PhoneCell> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('valid' as const),
      n: fc.nat(12),
      fmt: fc.nat(FORMATS.length - 1),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('warn' as const), n: fc.nat(3) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bad' as const),
      raw: fc.constantFrom('', 'abc', '+0123456', '+12', 'call me', '+1 500 555 0001 x2'),
    }),
  },
);

const cell = fc
  .array(fc.constantFrom('a', 'B', '1', ' ', ',', '"', '\n', '\r\n', 'ü', '😀', '{', '\\'), {
    maxLength: 5,
  })
  .map((p) => p.join(''));

const upload = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z_]{0,6}$/), { maxLength: 3 })
  .filter((names) => !names.includes('phone_number'))
  .chain((names) =>
    fc.record({
      names: fc.constant(names),
      rows: fc.array(
        fc.record({
          phone: phoneCell,
          cells: fc.array(cell, { minLength: names.length, maxLength: names.length }),
          ragged: fc.nat(9).map((x) => x < 2),
          quote: fc.boolean(),
          blanks: fc.nat(1),
        }),
        { minLength: 1, maxLength: 10 },
      ),
      us: fc.boolean(),
      skip: fc.boolean(),
      crlf: fc.boolean(),
    }),
  );

const needsQuotes = (c: string) => c === '' || /[",\r\n]|^\s|\s$/.test(c);
const enc = (c: string, force: boolean) =>
  needsQuotes(c) || force ? `"${c.replaceAll('"', '""')}"` : c;

function phoneText(p: PhoneCell): string {
  if (p.kind === 'bad') return p.raw;
  if (p.kind === 'warn') return `+12345678${String(p.n).padStart(2, '0')}`;
  return FORMATS[p.fmt]!(`500555${String(p.n).padStart(4, '0')}`);
}

/**
 * The CSV text of a generated upload, and the oracle, written independently of the code: the rows
 * that must be stored ([line, E.164, variables]) and how many rows are errors.
 */
function build(u: {
  names: string[];
  rows: Array<{
    phone: PhoneCell;
    cells: string[];
    ragged: boolean;
    quote: boolean;
    blanks: number;
  }>;
  us: boolean;
  crlf: boolean;
}) {
  const eol = u.crlf ? '\r\n' : '\n';
  let text = ['phone_number', ...u.names].join(',');
  let line = 1;
  let prev = text;
  const seen = new Set<string>();
  const valid: Array<[number, string, Record<string, string>]> = [];
  let errors = 0;
  for (const r of u.rows) {
    const cells = [phoneText(r.phone), ...r.cells];
    // A ragged row: one field too many (a field too few could leave a blank, skipped line).
    if (r.ragged) cells.push('extra');
    const rowText = cells.map((c) => enc(c, r.quote)).join(',');
    line += (prev.match(/\r\n|\r|\n/g)?.length ?? 0) + 1 + r.blanks;
    text += eol.repeat(1 + r.blanks) + rowText;
    prev = rowText;

    let e164: string | undefined;
    if (r.phone.kind === 'valid' && (r.phone.fmt !== NATIONAL || u.us)) {
      e164 = `+1500555${String(r.phone.n).padStart(4, '0')}`;
    } else if (r.phone.kind === 'warn') {
      e164 = phoneText(r.phone);
    }
    if (r.ragged || e164 === undefined || seen.has(e164)) {
      errors++;
      continue;
    }
    seen.add(e164);
    valid.push([line, e164, Object.fromEntries(u.names.map((n, i) => [n, r.cells[i]!]))]);
  }
  return { text: `${text}${eol}`, valid, errors };
}

describeEachDb('ingest property: a batch of exactly the valid rows, or nothing', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    tenant = await seedTenant(t.db, h.clock.now());
  });
  afterAll(async () => {
    await h?.app.close();
    await t?.close();
  });

  it('holds for generated uploads', async () => {
    await fc.assert(
      fc.asyncProperty(upload, async (u) => {
        await t.db.query('DELETE FROM batches');
        const { text, valid, errors } = build(u);
        const fields: Record<string, string> = { agentId: tenant.agentId };
        if (u.us) fields['defaultCountry'] = 'US';
        if (u.skip) fields['skipInvalidRows'] = 'true';
        const body = multipart(fields, { content: text });
        const res = await h.app.inject({
          method: 'POST',
          url: '/v1/api/batch-calls',
          payload: body.payload,
          headers: { ...tenant.headers, ...body.headers },
        });
        const json = res.json();
        const created = errors === 0 || (u.skip && valid.length > 0);
        if (!created) {
          expect(res.statusCode).toBe(400);
          expect(json).toMatchObject({ error: 'CSV validation failed', errorCount: errors });
          const [n] = await t.db.query<{ b: number; c: number; p: number }>(
            `SELECT (SELECT count(*)::int FROM batches) AS b, (SELECT count(*)::int FROM calls) AS c,
                    (SELECT count(*)::int FROM batch_progress) AS p`,
          );
          expect(n).toEqual({ b: 0, c: 0, p: 0 });
          return;
        }
        expect(res.statusCode).toBe(200);
        expect(json.totalCalls).toBe(valid.length);
        expect(json.skippedCount).toBe(errors === 0 ? undefined : errors);
        const calls = await t.db.query<{
          line: number;
          phone_number: string;
          variables: Record<string, string>;
        }>('SELECT line, phone_number, variables FROM calls WHERE batch_id = $1 ORDER BY seq', [
          json.batchId,
        ]);
        expect(calls.map((c) => [c.line, c.phone_number, c.variables])).toEqual(valid);
      }),
      { numRuns: 100 },
    );
  });
});
