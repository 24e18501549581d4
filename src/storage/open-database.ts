import type { DatabaseTarget } from '../config.js';
import { lockDataDir } from './data-dir-lock.js';
import { DatabaseFailedError, type Db } from './db.js';
import { migrate } from './migrate.js';

/**
 * A lock file the disk has no room for: the embedded database cannot start there, for the same
 * reason it would stop (the start on a disk that is still full says so the same way).
 */
function diskRefusal(err: unknown): DatabaseFailedError | undefined {
  const code = (err as { code?: unknown }).code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return undefined;
  const detail = err instanceof Error ? err.message : String(err);
  return new DatabaseFailedError({ reason: 'disk_full', detail, at: Date.now() });
}

export interface OpenOptions {
  migrate?: boolean;
  poolSize?: number;
  onError?: (err: Error) => void;
  onRestore?: () => void;
}

/**
 * Opens the configured database (taking the data-dir lock for embedded PGlite) and migrates it.
 * Only the driver it opens is loaded: `pg` alone is about 15 MB of an embedded server's memory.
 */
export async function openDatabase(target: DatabaseTarget, opts: OpenOptions = {}): Promise<Db> {
  let db: Db;
  if (target.kind === 'postgres') {
    const { openPostgres } = await import('./pg-adapter.js');
    db = await openPostgres(target.url, {
      ...(opts.poolSize === undefined ? {} : { max: opts.poolSize }),
      ...(opts.onError === undefined ? {} : { onError: opts.onError }),
      ...(opts.onRestore === undefined ? {} : { onRestore: opts.onRestore }),
    });
  } else if (target.kind === 'pglite-memory') {
    db = await (await import('./pglite-adapter.js')).openPglite();
  } else {
    const { openPglite } = await import('./pglite-adapter.js');
    const unlock = await lockDataDir(target.dataDir).catch((err: unknown) => {
      throw diskRefusal(err) ?? err;
    });
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
