import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, unlinkSync } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { type DatabaseTarget, loadConfig } from '../config.js';
import { DataDirLockedError } from '../storage/data-dir-lock.js';
import type { Db } from '../storage/db.js';
import { DumpFormatError, dumpLines } from '../storage/dump-format.js';
import {
  DumpMismatchError,
  type DumpSummary,
  exportDump,
  importDump,
  TargetNotEmptyError,
} from '../storage/dump-repo.js';
import { openDatabase } from '../storage/open-database.js';
import { CliError } from './cli-error.js';

// `outdial export-db` and `outdial import-db`: the whole database to one file and back, so an
// embedded install can be backed up or moved to PostgreSQL (docs/backup.md).

const STDIO = '-';

function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'postgres') return `PostgreSQL ${target.url.split('@').pop()}`;
  if (target.kind === 'pglite-dir') return `the embedded database in ${target.dataDir}`;
  return 'an in-memory database';
}

async function openTarget(target: DatabaseTarget, verb: 'export' | 'import'): Promise<Db> {
  if (target.kind === 'pglite-memory') {
    throw new CliError(
      `DATABASE_URL=memory:// keeps nothing between runs: there is nothing to ${verb}`,
    );
  }
  if (
    verb === 'export' &&
    target.kind === 'pglite-dir' &&
    !existsSync(path.join(target.dataDir, 'pgdata', 'PG_VERSION'))
  ) {
    throw new CliError(
      `No embedded database in ${target.dataDir}: set OUTDIAL_DATA_DIR to its directory, or ` +
        'DATABASE_URL to the PostgreSQL database to export',
    );
  }
  try {
    // Export reads the database as it is: a backup must not change what it backs up.
    return await openDatabase(target, { migrate: verb === 'import', poolSize: 2 });
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new CliError(
        `Cannot ${verb} the embedded database while a server uses it: stop the server first. ` +
          err.message,
      );
    }
    throw err;
  }
}

const counts = (s: DumpSummary) => ({
  tables: s.rows,
  rows: Object.values(s.rows).reduce((a, b) => a + b, 0),
});

/** Writes to a stream, waiting whenever it is full, so memory holds one fetch at most. */
function writerFor(stream: Writable): (text: string) => Promise<void> {
  return async (text) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
}

export async function exportDb(out: string): Promise<void> {
  const config = loadConfig();
  const started = Date.now();
  const db = await openTarget(config.database, 'export');
  const dump = (write: (text: string) => Promise<void>) =>
    exportDump(db, write).catch((err: unknown) => {
      if (err instanceof DumpMismatchError) throw new CliError(err.message);
      throw err;
    });
  try {
    if (out === STDIO) {
      const summary = await dump(writerFor(process.stdout));
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(
        `${JSON.stringify({ out: STDIO, ...counts(summary), seconds }, null, 2)}\n`,
      );
      return;
    }
    const file = path.resolve(out);
    const summary = await writeAtomically(file, dump);
    const seconds = (Date.now() - started) / 1000;
    const bytes = (await stat(file)).size;
    process.stdout.write(
      `${JSON.stringify({ out: file, ...counts(summary), bytes, seconds }, null, 2)}\n`,
    );
  } finally {
    await db.close();
  }
}

/**
 * The dump holds key hashes and contacts' phone numbers: it is created 0600. It is written under a
 * temporary name and renamed only once complete and on disk, so an export that is interrupted
 * never leaves a file under the requested name. A name ending in .gz is compressed.
 */
async function writeAtomically<T>(
  file: string,
  produce: (write: (text: string) => Promise<void>) => Promise<T>,
): Promise<T> {
  const partial = `${file}.partial-${process.pid}`;
  // flush: the data is on disk (fsync) before the stream closes, hence before the rename.
  const fileStream = createWriteStream(partial, { flags: 'wx', mode: 0o600, flush: true });
  try {
    await once(fileStream, 'open');
  } catch (err) {
    throw new CliError(`Cannot write ${file}: ${(err as Error).message}`);
  }
  // Ctrl-C mid-export: the partial file goes too (synchronously, the process exits next).
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      unlinkSync(partial);
    } catch {
      // already gone
    }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const gzip = file.endsWith('.gz') ? createGzip() : undefined;
  const head: Writable = gzip ?? fileStream;
  const done = gzip ? pipeline(gzip, fileStream) : finished(fileStream);
  // A failing file (disk full) must stop the export rather than leave it waiting for 'drain'.
  const failed = new Promise<never>((_, reject) => {
    done.catch(reject);
  });
  failed.catch(() => {});
  try {
    const result = await Promise.race([produce(writerFor(head)), failed]);
    head.end();
    await done;
    await rename(partial, file);
    return result;
  } catch (err) {
    head.destroy();
    fileStream.destroy();
    await done.catch(() => {});
    await unlink(partial).catch(() => {});
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Bytes of the dump, gunzipped when they start with the gzip magic number. */
async function* decompressed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  async function* all() {
    yield first.value as Buffer;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value as Buffer;
  }
  const head = first.value as Buffer;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    const raw = Readable.from(all());
    raw.once('error', (err) => gunzip.destroy(err));
    yield* raw.pipe(gunzip);
  } else {
    yield* all();
  }
}

export async function importDb(input: string): Promise<void> {
  const config = loadConfig();
  const started = Date.now();
  let source: AsyncIterable<Buffer>;
  if (input === STDIO) {
    source = process.stdin;
  } else {
    const file = path.resolve(input);
    if (!existsSync(file)) throw new CliError(`No file ${file}`);
    source = createReadStream(file);
  }
  const db = await openTarget(config.database, 'import');
  try {
    const summary = await importDump(db, dumpLines(decompressed(source))).catch((err: unknown) => {
      if (
        err instanceof TargetNotEmptyError ||
        err instanceof DumpMismatchError ||
        err instanceof DumpFormatError
      ) {
        throw new CliError(`${err.message}. Nothing was imported.`);
      }
      throw err;
    });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `${JSON.stringify(
        {
          in: input === STDIO ? STDIO : path.resolve(input),
          into: describeTarget(config.database),
          exportedAt: summary.header.createdAt,
          ...counts(summary),
          seconds,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await db.close();
  }
}
