import { describe, expect, it } from 'vitest';
import { availableSlots, grantSlots, SlotGranter } from '../../src/domain/pacing.js';

describe('pacing slots', () => {
  it('starts an idle workspace now and spaces the following slots 1000/N ms apart', () => {
    const g = grantSlots({ pacingNextAt: 0, now: 10_000, callsPerSecond: 5, max: 10 });
    expect(g.slots).toEqual([10_000, 10_200, 10_400, 10_600, 10_800, 11_000]);
    expect(g.nextAt).toBe(11_200);
    expect(availableSlots({ pacingNextAt: 0, now: 10_000, callsPerSecond: 5 })).toBe(6);
  });

  it('continues from the next slot, never from now, when the workspace is busy', () => {
    const g = grantSlots({ pacingNextAt: 10_600, now: 10_000, callsPerSecond: 5, max: 2 });
    expect(g.slots).toEqual([10_600, 10_800]);
    expect(g.nextAt).toBe(11_000);
  });

  it('grants nothing past the horizon and leaves the next slot alone', () => {
    const g = grantSlots({ pacingNextAt: 12_000, now: 10_000, callsPerSecond: 5, max: 3 });
    expect(g).toEqual({ slots: [], nextAt: 12_000 });
    expect(availableSlots({ pacingNextAt: 12_000, now: 10_000, callsPerSecond: 5 })).toBe(0);
  });

  it('records fractional slots as the next whole millisecond, so N starts always span 1 s', () => {
    const t = 1_767_625_200_000;
    const g = grantSlots({ pacingNextAt: 0, now: t, callsPerSecond: 3, max: 10 });
    // 1000/3 ms is rounded up to 333.334 ms: three spacings are a hair over one second.
    expect(g.slots.map((s) => s - t)).toEqual([0, 334, 667]);
    const again = grantSlots({
      pacingNextAt: g.nextAt,
      now: t + 1_000,
      callsPerSecond: 3,
      max: 10,
    });
    expect(again.slots.map((s) => s - t)).toEqual([1001, 1334, 1667]);
  });

  it.each([1, 3, 6, 7, 9, 13])(
    'never puts more than %i starts in a 1-second window over a long run of claims',
    (cps) => {
      const starts: number[] = [];
      let next = 0;
      let now = 1_767_625_200_000;
      // Claims at irregular moments, each taking what the horizon allows.
      for (let i = 0; i < 2_000; i++) {
        const g = grantSlots({ pacingNextAt: next, now, callsPerSecond: cps, max: 1 + (i % 4) });
        starts.push(...g.slots);
        next = g.nextAt;
        now += 137 + (i % 7) * 91;
      }
      starts.sort((a, b) => a - b);
      for (let i = cps; i < starts.length; i++) {
        expect(starts[i]! - starts[i - cps]!).toBeGreaterThanOrEqual(1_000);
      }
      expect(starts.length).toBeGreaterThan(100);
    },
  );
});

describe('layered pacing buckets', () => {
  const t = 1_767_625_200_000;

  it('grants a slot only when every bucket allows it, and moves each on by its own spacing', () => {
    const g = new SlotGranter(
      [
        { key: 'workspace:a', callsPerSecond: 10, nextAt: 0 },
        { key: 'carrier:p:acct', callsPerSecond: 4, nextAt: t + 100 },
      ],
      t,
    );
    expect(g.take(['workspace:a', 'carrier:p:acct'])).toBe(t + 100);
    expect(g.take(['workspace:a'])).toBe(t + 200);
    expect(g.take(['workspace:a', 'carrier:p:acct'])).toBe(t + 350);
    expect(g.nextAt('workspace:a')).toBe(t + 450);
    expect(g.nextAt('carrier:p:acct')).toBe(t + 600);
  });

  it('never lets two workspaces sharing an account start more than its limit in any second', () => {
    // Claims of two workspaces take turns; the account's bucket carries over between them.
    let account = 0;
    const next = { a: 0, b: 0 };
    const starts: number[] = [];
    let now = t;
    for (let i = 0; i < 400; i++) {
      const w = i % 2 === 0 ? 'a' : 'b';
      const g = new SlotGranter(
        [
          { key: w, callsPerSecond: 20, nextAt: next[w] },
          { key: 'acct', callsPerSecond: 3, nextAt: account },
        ],
        now,
      );
      for (let s = g.take([w, 'acct']); s !== undefined; s = g.take([w, 'acct'])) starts.push(s);
      next[w] = g.nextAt(w);
      account = g.nextAt('acct');
      now += 170;
    }
    starts.sort((x, y) => x - y);
    for (let i = 3; i < starts.length; i++)
      expect(starts[i]! - starts[i - 3]!).toBeGreaterThanOrEqual(1_000);
    expect(starts.length).toBeGreaterThan(150);
  });
});
