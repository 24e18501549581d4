import type { Clock } from '../domain/clock.js';

// Failed authentications per client address. Keys are far too long to guess, so this is not what
// keeps them safe; it keeps a misconfigured client or a scanner from costing a database lookup
// (and a log line) per request. Past the limit, an address's keys are checked against the keys
// this process has verified recently only; a key it has not seen gets 429 until the window ends.
// That stops guessing without locking out the good clients that share the address (NAT, a proxy).
//
// Counts are per process and in memory, like the workspace limit (see rate-limit.ts).

export const AUTH_FAILURE_WINDOW_MS = 60_000;
const MAX_TRACKED = 50_000;

interface Window {
  resetAt: number;
  failures: number;
}

export class AuthFailureLimit {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly clock: Clock,
    private readonly windowMs = AUTH_FAILURE_WINDOW_MS,
  ) {}

  /** When `source` may not try unverified keys: the moment it may again; else undefined. */
  blockedUntil(source: string): number | undefined {
    if (this.limit <= 0) return undefined;
    const w = this.windows.get(source);
    if (!w) return undefined;
    if (w.resetAt <= this.clock.now()) {
      this.windows.delete(source);
      return undefined;
    }
    return w.failures >= this.limit ? w.resetAt : undefined;
  }

  recordFailure(source: string): void {
    if (this.limit <= 0) return;
    const now = this.clock.now();
    let w = this.windows.get(source);
    if (!w || w.resetAt <= now) {
      // A flood of addresses must not grow memory without bound: forget ended windows, and if
      // every tracked one is live, start over (the limit errs towards letting requests through).
      if (this.windows.size >= MAX_TRACKED) this.sweep(now);
      w = { resetAt: now + this.windowMs, failures: 0 };
      this.windows.set(source, w);
    }
    w.failures++;
  }

  private sweep(now: number): void {
    for (const [source, w] of this.windows) if (w.resetAt <= now) this.windows.delete(source);
    if (this.windows.size >= MAX_TRACKED) this.windows.clear();
  }
}
