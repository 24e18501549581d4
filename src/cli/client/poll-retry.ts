// Whether a follower keeps going after a poll failed. Following outlives blips: a server restart
// (a deploy), a proxy's 502/503, the request limit. It stops on what waiting cannot fix (a key
// revoked, the batch gone), or once the server has been away for too long.
import type { RequestError } from './client-error.js';

/** How long a follower waits for a server that is away before it gives up. */
export const OUTAGE_LIMIT_MS = 60_000;

const TRANSIENT = new Set([502, 503, 504]);

/**
 * Milliseconds to wait before the next poll, or undefined to give up. `failingForMs` is how long
 * polls have failed in a row (0 for the first failure).
 */
export function pollRetryDelay(
  err: Pick<RequestError, 'status' | 'retryAfterSeconds'>,
  failingForMs: number,
  intervalMs: number,
): number | undefined {
  if (err.status === 429) return Math.max(intervalMs, (err.retryAfterSeconds ?? 1) * 1000);
  const transient = err.status === undefined || TRANSIENT.has(err.status);
  if (!transient || failingForMs >= OUTAGE_LIMIT_MS) return undefined;
  return intervalMs;
}

/** The line a follower shows when it starts waiting out a failed poll. */
export function retryNotice(
  err: Pick<RequestError, 'status' | 'retryAfterSeconds'>,
  delayMs: number,
): string {
  if (err.status === 429) {
    return `the server asks to slow down (429): next poll in ${Math.ceil(delayMs / 1000)} s`;
  }
  const what =
    err.status === undefined ? 'no answer from the server' : `the server answered ${err.status}`;
  return `${what}: still following, for up to ${OUTAGE_LIMIT_MS / 1000} s without an answer`;
}
