import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseFailedError, type DatabaseFailure } from './db.js';

const SCRIPT = fileURLToPath(new URL('./pglite-initdb.cjs', import.meta.url));
const resolve = createRequire(import.meta.url).resolve;

/** Whether `dir` holds nothing yet (or does not exist): a cluster is created there, apart. */
function isEmpty(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/** What the child said on its last stderr line, when it is the JSON it writes on a failure. */
function failureOf(stderr: string): Partial<DatabaseFailure> {
  const last = stderr.trimEnd().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Partial<DatabaseFailure>;
  } catch {
    return { detail: last };
  }
}

/**
 * Creates the embedded cluster of an empty `dataDir` in a child process (pglite-initdb.cjs), so
 * the memory initdb takes leaves with it, then moves it into place: a start that dies meanwhile
 * leaves no half-made cluster where the next start would look. An existing cluster is left as it
 * is. A disk that refuses the writes rejects with DatabaseFailedError, as a failure of the
 * running database would.
 */
export async function createClusterApart(dataDir: string, conf: readonly string[]): Promise<void> {
  if (!isEmpty(dataDir)) return;
  const staging = `${dataDir}.creating`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
      (done, fail) => {
        const modules = [resolve('@electric-sql/pglite'), resolve('@electric-sql/pglite/nodefs')];
        const child = spawn(process.execPath, [SCRIPT, ...modules, staging, ...conf], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => {
          err += d;
        });
        child.on('error', fail);
        child.on('close', (c) => done({ code: c, stderr: err }));
      },
    );
    if (code === 75) {
      const f = failureOf(stderr);
      throw new DatabaseFailedError({
        reason: f.reason === 'io_error' ? 'io_error' : 'disk_full',
        detail: f.detail ?? 'the disk refused a write',
        at: Date.now(),
      });
    }
    if (code !== 0) {
      throw new Error(
        `Creating the embedded database in ${dataDir} failed (exit ${code}): ${failureOf(stderr).detail}`,
      );
    }
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(path.dirname(dataDir), { recursive: true });
    renameSync(staging, dataDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
