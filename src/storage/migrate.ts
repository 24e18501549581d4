import { readdir, readFile } from 'node:fs/promises';
import { MIGRATION_LOCK } from './advisory-locks.js';
import type { Db } from './db.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

export interface Migration {
  name: string;
  sql: string;
}

export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (name) => ({
      name,
      sql: await readFile(new URL(name, MIGRATIONS_DIR), 'utf8'),
    })),
  );
}

/**
 * Applies pending migrations, one transaction per file, under an advisory lock so that processes
 * starting together apply each file exactly once. Returns the names applied now.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations());
  const applied: string[] = [];
  for (const m of all) {
    const done = await db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await q.query(
        'CREATE TABLE IF NOT EXISTS outdial_migrations (name text PRIMARY KEY, applied_at bigint NOT NULL)',
      );
      const seen = await q.query('SELECT 1 FROM outdial_migrations WHERE name = $1', [m.name]);
      if (seen.length > 0) return false;
      await db.exec(q, m.sql);
      await q.query('INSERT INTO outdial_migrations (name, applied_at) VALUES ($1, $2)', [
        m.name,
        Date.now(),
      ]);
      return true;
    });
    if (done) applied.push(m.name);
  }
  return applied;
}

let known: Promise<Migration[]> | undefined;

/**
 * True when every known migration has been applied (readiness). A database that cannot be reached
 * throws; one without the ledger table is simply not migrated.
 */
export async function isMigrated(db: Db): Promise<boolean> {
  known ??= loadMigrations();
  const all = await known;
  const rows = await db
    .query<{ name: string }>('SELECT name FROM outdial_migrations')
    .catch((err: { code?: string }) => {
      if (err.code === '42P01') return [] as { name: string }[];
      throw err;
    });
  const have = new Set(rows.map((r) => r.name));
  return all.every((m) => have.has(m.name));
}
