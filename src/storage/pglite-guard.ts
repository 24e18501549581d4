import { closeSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { DatabaseFailedError, type DatabaseFailure } from './db.js';

// PGlite runs PostgreSQL in this thread and has no way out of a failed write. Its loop swallows
// whatever the WebAssembly throws and steps PostgreSQL again; after a write the disk refused
// (a WAL segment on a full disk), PostgreSQL holds its WAL write lock and the next commit spins
// on it forever, with the event loop blocked: a server that answers nothing. So the guard stops
// PostgreSQL at the first such write, before it sees the error:
// - every file operation of the data directory goes through emscripten's NODEFS.tryFSOperation;
//   an error the disk will not take back (no space, no quota, I/O error, read-only) marks the
//   database failed and throws a Halt instead of an errno, so no C code runs after it;
// - PGlite's protocol loop calls _PostgresMainLoopOnce and, for a thrown value whose `status` is
//   its longjmp code, _PostgresMainLongJmp. Once failed, both throw a Halt carrying that code, so
//   the loop leaves at once instead of stepping the broken backend (pinned PGlite 0.5.17: an
//   upgrade that changes that loop must keep test/storage/pglite-disk-full.test.ts passing);
// - a WebAssembly trap or abort() (how a PANIC ends) out of a step marks it failed too.
// Callers never wait on a failed instance: PgliteGuard.run rejects pending and later calls with
// DatabaseFailedError. What was committed before is on disk; the next start recovers it.

/** Errors of a data-directory write that leave PostgreSQL's files behind what it believes. */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
const DEVICE_FAILED_CODES = new Set(['EIO', 'EROFS']);

/** A WebAssembly trap or abort() (typed by the DOM library, which this project does not load). */
const WasmRuntimeError = (
  globalThis as unknown as { WebAssembly: { RuntimeError: abstract new () => Error } }
).WebAssembly.RuntimeError;

/** PGlite's own longjmp status (a private field of PGlite 0.5). */
const DEFAULT_LONGJMP_STATUS = 100;

/** Thrown through PostgreSQL's frames to leave them; PgliteGuard.run turns it into an error. */
class Halt extends Error {
  constructor(readonly status: number) {
    super('the embedded database was halted after a failure');
    this.name = 'Halt';
  }
}

/** The part of PGlite's emscripten module the guard wraps. */
interface PostgresModule {
  NODEFS: { tryFSOperation: <T>(op: () => T) => T };
  /** emscripten's open files; those on NODEFS hold a file descriptor of this process. */
  FS: { streams: Array<{ nfd?: unknown } | null | undefined> };
  _PostgresMainLoopOnce: () => unknown;
  _PostgresMainLongJmp: () => unknown;
  _PostgresSendReadyForQueryIfNecessary: () => void;
  _pgl_pq_flush: () => void;
}

interface EmscriptenFilesystem {
  init(pg: PGlite, opts: object): Promise<{ emscriptenOpts: { preRun?: unknown[] } }>;
}

const codeOf = (err: unknown) =>
  typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A thrown value that is a process exit (emscripten's ExitStatus), with its status. */
const exitStatusOf = (err: unknown): number | undefined =>
  typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number'
    ? err.status
    : undefined;

export class PgliteGuard {
  #failure: DatabaseFailure | undefined;
  #module: PostgresModule | undefined;
  readonly #pending = new Set<(err: Error) => void>();
  readonly #failed: Promise<DatabaseFailure>;
  #announce!: (failure: DatabaseFailure) => void;

  constructor() {
    this.#failed = new Promise((resolve) => {
      this.#announce = resolve;
    });
  }

  failure(): DatabaseFailure | undefined {
    return this.#failure;
  }

  whenFailed(): Promise<DatabaseFailure> {
    return this.#failed;
  }

  /** Marks the database failed (the first failure wins) and rejects every call in flight. */
  fail(reason: DatabaseFailure['reason'], detail: string): DatabaseFailure {
    if (this.#failure) return this.#failure;
    const failure: DatabaseFailure = { reason, detail, at: Date.now() };
    this.#failure = failure;
    for (const reject of this.#pending) reject(new DatabaseFailedError(failure));
    this.#pending.clear();
    this.#announce(failure);
    return failure;
  }

  /**
   * Runs one call into PGlite. Rejects at once when the database has failed, and as soon as it
   * fails while the call is pending, whatever PGlite does with it meanwhile.
   */
  run<T>(op: () => Promise<T>): Promise<T> {
    if (this.#failure) return Promise.reject(new DatabaseFailedError(this.#failure));
    return new Promise<T>((resolve, reject) => {
      this.#pending.add(reject);
      op()
        .then(resolve, (err: unknown) => reject(this.#settle(err)))
        .finally(() => this.#pending.delete(reject));
    });
  }

  /** What a failed call rejects with: the failure once there is one, else PostgreSQL's error. */
  #settle(err: unknown): unknown {
    if (this.#failure) return new DatabaseFailedError(this.#failure);
    const severity = typeof err === 'object' && err !== null && 'severity' in err && err.severity;
    if (severity === 'PANIC') {
      return new DatabaseFailedError(this.fail('crashed', `PANIC: ${messageOf(err)}`));
    }
    return err;
  }

  /** `fs`, made to install the guard in the PostgreSQL module it is started with. */
  watch<F extends EmscriptenFilesystem>(fs: F): F {
    const init = fs.init.bind(fs);
    fs.init = async (pg, opts) => {
      const out = await init(pg, opts);
      const longjmp =
        (pg as unknown as { POSTGRES_MAIN_LONGJMP?: number }).POSTGRES_MAIN_LONGJMP ??
        DEFAULT_LONGJMP_STATUS;
      const install = (mod: unknown) => this.#install(mod as PostgresModule, longjmp);
      const preRun = [...(out.emscriptenOpts.preRun ?? []), install];
      return { ...out, emscriptenOpts: { ...out.emscriptenOpts, preRun } };
    };
    return fs;
  }

  /**
   * Closes the files a failed PostgreSQL left open, without running any of its code (closing
   * through it would only halt): a process that goes on, a test, can then unmount the disk.
   */
  releaseFiles(): void {
    if (!this.#failure) return;
    const fds = new Set<number>();
    for (const stream of this.#module?.FS.streams ?? []) {
      if (typeof stream?.nfd === 'number') fds.add(stream.nfd);
    }
    for (const fd of fds) {
      try {
        closeSync(fd);
      } catch {
        // Already closed: nothing to give back.
      }
    }
    this.#module = undefined;
  }

  #install(mod: PostgresModule, longjmp: number): void {
    this.#module = mod;
    const halt = () => new Halt(longjmp);
    const nodefs = mod.NODEFS;
    const tryOperation = nodefs.tryFSOperation;
    nodefs.tryFSOperation = <T>(op: () => T): T =>
      tryOperation(() => {
        if (this.#failure) throw halt();
        try {
          return op();
        } catch (err) {
          const code = codeOf(err) ?? '';
          if (DISK_FULL_CODES.has(code)) this.fail('disk_full', messageOf(err));
          else if (DEVICE_FAILED_CODES.has(code)) this.fail('io_error', messageOf(err));
          else throw err;
          throw halt();
        }
      });

    const step = mod._PostgresMainLoopOnce;
    mod._PostgresMainLoopOnce = () => {
      if (this.#failure) throw halt();
      try {
        return step();
      } catch (err) {
        if (err instanceof Halt) throw err;
        if (err instanceof WasmRuntimeError || err instanceof RangeError) {
          this.fail('crashed', `PostgreSQL stopped: ${messageOf(err)}`);
          throw halt();
        }
        const status = exitStatusOf(err);
        if (status !== undefined && status !== longjmp) {
          this.fail('crashed', `PostgreSQL exited with status ${status}`);
          throw halt();
        }
        throw err;
      }
    };
    const longJump = mod._PostgresMainLongJmp;
    mod._PostgresMainLongJmp = () => {
      if (this.#failure) throw halt();
      return longJump();
    };
    // Called in a `finally` after the loop: nothing of a failed backend may run any more.
    const readyForQuery = mod._PostgresSendReadyForQueryIfNecessary;
    mod._PostgresSendReadyForQueryIfNecessary = () => {
      if (!this.#failure) readyForQuery();
    };
    const flush = mod._pgl_pq_flush;
    mod._pgl_pq_flush = () => {
      if (!this.#failure) flush();
    };
  }
}
