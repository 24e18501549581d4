import pg from 'pg';
import { type Db, type HeldLock, type Queryable, txSettings } from './db.js';

const typeParsers: Record<number, (x: string) => unknown> = {
  20: (x) => Number(x), // int8
  1700: (x) => Number(x), // numeric
};

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    typeParsers[oid] ??
    pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

// Parameterised queries run as named prepared statements: each connection parses and plans a
// query text once, then only binds and executes it (most of a short query's cost otherwise).
// Statements that take arrays are the exception (see wrap).
const statementNames = new Map<string, string>();
const MAX_STATEMENTS = 2_000;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined) {
    if (statementNames.size >= MAX_STATEMENTS) return undefined;
    name = `outdial_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(text: string, params?: readonly unknown[]) {
      if (!params || params.length === 0) return (await client.query(text)).rows as R[];
      // A statement given arrays (the engine's set-based writes: UPDATE … FROM unnest(…)) is
      // planned on every execution: a plan cached once per connection was made for the table
      // sizes of that moment, and a join planned as a full scan of a nearly empty call_attempts
      // then scanned 100,000 rows for every group of finished calls.
      const name = params.some(Array.isArray) ? undefined : statementName(text);
      const res = await client.query(
        name === undefined ? { text, values: [...params] } : { name, text, values: [...params] },
      );
      return res.rows as R[];
    },
  };
}

export interface PgOptions {
  max?: number;
  /** A connection failed (the server restarted, the network dropped). Never throws at the caller. */
  onError?: (err: Error) => void;
  /** The first statement that succeeded after onError: the database is reachable again. */
  onRestore?: () => void;
}

/**
 * Session lock `key` on a client of its own, or undefined when another session holds it. The
 * lock lives as long as the client: a broken connection releases it on the server.
 */
async function holdLock(url: string, key: number): Promise<HeldLock | undefined> {
  const client = new pg.Client({ connectionString: url });
  let lose!: () => void;
  const lost = new Promise<void>((resolve) => {
    lose = resolve;
  });
  client.on('error', () => lose());
  client.on('end', () => lose());
  try {
    await client.connect();
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
      key,
    ]);
    if (rows[0]?.ok) {
      return {
        lost,
        alive: () =>
          client.query('SELECT 1').then(
            () => true,
            () => false,
          ),
        release: async () => {
          await client.end().catch(() => {});
        },
      };
    }
  } catch {
    // Not reachable now: not the holder. The caller tries again later.
  }
  await client.end().catch(() => {});
  return undefined;
}

/** A pooled PostgreSQL connection. LISTEN runs on one dedicated client that reconnects itself. */
export async function openPostgres(url: string, opts: PgOptions = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, types });
  // Down from the first connection error until a statement succeeds again: each outage is reported
  // once each way, however many connections it broke.
  let down = false;
  const failed = (err: Error) => {
    down = true;
    opts.onError?.(err);
  };
  const succeeded = () => {
    if (!down) return;
    down = false;
    opts.onRestore?.();
  };
  // An idle client losing its server (restart, network) must not crash the process.
  pool.on('error', failed);
  await pool.query('SELECT 1');

  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listenClient: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;

  const connectListener = (): Promise<void> => {
    connecting ??= (async () => {
      while (!closed) {
        const client = new pg.Client({ connectionString: url });
        try {
          client.on('error', (err) => {
            failed(err);
            if (listenClient === client) listenClient = undefined;
            client.end().catch(() => {});
            if (!closed) setTimeout(() => void connectListener().catch(() => {}), 500);
          });
          client.on('notification', (msg) => {
            for (const h of listeners.get(msg.channel) ?? []) h(msg.payload ?? '');
          });
          await client.connect();
          for (const channel of listeners.keys()) await client.query(`LISTEN "${channel}"`);
          listenClient = client;
          return;
        } catch (err) {
          failed(err as Error);
          await client.end().catch(() => {});
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  const pooled = wrap(pool);
  return {
    kind: 'postgres',
    async query<R>(text: string, params?: readonly unknown[]) {
      const rows = await pooled.query<R>(text, params);
      succeeded();
      return rows;
    },
    async tx(fn, opts) {
      const settings = txSettings(opts);
      const client = await pool.connect();
      // pg-pool drops its own 'error' listener while a client is checked out: without this one a
      // server restart mid-transaction is an unhandled 'error' event, which ends the process.
      let broken: Error | undefined;
      const onClientError = (err: Error) => {
        broken = err;
        failed(err);
      };
      client.on('error', onClientError);
      try {
        // Without parameters this is the simple protocol, which takes several statements at once.
        await client.query(settings ? `BEGIN; ${settings}` : 'BEGIN');
        const out = await fn(wrap(client));
        await client.query('COMMIT');
        succeeded();
        return out;
      } catch (err) {
        if (!broken) {
          await client.query('ROLLBACK').catch((rollbackErr: Error) => {
            broken = rollbackErr;
          });
        }
        throw err;
      } finally {
        client.off('error', onClientError);
        // A broken client is destroyed, not returned to the pool for the next transaction.
        client.release(broken);
      }
    },
    async exec(q, script) {
      await q.query(script);
    },
    async listen(channel, handler) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        if (listenClient) await listenClient.query(`LISTEN "${channel}"`);
      }
      set.add(handler);
      if (!listenClient) await connectListener();
      return async () => {
        set.delete(handler);
      };
    },
    async notify(channel, payload = '') {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    tryHoldLock: (key) => holdLock(url, key),
    async close() {
      closed = true;
      await listenClient?.end().catch(() => {});
      await pool.end();
    },
  };
}
