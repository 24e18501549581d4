import type { Clock } from './clock.js';

// One timer for any number of pending moments: a binary min-heap of entries by time (then by
// insertion), and a single sleep on the clock until the earliest. Ten thousand calls in progress
// are ten thousand small heap entries, not ten thousand promises and timers.

interface Entry<T> {
  at: number;
  seq: number;
  value: T;
}

export class TimerQueue<T> {
  readonly #clock: Clock;
  readonly #fire: (value: T, at: number) => void;
  readonly #windowMs: number;
  #heap: Entry<T>[] = [];
  #seq = 0;
  #armed: { at: number; cancel: AbortController } | undefined;
  #closed = false;

  /**
   * `fire` is called for each entry once the clock reaches its time, in time order. With
   * `windowMs`, an entry that comes due fires with every entry due within that many ms after it:
   * a steady stream of entries then fires in groups, at most `windowMs` early.
   */
  constructor(
    clock: Clock,
    fire: (value: T, at: number) => void,
    opts: { windowMs?: number } = {},
  ) {
    this.#clock = clock;
    this.#fire = fire;
    this.#windowMs = opts.windowMs ?? 0;
  }

  get size(): number {
    return this.#heap.length;
  }

  add(at: number, value: T): void {
    if (this.#closed) throw new Error('timer queue closed');
    this.#push({ at, seq: this.#seq++, value });
    this.#arm();
  }

  /** Stops the timer; returns the entries that will never fire. */
  close(): T[] {
    this.#closed = true;
    this.#armed?.cancel.abort();
    this.#armed = undefined;
    const left = this.#heap.map((e) => e.value);
    this.#heap = [];
    return left;
  }

  #arm(): void {
    const next = this.#heap[0];
    if (next === undefined || this.#closed || (this.#armed && this.#armed.at <= next.at)) return;
    this.#armed?.cancel.abort();
    const cancel = new AbortController();
    this.#armed = { at: next.at, cancel };
    const wait = next.at - this.#clock.now();
    const slept = wait > 0 ? this.#clock.sleep(wait, cancel.signal) : Promise.resolve();
    void slept.then(() => {
      if (cancel.signal.aborted) return;
      this.#armed = undefined;
      this.#drain();
    });
  }

  #drain(): void {
    const until = this.#clock.now() + this.#windowMs;
    while (!this.#closed && this.#heap[0] !== undefined && this.#heap[0].at <= until) {
      const e = this.#pop();
      this.#fire(e.value, e.at);
    }
    this.#arm();
  }

  #less(i: number, j: number): boolean {
    const a = this.#heap[i]!;
    const b = this.#heap[j]!;
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const h = this.#heap;
    [h[i], h[j]] = [h[j]!, h[i]!];
  }

  #push(e: Entry<T>): void {
    this.#heap.push(e);
    let i = this.#heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #pop(): Entry<T> {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(l, m)) m = l;
        if (r < h.length && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
