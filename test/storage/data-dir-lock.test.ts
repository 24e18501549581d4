// The data directory's lock against real processes: a dead owner (kill -9) left unreaped, an
// owner that exits within the wait, and a live owner, which alone is refused.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DataDirLockedError,
  lockDataDir,
  lockFileOf,
  processRuns,
  processState,
} from '../../src/storage/data-dir-lock.js';
import { tempDir, waitUntil } from '../support/cli.js';

const linux = process.platform === 'linux';

describe('data directory lock', () => {
  const dirs: Array<{ remove(): void }> = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const d of dirs.splice(0)) d.remove();
  });
  const lockedBy = (pid: number) => {
    const d = tempDir('outdial-lock-');
    dirs.push(d);
    writeFileSync(lockFileOf(d.dir), String(pid));
    return d.dir;
  };
  const child = (cmd: string, args: string[]) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(c);
    return c;
  };

  it('reads the state after the last parenthesis of /proc/<pid>/stat', () => {
    expect(processState('123 (node) S 1 123 123 0 -1')).toBe('S');
    expect(processState('123 (a) Z (b)) Z 1 123')).toBe('Z');
  });

  (linux ? it : it.skip)(
    'takes over at once from a killed owner its parent has not reaped yet (a zombie)',
    async () => {
      // `sleep` never reaps: once killed, its child stays a zombie until the parent goes.
      const parent = child('sh', ['-c', 'sleep 1000 & echo $!; exec sleep 1000']);
      const [out] = (await once(parent.stdout!, 'data')) as [Buffer];
      const zombie = Number(out.toString().trim());
      // Only once the shell has become `sleep`: the shell itself might reap its child.
      await waitUntil('the shell to exec sleep', () =>
        readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim() === 'sleep' ? true : undefined,
      );
      process.kill(zombie, 'SIGKILL');
      await waitUntil('the zombie', () =>
        processState(readFileSync(`/proc/${zombie}/stat`, 'utf8')) === 'Z' ? true : undefined,
      );
      // It can still be signalled: only its state says it is dead.
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(processRuns(zombie)).toBe(false);

      const dir = lockedBy(zombie);
      const started = Date.now();
      const unlock = await lockDataDir(dir, { waitMs: 20_000 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(readFileSync(lockFileOf(dir), 'utf8')).toBe(String(process.pid));
      unlock();
    },
  );

  it('waits for an owner that exits during the wait, then takes the lock', async () => {
    const exiting = child(process.execPath, ['-e', 'setTimeout(() => {}, 1500)']);
    const dir = lockedBy(exiting.pid!);
    const started = Date.now();
    const unlock = await lockDataDir(dir, { waitMs: 30_000 });
    expect(processRuns(exiting.pid!)).toBe(false);
    // It did wait: the owner ran for 1.5 s after it was started.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(readFileSync(lockFileOf(dir), 'utf8')).toBe(String(process.pid));
    unlock();
  });

  it('refuses an owner still running after the wait, naming its pid', async () => {
    const live = child('sleep', ['1000']);
    const dir = lockedBy(live.pid!);
    const started = Date.now();
    const err = await lockDataDir(dir, { waitMs: 400 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as DataDirLockedError).owner).toBe(live.pid);
    expect((err as Error).message).toContain(
      `is in use by another Outdial process (pid ${live.pid})`,
    );
    // Another directory would be another database: never the advice.
    expect((err as Error).message).not.toContain('OUTDIAL_DATA_DIR');
    expect(readFileSync(lockFileOf(dir), 'utf8')).toBe(String(live.pid));
  });
});
