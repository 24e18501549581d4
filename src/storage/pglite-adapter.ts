import { MemoryFS, PGlite, types } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { type Db, type HeldLock, type Queryable, txSettings } from './db.js';
import { PgliteGuard } from './pglite-guard.js';
import { createClusterApart } from './pglite-initdb.js';

const parsers = {
  [types.INT8]: (x: string) => Number(x),
  [types.NUMERIC]: (x: string) => Number(x),
};

interface PgliteQueryable {
  query<R>(
    text: string,
    params?: unknown[],
    opts?: { parsers: typeof parsers },
  ): Promise<{ rows: R[] }>;
  exec(text: string): Promise<unknown>;
}

function wrap(q: PgliteQueryable, guard: PgliteGuard): Queryable & { raw: PgliteQueryable } {
  return {
    raw: q,
    async query<R>(text: string, params?: readonly unknown[]) {
      // Constructor-level parsers do not cover every type in this PGlite version; per query they do.
      const res = await guard.run(() => q.query<R>(text, params ? [...params] : [], { parsers }));
      return res.rows;
    },
  };
}

/**
 * PostgreSQL's settings inside PGlite. The default 128 MB of shared buffers is most of an idle
 * server's memory; the data files are read through the operating system's page cache anyway, so a
 * smaller pool costs little (docs/benchmarks.md, embedded_memory and dispatch_embedded).
 */
export const POSTGRESQL_CONF = ['shared_buffers=16MB'] as const;

export interface PgliteDb extends Db {
  /** A tarball of the whole data directory (backups, test templates). */
  dumpDataDir(): Promise<Blob>;
}

/**
 * Opens PGlite in `dataDir`, or in memory when `dataDir` is undefined; `loadDataDir` starts it
 * from a tarball made by dumpDataDir instead of an empty cluster. A write the disk refuses, or a
 * crash of PostgreSQL inside PGlite, fails the database for good (see pglite-guard.ts): every
 * call then rejects at once with DatabaseFailedError, and `whenFailed` resolves.
 */
export async function openPglite(dataDir?: string, loadDataDir?: Blob): Promise<PgliteDb> {
  if (dataDir !== undefined && !loadDataDir) await createClusterApart(dataDir, POSTGRESQL_CONF);
  const guard = new PgliteGuard();
  const fs = guard.watch(dataDir === undefined ? new MemoryFS() : new NodeFS(dataDir));
  const pg = new PGlite({
    fs,
    parsers,
    postgresqlconf: [...POSTGRESQL_CONF],
    ...(loadDataDir ? { loadDataDir } : {}),
  });
  await guard
    .run(() => pg.waitReady)
    .catch((err: unknown) => {
      // Failed while it started (recovery on a full disk): nothing may keep its files open.
      guard.releaseFiles();
      throw err;
    });
  const root = wrap(pg as unknown as PgliteQueryable, guard);
  // One connection, and one process per data directory: a session lock is a lock of this
  // instance's, held in memory.
  const held = new Map<number, () => void>();
  return {
    kind: 'pglite',
    query: root.query,
    tx: (fn, opts) => {
      const settings = txSettings(opts);
      return guard.run(() =>
        pg.transaction(async (t) => {
          const q = wrap(t as unknown as PgliteQueryable, guard);
          for (const statement of settings?.split('; ') ?? []) await q.query(statement);
          return fn(q);
        }),
      );
    },
    async exec(q, script) {
      const raw = (q as Partial<ReturnType<typeof wrap>>).raw ?? (pg as unknown as PgliteQueryable);
      await guard.run(() => raw.exec(script));
    },
    async listen(channel, handler) {
      const unlisten = await guard.run(() => pg.listen(channel, handler));
      return async () => {
        if (!pg.closed && !guard.failure()) await guard.run(() => unlisten());
      };
    },
    async notify(channel, payload = '') {
      await root.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async tryHoldLock(key): Promise<HeldLock | undefined> {
      if (held.has(key)) return undefined;
      let lose!: () => void;
      const lost = new Promise<void>((resolve) => {
        lose = resolve;
      });
      const release = () => {
        if (held.get(key) === release) held.delete(key);
        lose();
      };
      held.set(key, release);
      return {
        lost,
        // A failed database leads nothing: its lock is as good as lost.
        alive: async () => held.get(key) === release && !guard.failure(),
        release: async () => release(),
      };
    },
    async close() {
      for (const release of [...held.values()]) release();
      // A failed PostgreSQL cannot checkpoint: what it committed is recovered at the next start.
      if (guard.failure()) guard.releaseFiles();
      else if (!pg.closed) await guard.run(() => pg.close());
    },
    failure: () => guard.failure(),
    whenFailed: () => guard.whenFailed(),
    dumpDataDir: async () => {
      const dump = await guard.run(() => pg.dumpDataDir('none'));
      return dump instanceof Blob ? dump : new Blob([dump]);
    },
  };
}
