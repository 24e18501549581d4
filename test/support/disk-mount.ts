import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Small real disks for the disk-full tests: a tmpfs mounted by the test, so writes fail with a
// real ENOSPC. Mounting needs root (CI runs as root): elsewhere the tests are skipped loudly,
// and under CI=true a disk that cannot be mounted fails the run.

export interface SmallDisk {
  /** The mount point (empty at first). */
  dir: string;
  /** Bytes an unprivileged process may still write there. */
  freeBytes(): number;
  /** Grows (or shrinks, down to what is used) the disk, as freeing space would. */
  resize(sizeMb: number): void;
  /** Writes a file that leaves about `leaveBytes` free. */
  fill(leaveBytes: number): void;
  /** Unmounts and removes the mount point; safe to call twice. */
  remove(): void;
}

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });

/** Mounts a tmpfs of `sizeMb`, owned by `owner` (a user name) when given. */
export function mountSmallDisk(sizeMb: number, owner?: string): SmallDisk {
  const dir = mkdtempSync(path.join(tmpdir(), 'outdial-disk-'));
  const ids = owner
    ? `,uid=${run('id', ['-u', owner]).toString().trim()},gid=${run('id', ['-g', owner]).toString().trim()},mode=0700`
    : '';
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m${ids}`, 'tmpfs', dir]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let mounted = true;
  const fillers: string[] = [];
  return {
    dir,
    freeBytes() {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    },
    resize(mb) {
      run('mount', ['-o', `remount,size=${mb}m`, dir]);
    },
    fill(leaveBytes) {
      const file = path.join(dir, `filler-${fillers.length}`);
      const bytes = Math.max(0, this.freeBytes() - leaveBytes);
      writeFileSync(file, Buffer.alloc(bytes));
      fillers.push(file);
    },
    remove() {
      if (!mounted) return;
      mounted = false;
      // A process that just exited may still be closing files there: retry briefly.
      for (let i = 0; ; i++) {
        try {
          run('umount', [dir]);
          break;
        } catch (err) {
          if (i >= 20) throw err;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let mountable: boolean | undefined;

/**
 * Whether this process may mount a tmpfs. Under CI=true it must: a refusal fails the run.
 * Otherwise a refusal is reported loudly and the caller skips its tests.
 */
export function canMountSmallDisk(): boolean {
  if (mountable !== undefined) return mountable;
  try {
    mountSmallDisk(1).remove();
    mountable = true;
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err);
    if (process.env['CI'] === 'true') {
      throw new Error(`the disk-full tests need to mount a tmpfs (run as root): ${why}`);
    }
    console.warn(`\n*** SKIPPING disk-full tests: cannot mount a tmpfs (${why}) ***\n`);
    mountable = false;
  }
  return mountable;
}
