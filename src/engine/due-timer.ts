import type { Clock } from '../domain/clock.js';

// Retries this process scheduled are claimed exactly when due instead of at the next poll: the
// timer wakes the dispatcher at the earliest known run_at. Bounded; beyond it, polling covers.
const MAX_KNOWN = 1_000;

export class DueTimer {
  private times: number[] = [];
  private armed: { at: number; cancel: AbortController } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: () => void,
  ) {}

  at(time: number): void {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid]! <= time) lo = mid + 1;
      else hi = mid;
    }
    this.times.splice(lo, 0, time);
    if (this.times.length > MAX_KNOWN) this.times.pop();
    this.arm();
  }

  clear(): void {
    this.times = [];
    this.armed?.cancel.abort();
    this.armed = undefined;
  }

  private arm(): void {
    const next = this.times[0];
    if (next === undefined || (this.armed && this.armed.at <= next)) return;
    this.armed?.cancel.abort();
    const cancel = new AbortController();
    this.armed = { at: next, cancel };
    const wait = next - this.clock.now();
    const fired = wait > 0 ? this.clock.sleep(wait, cancel.signal) : Promise.resolve();
    void fired.then(() => {
      if (cancel.signal.aborted) return;
      this.armed = undefined;
      const now = this.clock.now();
      while (this.times[0] !== undefined && this.times[0] <= now) this.times.shift();
      this.onDue();
      this.arm();
    });
  }
}
