import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DatabaseFailure } from '../storage/db.js';
import { megabytesDown } from '../storage/disk-budget.js';
import { embeddedDataDir, freeBytesIn } from '../storage/disk-space.js';

// An embedded database that failed (a write the disk refused, a crash of PostgreSQL inside
// PGlite) cannot be used again by this process: PGlite has no way to reset it. The process exits
// instead of lingering: every request meanwhile gets a 503 at once, and a service manager
// (systemd, Docker, a process manager) starts it again; PostgreSQL's recovery at that start
// restores exactly what was committed.

/** EX_TEMPFAIL: a temporary failure; starting again (once the cause is gone) is the remedy. */
export const DATABASE_FAILED_EXIT_CODE = 75;

/**
 * How long the server goes on answering after a failure before it stops listening: requests
 * already sent, queued while a long statement held the event loop, get their 503 rather than a
 * reset connection.
 */
export const FAILURE_DRAIN_MS = 1_000;

/** Longest the whole stop after a failure may take before the process exits anyway. */
export const FAILURE_STOP_LIMIT_MS = 5_000;

const where = (dir: string | undefined) => (dir === undefined ? 'the database' : dir);

/** The one line that says what happened and what to do. */
export function failureNotice(
  failure: DatabaseFailure,
  dataDir: string | undefined,
  freeBytes: number | undefined,
): string {
  const free = freeBytes === undefined ? '' : ` (${megabytesDown(freeBytes)} MB free)`;
  const cause =
    failure.reason === 'disk_full'
      ? `the disk holding ${where(dataDir)} is full${free}`
      : failure.reason === 'io_error'
        ? `a write to ${where(dataDir)} failed (${failure.detail})`
        : `PostgreSQL inside it crashed (${failure.detail})`;
  const remedy =
    failure.reason === 'disk_full'
      ? 'free space on that disk, then start Outdial again'
      : failure.reason === 'io_error'
        ? 'check that disk, then start Outdial again'
        : 'start Outdial again';
  const kept =
    dataDir === undefined
      ? 'Its data was in memory (DATABASE_URL=memory://) and is lost'
      : 'Everything committed before the failure is kept; the request that hit it stored nothing';
  return (
    `the embedded database stopped: ${cause}. Outdial exits with code ` +
    `${DATABASE_FAILED_EXIT_CODE}: ${remedy} (npm start, or let your service manager restart ` +
    `it). ${kept}`
  );
}

/** Logs the failure notice, with the disk's free space when it can be read. */
export async function logDatabaseFailure(
  failure: DatabaseFailure,
  config: Pick<Config, 'database'>,
  log: Logger,
): Promise<void> {
  const dataDir = embeddedDataDir(config);
  const freeBytes =
    dataDir === undefined ? undefined : await freeBytesIn(dataDir).catch(() => undefined);
  log.fatal(
    {
      reason: failure.reason,
      detail: failure.detail,
      dataDir,
      exitCode: DATABASE_FAILED_EXIT_CODE,
    },
    failureNotice(failure, dataDir, freeBytes),
  );
}

/**
 * Once the database fails: logs the notice, answers for FAILURE_DRAIN_MS more (every request that
 * needs the database gets a 503 at once: nothing waits on it), stops the process's listeners and
 * engines, and exits with DATABASE_FAILED_EXIT_CODE, after FAILURE_STOP_LIMIT_MS at the latest.
 */
export async function exitOnDatabaseFailure(
  failure: DatabaseFailure,
  config: Pick<Config, 'database'>,
  log: Logger,
  stop: () => Promise<void>,
): Promise<never> {
  setTimeout(() => process.exit(DATABASE_FAILED_EXIT_CODE), FAILURE_STOP_LIMIT_MS);
  await logDatabaseFailure(failure, config, log);
  await sleep(FAILURE_DRAIN_MS);
  await stop().catch((err: unknown) => log.error({ err }, 'error while stopping'));
  process.exit(DATABASE_FAILED_EXIT_CODE);
}
