import { PGlite, types } from '@electric-sql/pglite';
import type { Db, HeldLock, Queryable } from './db.js';

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

function wrap(q: PgliteQueryable): Queryable & { raw: PgliteQueryable } {
  return {
    raw: q,
    async query<R>(text: string, params?: readonly unknown[]) {
      // Constructor-level parsers do not cover every type in this PGlite version; per query they do.
      const res = await q.query<R>(text, params ? [...params] : [], { parsers });
      return res.rows;
    },
  };
}

export interface PgliteDb extends Db {
  /** A tarball of the whole data directory (backups, test templates). */
  dumpDataDir(): Promise<Blob>;
}

/**
 * Opens PGlite in `dataDir`, or in memory when `dataDir` is undefined; `loadDataDir` starts it
 * from a tarball made by dumpDataDir instead of an empty cluster.
 */
export async function openPglite(dataDir?: string, loadDataDir?: Blob): Promise<PgliteDb> {
  const pg = new PGlite(dataDir, { parsers, ...(loadDataDir ? { loadDataDir } : {}) });
  await pg.waitReady;
  const root = wrap(pg as unknown as PgliteQueryable);
  // One connection, and one process per data directory: a session lock is a lock of this
  // instance's, held in memory.
  const held = new Map<number, () => void>();
  return {
    kind: 'pglite',
    query: root.query,
    tx: (fn) => pg.transaction((t) => fn(wrap(t as unknown as PgliteQueryable))),
    async exec(q, script) {
      const raw = (q as Partial<ReturnType<typeof wrap>>).raw ?? (pg as unknown as PgliteQueryable);
      await raw.exec(script);
    },
    async listen(channel, handler) {
      const unlisten = await pg.listen(channel, handler);
      return async () => {
        if (!pg.closed) await unlisten();
      };
    },
    async notify(channel, payload = '') {
      await pg.query('SELECT pg_notify($1, $2)', [channel, payload]);
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
      return { lost, alive: async () => held.get(key) === release, release: async () => release() };
    },
    async close() {
      for (const release of [...held.values()]) release();
      if (!pg.closed) await pg.close();
    },
    dumpDataDir: async () => {
      const dump = await pg.dumpDataDir('none');
      return dump instanceof Blob ? dump : new Blob([dump]);
    },
  };
}
