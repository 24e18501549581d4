import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Queryable } from './db.js';

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

/** Opens PGlite in `dataDir`, or in memory when `dataDir` is undefined. */
export async function openPglite(dataDir?: string): Promise<Db> {
  const pg = new PGlite(dataDir, { parsers });
  await pg.waitReady;
  const root = wrap(pg as unknown as PgliteQueryable);
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
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}
