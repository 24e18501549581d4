import type { Db, Queryable } from './db.js';
import {
  CONTROL_KEY,
  classifyLine,
  DUMP_FORMAT,
  DUMP_VERSION,
  DumpFormatError,
  type DumpHeader,
  endLine,
  headerLine,
  parseHeader,
  sectionLine,
} from './dump-format.js';

// Reading and writing every table for `outdial export-db` / `import-db`. Tables, columns, primary
// keys and foreign keys come from the catalog, so a migration that adds a table or a column needs
// no change here. SQL that works on PostgreSQL and PGlite alike.

/** The migrations ledger is the target's own: its migrations are applied, then compared. */
const LEDGER = 'outdial_migrations';

/** Rows per FETCH on export and per INSERT on import; an INSERT also stops at LOAD_CHUNK_CHARS. */
const EXPORT_FETCH_ROWS = 2_000;
const LOAD_CHUNK_ROWS = 2_000;
const LOAD_CHUNK_CHARS = 8 * 1024 * 1024;

export interface DumpColumn {
  name: string;
  /** json and jsonb values are written wrapped in a one-element array (see dump-format.ts). */
  json: 'json' | 'jsonb' | null;
  /** The sequence behind a serial or identity column, moved past the loaded values. */
  sequence: string | null;
}

export interface DumpTable {
  name: string;
  /** Stored columns in table order; generated columns are left to the target to compute. */
  columns: DumpColumn[];
  primaryKey: string[];
}

/** The target's schema is not the dump's: different migrations, tables or columns. */
export class DumpMismatchError extends Error {}

/** The target already holds data; a dump is only loaded into an empty database. */
export class TargetNotEmptyError extends Error {
  constructor(readonly table: string) {
    super(
      `The target database is not empty (table ${table} has rows). import-db loads only into an ` +
        'empty database: point DATABASE_URL at a new one, or drop and recreate it',
    );
  }
}

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Every table of the current schema but the ledger, ordered so references load first. */
export async function dumpTables(q: Queryable): Promise<DumpTable[]> {
  const tables = await q.query<{ oid: number; name: string }>(
    `SELECT c.oid::int8 AS oid, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.relname <> $1
      ORDER BY c.relname`,
    [LEDGER],
  );
  const columns = await q.query<{
    oid: number;
    name: string;
    json: 'json' | 'jsonb' | null;
    seq: string | null;
  }>(
    `SELECT a.attrelid::int8 AS oid, a.attname AS name,
            CASE a.atttypid WHEN 'json'::regtype THEN 'json' WHEN 'jsonb'::regtype THEN 'jsonb' END
              AS json,
            pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND a.attnum > 0 AND NOT a.attisdropped
        AND a.attgenerated = ''
      ORDER BY a.attrelid, a.attnum`,
  );
  const keys = await q.query<{ oid: number; name: string }>(
    `SELECT i.indrelid::int8 AS oid, a.attname AS name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE n.nspname = current_schema() AND i.indisprimary
      ORDER BY i.indrelid, k.ord`,
  );
  const refs = await q.query<{ from: number; to: number }>(
    `SELECT con.conrelid::int8 AS "from", con.confrelid::int8 AS "to"
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND con.contype = 'f'`,
  );

  const byOid = new Map<number, DumpTable>();
  for (const t of tables) byOid.set(t.oid, { name: t.name, columns: [], primaryKey: [] });
  for (const c of columns) {
    if (c.name === CONTROL_KEY) {
      throw new Error(`Column ${c.name} cannot be exported: the dump format reserves its name`);
    }
    byOid.get(c.oid)?.columns.push({ name: c.name, json: c.json, sequence: c.seq });
  }
  for (const k of keys) byOid.get(k.oid)?.primaryKey.push(k.name);

  // Depth-first topological order; ties stay alphabetical so the same schema dumps the same way.
  const dependsOn = new Map<number, number[]>();
  for (const r of refs) {
    if (r.from === r.to || !byOid.has(r.from) || !byOid.has(r.to)) continue;
    dependsOn.set(r.from, [...(dependsOn.get(r.from) ?? []), r.to]);
  }
  const ordered: DumpTable[] = [];
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (oid: number, path: string[]) => {
    const table = byOid.get(oid)!;
    if (state.get(oid) === 'done') return;
    if (state.get(oid) === 'visiting') {
      throw new Error(`Foreign keys form a cycle: ${[...path, table.name].join(' -> ')}`);
    }
    state.set(oid, 'visiting');
    for (const dep of dependsOn.get(oid) ?? []) visit(dep, [...path, table.name]);
    state.set(oid, 'done');
    ordered.push(table);
  };
  for (const t of tables) visit(t.oid, []);
  return ordered;
}

/** The migrations applied to this database, sorted by name. */
export async function appliedMigrations(q: Queryable): Promise<string[]> {
  const rows = await q
    .query<{ name: string }>(`SELECT name FROM ${LEDGER} ORDER BY name`)
    .catch((err: { code?: string }) => {
      if (err.code === '42P01') {
        throw new DumpMismatchError(
          'This database has no Outdial schema (no migrations applied): nothing to export',
        );
      }
      throw err;
    });
  return rows.map((r) => r.name);
}

export interface DumpSummary {
  header: DumpHeader;
  /** Rows per table, in load order. */
  rows: Record<string, number>;
}

/**
 * Writes the whole database through `write` (which should wait while its consumer is full): one
 * REPEATABLE READ snapshot, so a PostgreSQL database in use still exports consistently, and a
 * cursor per table, so memory holds one fetch at a time however large a table is.
 */
export async function exportDump(
  db: Db,
  write: (text: string) => Promise<void>,
  now: Date = new Date(),
): Promise<DumpSummary> {
  return db.tx(async (q) => {
    await q.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    // Shortest exact float output (PostgreSQL 12+ for any value > 0) and an interval style every
    // input parser reads back, whatever the server's defaults.
    await q.query('SET LOCAL extra_float_digits = 3');
    await q.query("SET LOCAL intervalstyle = 'iso_8601'");
    const tables = await dumpTables(q);
    const header: DumpHeader = {
      format: DUMP_FORMAT,
      version: DUMP_VERSION,
      createdAt: now.toISOString(),
      migrations: await appliedMigrations(q),
      tables: tables.map((t) => t.name),
    };
    await write(headerLine(header));
    const rows: Record<string, number> = {};
    for (const t of tables) {
      await write(sectionLine({ name: t.name, columns: t.columns.map((c) => c.name) }));
      rows[t.name] = await exportTable(q, t, write);
    }
    await write(endLine({ rows }));
    return { header, rows };
  });
}

async function exportTable(
  q: Queryable,
  t: DumpTable,
  write: (text: string) => Promise<void>,
): Promise<number> {
  const select = t.columns
    .map((c) =>
      c.json
        ? `CASE WHEN ${quoteIdent(c.name)} IS NULL THEN NULL ELSE json_build_array(${quoteIdent(c.name)}) END AS ${quoteIdent(c.name)}`
        : quoteIdent(c.name),
    )
    .join(', ');
  const order =
    t.primaryKey.length > 0 ? ` ORDER BY ${t.primaryKey.map((k) => `x.${quoteIdent(k)}`)}` : '';
  await q.query(
    `DECLARE outdial_dump NO SCROLL CURSOR FOR
       SELECT row_to_json(x)::text AS r FROM (SELECT ${select} FROM ${quoteIdent(t.name)}) x${order}`,
  );
  let count = 0;
  for (;;) {
    const batch = await q.query<{ r: string }>(`FETCH ${EXPORT_FETCH_ROWS} FROM outdial_dump`);
    if (batch.length === 0) break;
    count += batch.length;
    await write(`${batch.map((b) => b.r).join('\n')}\n`);
    if (batch.length < EXPORT_FETCH_ROWS) break;
  }
  await q.query('CLOSE outdial_dump');
  return count;
}

/**
 * Loads a dump into `db`, which must be migrated already, in one transaction: any failure (a
 * schema that differs, a table with rows, a damaged or cut-short file, a row PostgreSQL rejects)
 * rolls everything back and leaves the target as it was.
 */
export async function importDump(db: Db, lines: AsyncIterable<string>): Promise<DumpSummary> {
  const it = lines[Symbol.asyncIterator]();
  const first = await it.next();
  const header = parseHeader(first.done ? undefined : first.value);

  return db.tx(async (q) => {
    const migrations = await appliedMigrations(q);
    if (JSON.stringify(migrations) !== JSON.stringify(header.migrations)) {
      throw new DumpMismatchError(migrationMismatch(header.migrations, migrations));
    }
    const targetTables = await dumpTables(q);
    const byName = new Map(targetTables.map((t) => [t.name, t]));
    const missing = header.tables.filter((name) => !byName.has(name));
    if (missing.length > 0) {
      throw new DumpMismatchError(`The target database has no table ${missing.join(', ')}`);
    }
    // Nothing may write to these tables between the emptiness check and the commit.
    if (targetTables.length > 0) {
      await q.query(
        `LOCK TABLE ${targetTables.map((t) => quoteIdent(t.name)).join(', ')} IN EXCLUSIVE MODE`,
      );
    }
    for (const t of targetTables) {
      const has = await q.query(`SELECT 1 FROM ${quoteIdent(t.name)} LIMIT 1`);
      if (has.length > 0) throw new TargetNotEmptyError(t.name);
    }
    const rows = await loadSections(q, header, byName, it);
    for (const name of header.tables) await resetSequences(q, byName.get(name)!);
    return { header, rows };
  });
}

function migrationMismatch(dump: string[], target: string[]): string {
  const onlyDump = dump.filter((m) => !target.includes(m));
  const onlyTarget = target.filter((m) => !dump.includes(m));
  if (onlyDump.length > 0) {
    return (
      `The dump comes from a newer Outdial (migrations ${onlyDump.join(', ')} are unknown here): ` +
      'import it with the version that exported it, or a later one'
    );
  }
  return (
    `The dump was taken before migrations ${onlyTarget.join(', ')}: start the exporting ` +
    'installation once with this version of Outdial (or run `outdial migrate` there), then export again'
  );
}

async function loadSections(
  q: Queryable,
  header: DumpHeader,
  tables: Map<string, DumpTable>,
  it: AsyncIterator<string>,
): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  let current: { table: DumpTable; insert: string; count: number } | undefined;
  let pending: string[] = [];
  let pendingChars = 0;

  const flush = async () => {
    if (!current || pending.length === 0) return;
    const chunk = `[${pending.join(',')}]`;
    try {
      await q.query(current.insert, [chunk]);
    } catch (err) {
      throw new DumpFormatError(
        `Loading table ${current.table.name} failed (rows ${current.count - pending.length + 1}` +
          `–${current.count} of its section): ${(err as Error).message}`,
      );
    }
    pending = [];
    pendingChars = 0;
  };

  for (;;) {
    const next = await it.next();
    if (next.done) {
      throw new DumpFormatError(
        'The dump has no end marker: it is cut short (an export that did not finish?)',
      );
    }
    const line = classifyLine(next.value);
    if (line.kind === 'row') {
      if (!current) throw new DumpFormatError('A row comes before the first table section');
      pending.push(line.json);
      pendingChars += line.json.length;
      current.count++;
      if (pending.length >= LOAD_CHUNK_ROWS || pendingChars >= LOAD_CHUNK_CHARS) await flush();
      continue;
    }
    await flush();
    if (current) rows[current.table.name] = current.count;
    if (line.kind === 'table') {
      const expected = header.tables[Object.keys(rows).length];
      if (line.section.name !== expected) {
        throw new DumpFormatError(
          `Section ${line.section.name} is out of place (the header lists ${expected ?? 'no more tables'} next)`,
        );
      }
      const table = tables.get(line.section.name)!;
      checkColumns(table, line.section.columns);
      current = { table, insert: insertStatement(table), count: 0 };
      continue;
    }
    // The end marker: every section present, each with the rows it announced, nothing after it.
    current = undefined;
    const read = Object.keys(rows);
    if (read.length !== header.tables.length) {
      throw new DumpFormatError(
        `The dump ends before table ${header.tables[read.length]}: it is cut short`,
      );
    }
    for (const name of header.tables) {
      if (line.end.rows[name] !== rows[name]) {
        throw new DumpFormatError(
          `Table ${name} has ${rows[name]} rows in the dump but its end marker says ` +
            `${line.end.rows[name] ?? 'nothing'}: the file is damaged`,
        );
      }
    }
    const after = await it.next();
    if (!after.done) throw new DumpFormatError('The dump goes on after its end marker');
    return rows;
  }
}

function checkColumns(table: DumpTable, columns: string[]): void {
  const have = table.columns.map((c) => c.name);
  const extra = columns.filter((c) => !have.includes(c));
  const lacking = have.filter((c) => !columns.includes(c));
  if (extra.length > 0 || lacking.length > 0) {
    throw new DumpMismatchError(
      `Table ${table.name} differs between the dump and the target` +
        (extra.length > 0 ? `; only in the dump: ${extra.join(', ')}` : '') +
        (lacking.length > 0 ? `; only in the target: ${lacking.join(', ')}` : ''),
    );
  }
}

/**
 * One INSERT per chunk of rows: json_populate_record converts each value with the column's own
 * input function (exact for bigint, numeric, timestamps, bytea, arrays); json columns are
 * unwrapped from their one-element array instead. OVERRIDING SYSTEM VALUE keeps identity values.
 */
function insertStatement(t: DumpTable): string {
  const names = t.columns.map((c) => quoteIdent(c.name));
  const values = t.columns.map((c) =>
    c.json === null ? `p.${quoteIdent(c.name)}` : `((e.v -> ${sqlString(c.name)}) -> 0)::${c.json}`,
  );
  return (
    `INSERT INTO ${quoteIdent(t.name)} (${names.join(', ')}) OVERRIDING SYSTEM VALUE ` +
    `SELECT ${values.join(', ')} FROM json_array_elements($1::json) AS e(v), ` +
    `LATERAL json_populate_record(null::${quoteIdent(t.name)}, e.v) AS p`
  );
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Serial and identity sequences continue after the loaded values, not from 1. */
async function resetSequences(q: Queryable, t: DumpTable): Promise<void> {
  for (const c of t.columns) {
    if (c.sequence === null) continue;
    await q.query(
      `SELECT setval($1::regclass, m) FROM (SELECT max(${quoteIdent(c.name)}) AS m FROM ${quoteIdent(t.name)}) x
        WHERE m IS NOT NULL`,
      [c.sequence],
    );
  }
}
