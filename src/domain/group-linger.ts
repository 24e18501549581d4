// Group commit under a steady load: a writer that records what arrived while its last write ran
// commits small groups when the load is steady (work keeps arriving at about the pace of a
// commit), each costing the same statements and WAL flush as a large one. When several keys
// (attempts, deliveries) came in meanwhile, more are on their way: the next group waits a moment
// for them, unless there are enough for a large group already. One key's work never waits, so a
// caller that records one thing and waits for it is not slowed.

/** From this many keys pending, the next group is taken at once. */
export const LINGER_BELOW = 64;

/** Whether the next group waits, given how many keys have work pending once a group committed. */
export function lingerBeforeNext(pendingKeys: number): boolean {
  return pendingKeys >= 2 && pendingKeys < LINGER_BELOW;
}

/**
 * The wait itself: up to `ms` of wall-clock time (it paces database writes and decides nothing
 * about calls, so a test's stopped clock must not hold it), ended early once LINGER_BELOW keys
 * are pending or by `end()` (a writer closing).
 */
export class GroupLinger {
  #waiting: { keys: Set<string>; end(): void } | undefined;

  /** Waits when lingerBeforeNext says so for the keys of `pending`, the work pending now. */
  async wait<T>(ms: number, pending: readonly T[], keyOf: (item: T) => string): Promise<void> {
    if (ms <= 0) return;
    const keys = keysOf(pending, keyOf, LINGER_BELOW);
    if (!lingerBeforeNext(keys.size)) return;
    await new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.#waiting = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.#waiting = { keys, end };
    });
  }

  /** Work for `key` arrived: ends the wait once enough keys are pending. */
  add(key: string): void {
    const w = this.#waiting;
    if (!w) return;
    w.keys.add(key);
    if (w.keys.size >= LINGER_BELOW) w.end();
  }

  /** Ends the wait now, if one runs. */
  end(): void {
    this.#waiting?.end();
  }
}

/** The distinct keys of `items`, counted up to `atMost` (enough to decide on a linger). */
export function keysOf<T>(items: readonly T[], keyOf: (item: T) => string, atMost: number) {
  const keys = new Set<string>();
  for (const item of items) {
    keys.add(keyOf(item));
    if (keys.size >= atMost) break;
  }
  return keys;
}
