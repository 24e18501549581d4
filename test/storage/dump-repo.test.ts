// export-db / import-db at the storage level: a realistic database (API-created agents and
// batches, an engine run, idempotency keys) plus a table of awkward column types goes out as a
// dump and comes back into an empty database identical row for row, on PGlite and PostgreSQL and
// across them. A cut-short or damaged dump, a non-empty target and a different schema are refused
// and leave the target as it was.
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import type { Db } from '../../src/storage/db.js';
import { DumpFormatError, dumpLines } from '../../src/storage/dump-format.js';
import {
  DumpMismatchError,
  dumpTables,
  exportDump,
  importDump,
  quoteIdent,
  TargetNotEmptyError,
} from '../../src/storage/dump-repo.js';
import { insertWebhookEndpoint } from '../../src/storage/webhook-endpoints-repo.js';
import { type Harness, harness, T0 } from '../engine/harness.js';
import {
  type Backend,
  createTestDb,
  describeEachDb,
  postgresReachable,
  type TestDb,
} from '../support/databases.js';
import { reserved } from '../support/engine-fixtures.js';
import { createTestApp, multipart, seedTenant } from '../support/http.js';

const EXPORTED_AT = new Date(T0 + 86_400_000);

/** Every column type the schema uses, and a few it may use one day, at their awkward values. */
const PROBE = `
  CREATE TABLE dump_probe (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    big       bigint,
    doubled   numeric GENERATED ALWAYS AS (big::numeric * 2) STORED,
    num       numeric,
    dbl       double precision,
    small     smallint,
    doc       jsonb,
    doc_json  json,
    at        timestamptz,
    ts        timestamp,
    day       date,
    raw       bytea,
    tags      text[],
    nums      integer[],
    span      interval,
    flag      boolean,
    note      text
  )`;

const PROBE_ROWS = `
  INSERT INTO dump_probe (big, num, dbl, small, doc, doc_json, at, ts, day, raw, tags, nums, span,
                          flag, note)
  VALUES
    (9223372036854775807, 12345678901234567890.123456789, 0.1::float8 + 0.2::float8, -32768,
     '{"n": 12345678901234567890.5, "s": "line\\nbreak \u2028 é ☎", "nested": [null, {"a": null}]}',
     '{"b": 1,   "a": [2, 3.50]}', '2024-02-29 23:59:59.999999+05:30', '1999-12-31 23:59:59.5',
     '2024-02-29', '\\x00ff0a5c22', ARRAY['a', 'b c', NULL, 'quote"s', '{braces}', ''],
     ARRAY[1, -2, NULL], '-1 day +02:03:04.5', true, E'tab\\there "quoted" \\\\ backslash\\r\\n'),
    (-9223372036854775808, 'NaN', 'NaN', 0, 'null', 'null', 'infinity', '-infinity', 'infinity',
     '\\x', '{}', '{}', '0', false, ''),
    (0, -0.000000000000000000001, 5e-324, NULL, '"a string"', '[]', '1970-01-01 00:00:00+00',
     '0001-01-01 00:00:00', '0044-03-15 BC', NULL, NULL, NULL, NULL, NULL, NULL),
    (NULL, NULL, '-Infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL)`;

async function exportText(db: Db): Promise<string> {
  const parts: string[] = [];
  await exportDump(
    db,
    async (text) => {
      parts.push(text);
    },
    EXPORTED_AT,
  );
  return parts.join('');
}

/** The dump as a file would deliver it: bytes in small chunks that split lines and characters. */
function linesOf(text: string) {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
  return dumpLines(Readable.from(chunks));
}

/** Every table's rows, exactly: as text (every digit, JSON null vs NULL) and as the adapter reads them. */
async function contents(db: Db): Promise<Record<string, { text: string[]; rows: unknown[] }>> {
  const out: Record<string, { text: string[]; rows: unknown[] }> = {};
  for (const t of await dumpTables(db)) {
    const order = t.primaryKey.map(quoteIdent).join(', ');
    const text = await db.query<{ r: string }>(
      `SELECT x::text AS r FROM ${quoteIdent(t.name)} x ORDER BY ${order}`,
    );
    const rows = await db.query(`SELECT * FROM ${quoteIdent(t.name)} ORDER BY ${order}`);
    out[t.name] = { text: text.map((r) => r.r), rows };
  }
  return out;
}

async function rowCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await dumpTables(db)) {
    const [row] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteIdent(t.name)}`,
    );
    out[t.name] = row!.n;
  }
  return out;
}

async function emptyTarget(backend: Backend): Promise<TestDb> {
  const t = await createTestDb(backend);
  await t.db.query(PROBE);
  return t;
}

/** A source database seeded once per backend and its dump, shared by the tests that read it. */
interface Source {
  h: Harness;
  before: Awaited<ReturnType<typeof contents>>;
  dump: string;
}

async function seededSource(backend: Backend): Promise<Source> {
  // Short retry delays keep the engine run to a few hundred simulated seconds.
  const h = await harness(backend, { retryDelaysMs: [5_000, 10_000] });
  try {
    await seed(h);
    return { h, before: await contents(h.db), dump: await exportText(h.db) };
  } catch (err) {
    await h.close();
    throw err;
  }
}

/**
 * Two workspaces with keys, an agent made through the API, a JSON-recipients batch (with an
 * Idempotency-Key) and a CSV batch run to completion by the engine, a scheduled batch with one job
 * cancelled, a revoked key, and the type probe.
 */
async function seed(h: Harness): Promise<{ batches: string[] }> {
  const app = await createTestApp(h.db, {}, h.clock);
  try {
    const a = await seedTenant(h.db, T0, 'A');
    const b = await seedTenant(h.db, T0, 'B "quoted", ünïcode');
    await h.db.query('UPDATE workspaces SET max_concurrent_calls = 20, calls_per_second = 20');
    const post = async (
      headers: Record<string, string>,
      url: string,
      payload: string | Buffer,
      extra: Record<string, string> = {},
    ) => {
      const res = await app.app.inject({
        method: 'POST',
        url,
        headers: { ...headers, ...extra },
        payload,
      });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json();
    };
    const json = { 'content-type': 'application/json' };
    const agent = await post(
      a.headers,
      '/v1/api/agents',
      JSON.stringify({
        name: 'Ben',
        greeting: 'Hi {first_name}, Ben from Acme here.',
        prompt: 'Remind {first_name} of the appointment on {appointment_date}.',
        fromNumber: '+14155550123',
        smartCallback: true,
        maxAttemptsForSmartCallback: 3,
        gapBetweenEachAttemptForSmartCallback: [{ days: 0, hours: 1 }],
        variables: ['first_name', 'appointment_date'],
      }),
      json,
    );
    const recipients = [0, 100, 300, 400, 500, 600, 700, 800].map((n, i) => ({
      phone_number: reserved(n),
      first_name: i % 2 ? 'Zoë' : 'John',
      plan: i % 3 ? 'gold' : null,
      vip: i % 2 === 0,
      visits: i * 1_000_000_007,
      note: 'a, "b"\nc',
    }));
    const jsonBatch = await post(
      a.headers,
      '/v1/api/batch-calls',
      JSON.stringify({
        agentId: agent.id,
        name: 'JSON batch',
        recipients,
        smartCallbackConfig: { enabled: false },
      }),
      { ...json, 'idempotency-key': 'import-me-once' },
    );
    const csv = ['phone_number,first_name,amount', '+15005550000,Ann,"1,5"', '+15005550201,Bo,='];
    const form = multipart(
      { agentId: b.agentId, name: 'CSV batch' },
      { content: `${csv.join('\n')}\n` },
    );
    const csvBatch = await post(b.headers, '/v1/api/batch-calls', form.payload, form.headers);
    const later = await post(
      a.headers,
      '/v1/api/batch-calls',
      JSON.stringify({
        agentId: agent.id,
        scheduledAt: new Date(T0 + 7 * 86_400_000).toISOString(),
        recipients: [{ phone_number: reserved(1) }, { phone_number: reserved(2) }],
      }),
      json,
    );

    // A webhook endpoint of A's, so the batches' events leave delivery rows (its secret as
    // stored: sealed, the dump carries it as it is).
    await insertWebhookEndpoint(h.db, {
      id: newId('wh', T0),
      workspaceId: a.workspaceId,
      url: 'https://hooks.example/outdial',
      events: ['call.completed', 'batch.completed'],
      description: 'CRM, "quoted"',
      secretSealed: 'v1.keyid.iv.body',
      now: T0,
    });
    await h.start();
    const batches = [jsonBatch.batchId, csvBatch.batchId];
    await h.clock.runUntil(async () => {
      const rows = await h.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM batches WHERE id = ANY($1) AND status = 'completed'",
        [batches],
      );
      return rows[0]!.n === batches.length;
    }, 4 * 3_600_000);
    await Promise.all(h.engines.map((e) => e.stop(0)));
    h.engines.length = 0;
    // A carrier account's pacing bucket (a provider declaring its own limit creates one), its
    // next start a fractional millisecond.
    await h.db.query(
      `INSERT INTO pacing_buckets (provider, account, calls_per_second, next_at)
       VALUES ('carrier', 'AC1', 3, $1)`,
      [T0 + 333.334],
    );
    // Telephony connections (sealed credentials travel as the text they are; a deleted one has
    // none), one of them named by an agent.
    await h.db.query(
      `INSERT INTO telephony_connections (id, workspace_id, provider, name, account,
         credentials_sealed, from_numbers, calls_per_second, created_at, updated_at, deleted_at)
       VALUES ('conn_live', $1, 'twilio', 'Main', 'AC1', 'v1.k.iv.body', '["+14155550100"]', 3, $2, $2, NULL),
              ('conn_gone', $1, 'twilio', 'Old', 'AC1', NULL, '["+14155550101"]', 1, $2, $2, $2)`,
      [a.workspaceId, T0],
    );
    await h.db.query("UPDATE agents SET connection_id = 'conn_live' WHERE workspace_id = $1", [
      a.workspaceId,
    ]);
    // An agent's report of an attempt (its data as JSON, one applied and one held).
    await h.db.query(
      `INSERT INTO agent_reports (attempt_id, outcome, transcript, summary, callback_at, data,
         received_at, applied_at)
       SELECT id, 'callback_requested', 'Agent: Hello
Customer: Later please', 'wants a call',
              $1::bigint, '{"score": 0.5, "tags": ["x"]}'::jsonb, $1::bigint, NULL
         FROM call_attempts ORDER BY id LIMIT 1`,
      [T0 + 7],
    );

    const [job] = await h.db.query<{ id: string }>(
      'SELECT id FROM calls WHERE batch_id = $1 ORDER BY seq LIMIT 1',
      [later.batchId],
    );
    const cancel = await app.app.inject({
      method: 'DELETE',
      url: `/v1/api/batch-calls/${later.batchId}/calls/${job!.id}`,
      headers: a.headers,
    });
    expect(cancel.statusCode).toBe(200);
    await h.db.query('UPDATE api_keys SET revoked_at = $1 WHERE workspace_id = $2', [
      T0 + 1,
      b.workspaceId,
    ]);
    await h.db.query(PROBE);
    await h.db.query(PROBE_ROWS);
    return { batches: [...batches, later.batchId] };
  } finally {
    await app.app.close();
  }
}

describeEachDb('database dump (export-db / import-db)', (backend) => {
  let src: Source;
  let target: TestDb | undefined;
  beforeAll(async () => {
    src = await seededSource(backend);
  }, 240_000);
  afterAll(() => src?.h.close());
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });

  const load = (text: string) => importDump(target!.db, linesOf(text));

  async function expectEmpty() {
    const counts = await rowCounts(target!.db);
    expect(
      Object.values(counts).every((n) => n === 0),
      JSON.stringify(counts),
    ).toBe(true);
  }

  it('brings every table back row for row into an empty database', async () => {
    // The seed reached every table the schema has, with rows of every kind it is meant to hold.
    for (const [name, c] of Object.entries(src.before)) {
      expect(c.rows.length, name).toBeGreaterThan(0);
    }
    const states = await src.h.db.query<{ state: string }>('SELECT DISTINCT state FROM calls');
    expect(states.map((s) => s.state).sort()).toEqual([
      'cancelled',
      'completed',
      'failed',
      'waiting',
    ]);
    const [att] = await src.h.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM call_attempts WHERE ended_at IS NOT NULL',
    );
    expect(att!.n).toBeGreaterThan(10);

    target = await emptyTarget(backend);
    const summary = await load(src.dump);

    expect(await contents(target.db)).toEqual(src.before);
    expect(summary.rows).toEqual(await rowCounts(src.h.db));
    expect(summary.header).toMatchObject({
      format: 'outdial-dump',
      version: 1,
      createdAt: EXPORTED_AT.toISOString(),
    });
    // Exporting the copy writes the same file, byte for byte.
    expect(await exportText(target.db)).toBe(src.dump);
    // The identity sequence continues after the loaded ids.
    const [next] = await target.db.query<{ id: number }>(
      'INSERT INTO dump_probe (note) VALUES ($1) RETURNING id',
      ['after import'],
    );
    expect(next!.id).toBe(5);
  });

  it('writes sections in foreign-key order with a header and an end marker', async () => {
    const lines = src.dump.split('\n');
    expect(lines.at(-1)).toBe('');
    const header = JSON.parse(lines[0]!);
    expect(header.tables).not.toContain('outdial_migrations');
    expect(header.migrations).toEqual(
      (
        await src.h.db.query<{ name: string }>('SELECT name FROM outdial_migrations ORDER BY name')
      ).map((m) => m.name),
    );
    const pos = (t: string) => header.tables.indexOf(t);
    expect(pos('workspaces')).toBeLessThan(pos('agents'));
    expect(pos('agents')).toBeLessThan(pos('batches'));
    expect(pos('batches')).toBeLessThan(pos('calls'));
    expect(pos('calls')).toBeLessThan(pos('call_attempts'));
    const sections = lines
      .filter((l) => l.startsWith('{"@outdial":"table"'))
      .map((l) => JSON.parse(l).name);
    expect(sections).toEqual(header.tables);
    const end = JSON.parse(lines.at(-2)!);
    expect(end).toEqual({ '@outdial': 'end', rows: await rowCounts(src.h.db) });
    // The probe's generated column is computed by the target, not carried.
    const probe = lines.find((l) => l.includes('"name":"dump_probe"'))!;
    expect(JSON.parse(probe).columns).not.toContain('doubled');
  });

  it('refuses a dump cut short or damaged anywhere, leaving the target empty', async () => {
    target = await emptyTarget(backend);
    const dump = src.dump;
    const lines = dump.split('\n');
    const callsAt = lines.findIndex((l) => l.includes('"name":"calls"'));
    // An attempt no agent report refers to: a missing one is found by the count, not by a
    // foreign key.
    const reportsAt = lines.findIndex((l) => l.includes('"name":"agent_reports"'));
    const reportedId: string = JSON.parse(lines[reportsAt + 1]!).attempt_id;
    let attemptsAt = lines.findIndex((l) => l.includes('"name":"call_attempts"'));
    while (JSON.parse(lines[attemptsAt + 1]!).id === reportedId) attemptsAt++;
    const variants: Array<[string, string, RegExp]> = [
      ['no end marker', `${lines.slice(0, -2).join('\n')}\n`, /no end marker/],
      ['cut mid-line', dump.slice(0, dump.length - 10), /middle of a line/],
      ['cut mid-file', `${lines.slice(0, callsAt + 2).join('\n')}\n`, /no end marker/],
      [
        'a row missing',
        [...lines.slice(0, attemptsAt + 1), ...lines.slice(attemptsAt + 2)].join('\n'),
        /Table call_attempts has \d+ rows in the dump but its end marker says/,
      ],
      [
        'a row damaged',
        [
          ...lines.slice(0, callsAt + 1),
          lines[callsAt + 1]!.slice(0, -1),
          ...lines.slice(callsAt + 2),
        ].join('\n'),
        /Loading table calls failed/,
      ],
      ['nothing', '', /empty/],
      ['not a dump', 'phone_number,first_name\n+15005550000,Ann\n', /not a file written by/],
    ];
    for (const [what, text, message] of variants) {
      const err = await load(text).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, what).toBeInstanceOf(DumpFormatError);
      expect((err as Error).message, what).toMatch(message);
      await expectEmpty();
    }
    // The same target then takes the whole dump.
    await load(dump);
    expect(await rowCounts(target.db)).toEqual(await rowCounts(src.h.db));
  });

  it('refuses a target that holds data, naming the table', async () => {
    target = await emptyTarget(backend);
    await target.db.query(
      "INSERT INTO workspaces (id, name, created_at) VALUES ('ws_here', 'Already here', 1)",
    );
    const err = await load(src.dump).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetNotEmptyError);
    expect((err as TargetNotEmptyError).table).toBe('workspaces');
    expect((err as Error).message).toMatch(/table workspaces has rows/);
    const counts = await rowCounts(target.db);
    expect(counts['workspaces']).toBe(1);
    expect(Object.values(counts).reduce((x, y) => x + y)).toBe(1);
  });

  it('refuses a dump of another schema version, or of another shape of a table', async () => {
    target = await emptyTarget(backend);
    const [first, ...rest] = src.dump.split('\n');
    const header = JSON.parse(first!);
    const withHeader = (migrations: string[]) =>
      [JSON.stringify({ ...header, migrations }), ...rest].join('\n');

    const newer = await load(withHeader([...header.migrations, '9999_future.sql'])).catch(
      (e: unknown) => e,
    );
    expect(newer).toBeInstanceOf(DumpMismatchError);
    expect((newer as Error).message).toMatch(/newer Outdial.*9999_future\.sql/);
    await expectEmpty();

    const older = await load(withHeader(header.migrations.slice(0, -1))).catch((e: unknown) => e);
    expect(older).toBeInstanceOf(DumpMismatchError);
    expect((older as Error).message).toContain(header.migrations.at(-1));
    await expectEmpty();

    const renamed = src.dump.replace('"columns":["id","big",', '"columns":["id","huge",');
    expect(renamed).not.toBe(src.dump);
    const shape = await load(renamed).catch((e: unknown) => e);
    expect(shape).toBeInstanceOf(DumpMismatchError);
    expect((shape as Error).message).toMatch(
      /dump_probe.*only in the dump: huge.*only in the target: big/,
    );
    await expectEmpty();
  });
});

const pgOk = await postgresReachable();

(pgOk ? describe : describe.skip)('database dump across backends', () => {
  let src: Source | undefined;
  let target: TestDb | undefined;
  afterEach(async () => {
    await src?.h.close();
    await target?.close();
    src = target = undefined;
  });

  it.each([
    ['pglite', 'postgres'],
    ['postgres', 'pglite'],
  ] as const)(
    'from %s into %s',
    async (from, into) => {
      src = await seededSource(from);
      target = await emptyTarget(into);
      await importDump(target.db, linesOf(src.dump));
      // The drivers read bytea, intervals and far-off dates into different JavaScript values, so
      // the probe is compared by its exact text only.
      const { dump_probe: probe, ...tables } = await contents(target.db);
      const { dump_probe: probeBefore, ...tablesBefore } = src.before;
      expect(tables).toEqual(tablesBefore);
      expect(probe!.text).toEqual(probeBefore!.text);
      expect(await exportText(target.db)).toBe(src.dump);
    },
    240_000,
  );
});
