// The storage port: everything above it is identical on PostgreSQL and on embedded PGlite.
// Adapters normalise driver differences: int8 and numeric arrive as JS numbers, jsonb as values.

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export type DbKind = 'pglite' | 'postgres';

/** A session-level advisory lock held on a connection of its own. */
export interface HeldLock {
  /** Resolves when the lock was lost with its connection (or released). */
  readonly lost: Promise<void>;
  /** Whether the connection holding the lock still answers (false: it is lost). */
  alive(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Why the embedded database stopped for good: a write the disk refused (`disk_full`: no space or
 * quota left; `io_error`: the device failed or went read-only), or PostgreSQL itself crashed
 * inside PGlite (`crashed`: a PANIC, a WebAssembly trap). PGlite cannot be used again after any
 * of them; what was committed before is on disk and recovered by the next start.
 */
export interface DatabaseFailure {
  reason: 'disk_full' | 'io_error' | 'crashed';
  /** For the log: what failed, in PostgreSQL's or the operating system's words. */
  detail: string;
  /** Epoch ms (wall clock). */
  at: number;
}

/** Every call on a database that has failed rejects with this, at once. */
export class DatabaseFailedError extends Error {
  readonly code = 'OUTDIAL_DATABASE_FAILED';
  constructor(readonly failure: DatabaseFailure) {
    super(`The embedded database has failed (${failure.reason}): ${failure.detail}`);
    this.name = 'DatabaseFailedError';
  }
}

/**
 * How a transaction's statements are planned, set as it begins, in the same round trip (for this
 * transaction only).
 */
export interface TxOptions {
  /** Never a whole-table scan where an index serves (`enable_seqscan` off). */
  keyedPlans?: boolean;
  /** An index walked in its order, never a bitmap of every matching row (`enable_bitmapscan` off). */
  orderedScans?: boolean;
}

/** The statements that set `opts` for a transaction just begun; undefined when none is asked. */
export function txSettings(opts?: TxOptions): string | undefined {
  const set = [
    ...(opts?.keyedPlans ? ['SET LOCAL enable_seqscan = off'] : []),
    ...(opts?.orderedScans ? ['SET LOCAL enable_bitmapscan = off'] : []),
  ];
  return set.length === 0 ? undefined : set.join('; ');
}

export interface Db extends Queryable {
  readonly kind: DbKind;
  /** Runs `fn` in one transaction (READ COMMITTED); rolls back if it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>, opts?: TxOptions): Promise<T>;
  /** Runs a multi-statement script (migrations), outside any implicit transaction of its own. */
  exec(q: Queryable, script: string): Promise<void>;
  /** Calls `handler` for every NOTIFY on `channel`; resolves to an unsubscribe function. */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload?: string): Promise<void>;
  /**
   * Takes advisory lock `key` for as long as the returned handle lives (a session lock on a
   * connection of its own: released if that connection is lost); undefined when it is held
   * elsewhere. How one process at a time leads (src/engine/maintenance/leadership.ts).
   */
  tryHoldLock(key: number): Promise<HeldLock | undefined>;
  close(): Promise<void>;
  /** Embedded only: why the database failed for good, once it has (never cleared). */
  failure?(): DatabaseFailure | undefined;
  /** Embedded only: resolves when the database fails for good (never, on a healthy run). */
  whenFailed?(): Promise<DatabaseFailure>;
}

const codeOf = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;

export const isUniqueViolation = (err: unknown) => codeOf(err) === '23505';

/** Errors worth retrying the whole transaction for: deadlocks and serialization failures. */
export const isTransientTxError = (err: unknown) => {
  const code = codeOf(err);
  return code === '40P01' || code === '40001';
};

/** PostgreSQL's `disk_full`: a write needed space the server's disk does not have. */
export const isDiskFull = (err: unknown) => codeOf(err) === '53100';

// node-postgres reports some lost connections with no code, only a message.
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'Client has encountered a connection error',
  'Connection refused',
];

/**
 * The database cannot serve now: a lost connection (server restart, network), a resource the
 * server ran out of (SQLSTATE class 53: disk, memory, connections), or the embedded database
 * failed. Nothing of the failed statement was kept; the caller may retry after a pause.
 */
export const isConnectionError = (err: unknown) => {
  const code = codeOf(err);
  if (code === undefined) {
    const message = err instanceof Error ? err.message : '';
    return CONNECTION_MESSAGES.some((m) => message.includes(m));
  }
  return (
    code === 'OUTDIAL_DATABASE_FAILED' ||
    code.startsWith('08') ||
    code.startsWith('53') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE'
  );
};
