// The PostgreSQL server the benches run against: one fresh database per run, dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { onCleanup } from './cleanup.js';
import { note } from './figures.js';

/** A superuser connection to an existing database of the server (trust auth by default). */
export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export class BenchSetupError extends Error {}

const where = (url) => new URL(url).host;

async function admin() {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new BenchSetupError(
      `PostgreSQL is not reachable at ${where(ADMIN_URL)} (${err.code ?? err.message}). ` +
        'The benchmarks need a PostgreSQL 15+ server: start one, or point BENCH_DATABASE_URL at ' +
        'a superuser connection (e.g. postgres://postgres@127.0.0.1:5432/postgres).',
    );
  }
  return client;
}

/**
 * Creates an empty database for this run and registers its removal. Returns its URL; the
 * server under test migrates it on start.
 */
export async function createRunDatabase() {
  const name = `outdial_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const client = await admin();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  onCleanup(() => dropDatabase(name));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  note(`created database ${name} on ${where(ADMIN_URL)}`);
  return { name, url: url.toString() };
}

async function dropDatabase(name) {
  const client = await admin();
  try {
    // FORCE: a server killed mid-request may leave sessions behind (PostgreSQL 13+).
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    note(`dropped database ${name}`);
  } finally {
    await client.end();
  }
}

/** A single client on the run database (COPY baseline, checkpoints); the caller ends it. */
export async function connect(url) {
  const client = new pg.Client({ connectionString: url });
  // Dropping the database on Ctrl-C ends this session from the server side: not a crash.
  client.on('error', () => {});
  await client.connect();
  return client;
}
