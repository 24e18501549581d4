import type { DatabaseTarget } from '../config.js';
import { lockDataDir } from './data-dir-lock.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { openPostgres } from './pg-adapter.js';
import { openPglite } from './pglite-adapter.js';

export interface OpenOptions {
  migrate?: boolean;
  poolSize?: number;
  onError?: (err: Error) => void;
  onRestore?: () => void;
}

/** Opens the configured database (taking the data-dir lock for embedded PGlite) and migrates it. */
export async function openDatabase(target: DatabaseTarget, opts: OpenOptions = {}): Promise<Db> {
  let db: Db;
  if (target.kind === 'postgres') {
    db = await openPostgres(target.url, {
      ...(opts.poolSize === undefined ? {} : { max: opts.poolSize }),
      ...(opts.onError === undefined ? {} : { onError: opts.onError }),
      ...(opts.onRestore === undefined ? {} : { onRestore: opts.onRestore }),
    });
  } else if (target.kind === 'pglite-memory') {
    db = await openPglite();
  } else {
    const unlock = await lockDataDir(target.dataDir);
    try {
      const inner = await openPglite(`${target.dataDir}/pgdata`);
      db = {
        ...inner,
        close: async () => {
          try {
            await inner.close();
          } finally {
            unlock();
          }
        },
      };
    } catch (err) {
      unlock();
      throw err;
    }
  }
  if (opts.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}
