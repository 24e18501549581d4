import { describe, expect, it } from 'vitest';
import { TimerQueue } from '../../src/domain/timer-queue.js';
import { FakeClock, settle } from '../support/fake-clock.js';

describe('timer queue', () => {
  it('fires each entry once its time comes, in time order then insertion order, on one timer', async () => {
    const clock = new FakeClock(1_000);
    const fired: string[] = [];
    const q = new TimerQueue<string>(clock, (v, at) => fired.push(`${v}@${at}`));
    q.add(1_300, 'c');
    q.add(1_100, 'a');
    q.add(1_300, 'd');
    q.add(1_200, 'b');
    expect(clock.pending).toBe(1);
    await clock.advance(150);
    await settle();
    expect(fired).toEqual(['a@1100']);
    // An earlier entry re-arms the one timer.
    q.add(1_160, 'early');
    expect(clock.pending).toBe(1);
    await clock.advance(200);
    await settle();
    expect(fired).toEqual(['a@1100', 'early@1160', 'b@1200', 'c@1300', 'd@1300']);
    expect(q.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('fires an entry already due at once, and lets a fired entry add the next', async () => {
    const clock = new FakeClock(5_000);
    const fired: number[] = [];
    const q: TimerQueue<number> = new TimerQueue<number>(clock, (n) => {
      fired.push(n);
      if (n < 3) q.add(clock.now() + 10, n + 1);
    });
    q.add(4_000, 1);
    await settle();
    expect(fired).toEqual([1]);
    await clock.advance(20);
    await settle();
    expect(fired).toEqual([1, 2, 3]);
  });

  it('returns what never fired when closed, and takes nothing after', async () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    const q = new TimerQueue<string>(clock, (v) => fired.push(v));
    q.add(10, 'x');
    q.add(20, 'y');
    expect(q.close().sort()).toEqual(['x', 'y']);
    await clock.advance(100);
    await settle();
    expect(fired).toEqual([]);
    expect(() => q.add(30, 'z')).toThrow(/closed/);
  });

  it('with a window, fires an entry with every entry due within the window after it, no earlier', async () => {
    const clock = new FakeClock(1_000);
    const fired: string[] = [];
    const q = new TimerQueue<number>(clock, (v) => fired.push(`${v}@${clock.now()}`), {
      windowMs: 50,
    });
    // A steady stream: one entry every 10 ms.
    for (let at = 1_100; at < 1_300; at += 10) q.add(at, at);
    await clock.advance(99);
    await settle();
    expect(fired).toEqual([]);
    await clock.advance(1);
    await settle();
    // At 1,100: the entries of 1,100 to 1,150, together.
    expect(fired).toEqual([1_100, 1_110, 1_120, 1_130, 1_140, 1_150].map((v) => `${v}@1100`));
    await clock.advance(60);
    await settle();
    // At 1,160: the next group, never one entry at a time.
    expect(fired.slice(6)).toEqual(
      [1_160, 1_170, 1_180, 1_190, 1_200, 1_210].map((v) => `${v}@1160`),
    );
    expect(q.size).toBe(8);
  });
});
