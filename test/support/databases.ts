import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { describe, inject } from 'vitest';
import type { Db } from '../../src/storage/db.js';
import { migrate } from '../../src/storage/migrate.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { openPglite } from '../../src/storage/pglite-adapter.js';

export type Backend = 'pglite' | 'postgres';

export const TEST_DATABASE_URL =
  process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let reachable: Promise<boolean> | undefined;

/** Whether the test PostgreSQL answers. Under CI=true an unreachable server is a failure. */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (err) {
      if (process.env['CI'] === 'true') {
        throw new Error(`PostgreSQL at ${TEST_DATABASE_URL} is required under CI: ${err}`);
      }
      console.warn(
        `\n*** SKIPPING PostgreSQL tests: ${TEST_DATABASE_URL} unreachable (${err}) ***\n`,
      );
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Drops a test database. DROP DATABASE waits for a checkpoint of the whole shared server, and a
 * checkpoint that fails for a moment (seen once in CI: a full disk, or the disk-full test's full
 * tablespace, are ways to it) fails the drop with it: retried for a while, since cleaning up must
 * not fail a test for what its neighbours do.
 */
async function dropDatabase(name: string): Promise<void> {
  for (let pause = 500; ; pause *= 2) {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (err) {
      if (!/checkpoint request failed/.test(String(err)) || pause > 16_000) throw err;
    } finally {
      await c.end();
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** A fresh database URL on the test server, dropped by the returned function. */
export async function createPostgresDatabase(): Promise<{
  url: string;
  drop: () => Promise<void>;
}> {
  const name = `outdial_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: withDatabase(TEST_DATABASE_URL, name),
    drop: () => dropDatabase(name),
  };
}

export interface TestDb {
  db: Db;
  /** Only for postgres: the URL of this test's own database (for child processes). */
  url?: string;
  close(): Promise<void>;
}

let template: Promise<Blob> | undefined;

function pgliteTemplate(): Promise<Blob> {
  template ??= readFile(inject('pgliteTemplate')).then((buf) => new Blob([buf]));
  return template;
}

/** A migrated, empty database of the given backend, private to the caller. */
export async function createTestDb(backend: Backend): Promise<TestDb> {
  if (backend === 'pglite') {
    const db = await openPglite(undefined, await pgliteTemplate());
    // The template is migrated already; this checks it is current (and is a no-op).
    await migrate(db);
    return { db, close: () => db.close() };
  }
  const { url, drop } = await createPostgresDatabase();
  const db = await openPostgres(url, { max: 5 });
  await migrate(db);
  return {
    db,
    url,
    close: async () => {
      await db.close();
      await drop();
    },
  };
}

const pgOk = await postgresReachable();

/** Declares the suite once per backend; PostgreSQL is skipped loudly when unreachable outside CI. */
export function describeEachDb(name: string, fn: (backend: Backend) => void): void {
  describe(`${name} [pglite]`, () => fn('pglite'));
  (pgOk ? describe : describe.skip)(`${name} [postgres]`, () => fn('postgres'));
}
