import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export class DataDirLockedError extends Error {
  constructor(
    message: string,
    /** The live process that holds the directory, when one does. */
    readonly owner?: number,
  ) {
    super(message);
  }
}

/** How long a start waits for a lock owner that may be exiting, and how often it looks. */
export const LOCK_WAIT_MS = 3_000;
const LOCK_POLL_MS = 50;

export const lockFileOf = (dataDir: string) => path.join(dataDir, 'outdial.lock');

/**
 * Whether `pid` is a process that still runs. A zombie (exited, not yet reaped by its parent:
 * right after a kill -9, or under a parent that never reaps) holds nothing any more, although
 * signalling it still succeeds; Linux says so in /proc/<pid>/stat. Elsewhere, the signal decides.
 */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    // Gone between the two looks, or no /proc on this system.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' || !isLinux();
  }
  return !['Z', 'X', 'x'].includes(processState(stat));
}

const isLinux = () => process.platform === 'linux';

/** The state letter of a /proc/<pid>/stat line; the command name before it may hold ')'. */
export function processState(stat: string): string {
  return stat.slice(stat.lastIndexOf(')') + 1).trim()[0] ?? '';
}

/** The pid named by the lock file when that process still runs, else undefined. */
export function liveLockOwner(dataDir: string): number | undefined {
  let owner: number;
  try {
    owner = Number(readFileSync(lockFileOf(dataDir), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(owner) && owner > 0 && owner !== process.pid && processRuns(owner)
    ? owner
    : undefined;
}

/** Waits up to `waitMs` for `pid` to stop running; resolves whether it still runs. */
async function stillRunsAfter(pid: number, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (processRuns(pid)) {
    if (Date.now() >= deadline) return true;
    await sleep(LOCK_POLL_MS);
  }
  return false;
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt
 * it. The lock file holds the owner's pid; a lock left by a dead process (kill -9) is taken over.
 * An owner that still runs gets `waitMs` to exit first: right after a kill -9 the process may be
 * tearing down its memory, or waiting for its parent to reap it, and a restart then should not
 * be refused as "in use".
 */
export async function lockDataDir(
  dataDir: string,
  opts: { waitMs?: number } = {},
): Promise<() => void> {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFileOf(dataDir);
  for (let tries = 0; tries < 3; tries++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        // Ours if it exists (`wx`): created but not written (a full disk), it must not stay.
        rmSync(file, { force: true });
        throw err;
      }
      const owner = liveLockOwner(dataDir);
      if (owner !== undefined && (await stillRunsAfter(owner, opts.waitMs ?? LOCK_WAIT_MS))) {
        throw new DataDirLockedError(
          `The data directory ${dataDir} is in use by another Outdial process (pid ${owner}). ` +
            'Stop it first. To run several processes on one database, use PostgreSQL ' +
            '(DATABASE_URL=postgres://…).',
          owner,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new DataDirLockedError(`Could not lock the data directory ${dataDir}`);
}
