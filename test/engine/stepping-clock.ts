import type { Clock } from '../../src/domain/clock.js';

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A fake clock for engine tests. Unlike FakeClock.advance, `runTo` stops at every moment a sleeper
 * is due and lets the system settle (database round trips included) before time moves on, so an
 * attempt that ends at t is finished with now = t, exactly as on a real clock.
 */
export class SteppingClock implements Clock {
  private sleepers: Sleeper[] = [];
  private seq = 0;

  constructor(
    private current: number,
    private readonly settle: () => Promise<void>,
  ) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      const sleeper: Sleeper = {
        at: this.current + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The next moment a sleeper is due, if any. */
  nextAt(): number | undefined {
    let next: number | undefined;
    for (const s of this.sleepers) if (next === undefined || s.at < next) next = s.at;
    return next;
  }

  /** Moves time to `target`, stopping at each due moment and settling after every wake-up. */
  async runTo(target: number): Promise<void> {
    for (;;) {
      await this.settle();
      const next = this.nextAt();
      if (next === undefined || next > target) break;
      this.current = Math.max(this.current, next);
      const due = this.sleepers
        .filter((s) => s.at <= this.current)
        .sort((a, b) => a.at - b.at || a.seq - b.seq);
      this.sleepers = this.sleepers.filter((s) => s.at > this.current);
      for (const s of due) s.resolve();
    }
    this.current = Math.max(this.current, target);
    await this.settle();
  }

  async advance(ms: number): Promise<void> {
    await this.runTo(this.current + ms);
  }

  /**
   * Runs time forward until `done` holds (checked at every due moment), at most `maxMs`.
   * Returns the time it took.
   */
  async runUntil(done: () => Promise<boolean>, maxMs: number): Promise<number> {
    const start = this.current;
    const limit = start + maxMs;
    for (;;) {
      await this.settle();
      if (await done()) return this.current - start;
      const next = this.nextAt();
      if (next === undefined || next > limit) {
        throw new Error(`condition not reached within ${maxMs} ms of simulated time`);
      }
      await this.runTo(next);
    }
  }
}
