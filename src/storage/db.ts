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

export interface Db extends Queryable {
  readonly kind: DbKind;
  /** Runs `fn` in one transaction (READ COMMITTED); rolls back if it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
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
}

const codeOf = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;

export const isUniqueViolation = (err: unknown) => codeOf(err) === '23505';

/** Errors worth retrying the whole transaction for: deadlocks and serialization failures. */
export const isTransientTxError = (err: unknown) => {
  const code = codeOf(err);
  return code === '40P01' || code === '40001';
};

/** Connection-level failures (server restart, network): the caller may retry after a pause. */
// node-postgres reports some lost connections with no code, only a message.
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'Client has encountered a connection error',
  'Connection refused',
];

export const isConnectionError = (err: unknown) => {
  const code = codeOf(err);
  if (code === undefined) {
    const message = err instanceof Error ? err.message : '';
    return CONNECTION_MESSAGES.some((m) => message.includes(m));
  }
  return (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE'
  );
};
