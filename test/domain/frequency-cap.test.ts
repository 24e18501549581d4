import { describe, expect, it } from 'vitest';
import { capFreeAt, PENDING_RECHECK_MS } from '../../src/domain/frequency-cap.js';

// The frequency cap's one rule (§19), without a database: when a number may be called again.
// How the claim applies it across batches is in claim-plan.test.ts.

const T = 1_767_625_200_000; // a Monday, 15:00 UTC
const H = 3_600_000;
const at = (...ts: number[]) => ts.map((t) => ({ at: t }));

describe('frequency cap: when a start is free', () => {
  it('frees a start when enough counted starts have left the window', () => {
    expect(capFreeAt([], T, 2, 24 * H)).toBeUndefined();
    expect(capFreeAt(at(T - H), T, 2, 24 * H)).toBeUndefined();
    // Two in the window: the oldest must leave before a third.
    expect(capFreeAt(at(T - 5 * H, T - H), T, 2, 24 * H)).toBe(T + 19 * H);
    // A start exactly one period ago has left the window already.
    expect(capFreeAt(at(T - 24 * H, T - H), T, 2, 24 * H)).toBeUndefined();
    // Three in the window under a cap of 2: two must leave, so the second oldest decides.
    expect(capFreeAt(at(T - H, T - 3 * H, T - 2 * H), T, 2, 24 * H)).toBe(T + 22 * H);
  });

  it('a start the carrier has not accepted yet holds its place only until it is settled', () => {
    // Pending: it counts (it may be accepted), but the call looks again once its lease is out,
    // since a start handed back was never an attempt.
    expect(capFreeAt([{ at: T - H, pendingUntil: T + 60_000 }], T, 1, 24 * H)).toBe(T + 60_000);
    // With an accepted start in the window too, whichever frees first decides.
    expect(
      capFreeAt([{ at: T - 23 * H }, { at: T - H, pendingUntil: T + 60_000 }], T, 2, 24 * H),
    ).toBe(T + 60_000);
    expect(
      capFreeAt([{ at: T - 24 * H + 1_000 }, { at: T, pendingUntil: T + 60_000 }], T, 2, 24 * H),
    ).toBe(T + 1_000);
    // A lease already past (recovery behind) still waits a little, never "now".
    expect(capFreeAt([{ at: T - H, pendingUntil: T - 5_000 }], T, 1, 24 * H)).toBe(
      T + PENDING_RECHECK_MS,
    );
    // Accepted starts alone fill the cap: the pending one does not shorten the wait.
    expect(
      capFreeAt(
        [{ at: T - 2 * H }, { at: T - H }, { at: T, pendingUntil: T + 60_000 }],
        T,
        2,
        24 * H,
      ),
    ).toBe(T + 22 * H);
  });
});
