import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  claimLimits,
  type DueCandidate,
  fillsCapacity,
  type PlanBatch,
  planStarts,
} from '../../src/domain/claim-plan.js';

// The claim's decisions without a database: which batches get which slots and start times.

const T = 1_767_625_200_000; // a Monday, 15:00 UTC
const batch = (id: string, over: Partial<PlanBatch> = {}): PlanBatch => ({
  id,
  maxConcurrency: null,
  active: 0,
  bucketKeys: [],
  ...over,
});
const due = (batchId: string, n: number, from = 0): DueCandidate[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${batchId}-${from + i}`,
    batchId,
    seq: from + i,
    runAt: T - 1_000,
    timeZone: null,
  }));
const ws = (callsPerSecond: number, nextAt = 0) => ({ key: 'workspace:w', callsPerSecond, nextAt });

describe('whether a claim left a concurrency limit full', () => {
  it('the workspace full, or a batch with due calls at its own cap; not when only pacing held it', () => {
    const at = (over: Partial<Parameters<typeof fillsCapacity>[0]>) =>
      fillsCapacity({
        maxConcurrentCalls: 10,
        activeInWorkspace: 7,
        batches: [batch('a'), batch('b', { maxConcurrency: 4, active: 2 })],
        startedBatchIds: [],
        ...over,
      });
    // Three places free, pacing gave one slot: nothing is full.
    expect(at({ startedBatchIds: ['a'] })).toBe(false);
    // The workspace's last three places taken.
    expect(at({ startedBatchIds: ['a', 'a', 'a'] })).toBe(true);
    // Batch b's two places taken, the workspace still has one.
    expect(at({ startedBatchIds: ['b', 'b'] })).toBe(true);
    // Batch b already at its cap before the claim.
    expect(at({ batches: [batch('b', { maxConcurrency: 2, active: 2 })] })).toBe(true);
    // The workspace already full: the claim started nothing.
    expect(at({ activeInWorkspace: 10, batches: [] })).toBe(true);
  });
});

describe('claim limits', () => {
  it('takes the smallest of free capacity, the claim size and the pacing slots', () => {
    const b = [batch('a')];
    expect(
      claimLimits({
        maxConcurrentCalls: 10,
        activeInWorkspace: 7,
        maxClaim: 100,
        slotsAvailable: 50,
        batches: b,
      }).want,
    ).toBe(3);
    expect(
      claimLimits({
        maxConcurrentCalls: 500,
        activeInWorkspace: 0,
        maxClaim: 100,
        slotsAvailable: 1_001,
        batches: b,
      }).want,
    ).toBe(100);
    expect(
      claimLimits({
        maxConcurrentCalls: 500,
        activeInWorkspace: 0,
        maxClaim: 1_000,
        slotsAvailable: 6,
        batches: b,
      }).want,
    ).toBe(6);
  });

  it('locks no more of a batch than its own cap leaves, and nothing of a full one', () => {
    const limits = claimLimits({
      maxConcurrentCalls: 20,
      activeInWorkspace: 5,
      maxClaim: 100,
      slotsAvailable: 100,
      batches: [
        batch('a', { maxConcurrency: 4, active: 1 }),
        batch('b'),
        batch('c', { maxConcurrency: 2, active: 2 }),
      ],
    });
    expect(limits).toEqual({
      want: 15,
      perBatch: [
        { batchId: 'a', limit: 3 },
        { batchId: 'b', limit: 15 },
      ],
    });
    expect(
      claimLimits({
        maxConcurrentCalls: 5,
        activeInWorkspace: 5,
        maxClaim: 9,
        slotsAvailable: 9,
        batches: [batch('a')],
      }),
    ).toEqual({ want: 0, perBatch: [] });
  });
});

describe('planned starts', () => {
  it('gives each start a paced slot, 1000/N ms apart, and moves the workspace bucket on', () => {
    const plan = planStarts({
      now: T,
      slotsFrom: T,
      want: 3,
      workspaceBucket: 'workspace:w',
      buckets: [ws(5)],
      batches: [batch('a')],
      due: due('a', 5),
    });
    expect(plan.starts).toEqual([
      { callId: 'a-0', batchId: 'a', startedAt: T },
      { callId: 'a-1', batchId: 'a', startedAt: T + 200 },
      { callId: 'a-2', batchId: 'a', startedAt: T + 400 },
    ]);
    expect(plan.buckets).toEqual([{ key: 'workspace:w', nextAt: T + 600 }]);
    expect(plan.deferrals).toEqual([]);
  });

  it('shares the slots fairly: the batch with fewer calls in progress goes first', () => {
    const plan = planStarts({
      now: T,
      slotsFrom: T,
      want: 4,
      workspaceBucket: 'workspace:w',
      buckets: [ws(100)],
      batches: [batch('big', { active: 3 }), batch('small')],
      due: [...due('big', 4), ...due('small', 4)],
    });
    expect(plan.starts.map((s) => s.callId)).toEqual(['small-0', 'small-1', 'small-2', 'big-0']);
  });

  // Batches of one workspace share it: each slot goes to the batch with the fewest calls in
  // progress (counting those started in this claim), ties to the one waiting longest.
  const fair = (calls: DueCandidate[], active: Record<string, number> = {}) =>
    planStarts({
      now: T,
      slotsFrom: T,
      want: calls.length,
      workspaceBucket: 'workspace:w',
      buckets: [ws(1_000)],
      batches: [...new Set(calls.map((c) => c.batchId))].map((id) =>
        batch(id, { active: active[id] ?? 0 }),
      ),
      due: calls,
    }).starts.map((s) => s.callId);
  const c = (batchId: string, runAt: number, seq: number): DueCandidate => ({
    id: `${batchId}${seq}`,
    batchId,
    runAt,
    seq,
    timeZone: null,
  });

  it('takes one call of each batch per round, the longest-waiting batch first', () => {
    const big = [c('big', 100, 0), c('big', 100, 1), c('big', 100, 2), c('big', 100, 3)];
    const small = [c('small', 500, 0), c('small', 500, 1)];
    expect(fair([...big, ...small])).toEqual(['big0', 'small0', 'big1', 'small1', 'big2', 'big3']);
  });

  it('gives a free slot to the batch with fewer calls in progress', () => {
    const cands = [c('big', 100, 7), c('small', 500, 0)];
    expect(fair(cands, { big: 1 })).toEqual(['small0', 'big7']);
    expect(fair(cands, { small: 1 })).toEqual(['big7', 'small0']);
  });

  it("keeps each batch's own order by due time then CSV position", () => {
    expect(fair([c('a', 300, 0), c('a', 100, 5), c('a', 100, 2)])).toEqual(['a2', 'a5', 'a0']);
  });

  it('starts every call it has slots for, never reordering a batch', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            batchId: fc.constantFrom('a', 'b', 'c'),
            runAt: fc.integer({ min: 0, max: 5 }),
            seq: fc.nat(1000),
          }),
          { selector: (x) => `${x.batchId}${x.seq}`, maxLength: 60 },
        ),
        (cands) => {
          const calls = cands.map((x) => c(x.batchId, x.runAt, x.seq));
          const out = fair(calls);
          expect([...out].sort()).toEqual(calls.map((x) => x.id).sort());
          for (const b of ['a', 'b', 'c']) {
            const mine = calls
              .filter((x) => x.batchId === b)
              .sort((x, y) => x.runAt - y.runAt || x.seq - y.seq)
              .map((x) => x.id);
            expect(out.filter((id) => mine.includes(id))).toEqual(mine);
          }
        },
      ),
    );
  });

  it('defers calls found outside their calling window to its next opening, without a slot', () => {
    const window = { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '16:00', end: '18:00' };
    const plan = planStarts({
      now: T,
      slotsFrom: T,
      want: 2,
      workspaceBucket: 'workspace:w',
      buckets: [ws(5)],
      batches: [batch('windowed', { callingWindow: window }), batch('open')],
      due: [{ ...due('windowed', 1)[0]!, timeZone: 'UTC' }, ...due('open', 2)],
    });
    expect(plan.deferrals).toEqual([
      { callId: 'windowed-0', runAt: T + 3_600_000, reason: 'calling_window' },
    ]);
    expect(plan.starts.map((s) => [s.callId, s.startedAt - T])).toEqual([
      ['open-0', 0],
      ['open-1', 200],
    ]);
  });

  it('holds a real-carrier batch’s calls for the legal floor, narrowed by its window; simulator batches are exempt', () => {
    // T is 15:00 UTC: 07:00 in Los Angeles, 10:00 in New York.
    const floor = {
      timezone: 'recipient',
      days: [1, 2, 3, 4, 5, 6, 7],
      start: '08:00',
      end: '21:00',
    };
    const narrow = { timezone: 'recipient', days: [1, 2, 3, 4, 5], start: '11:00', end: '12:00' };
    const call = (batchId: string, zone: string) => ({
      ...due(batchId, 1)[0]!,
      timeZone: zone,
    });
    const plan = planStarts({
      now: T,
      slotsFrom: T,
      want: 4,
      workspaceBucket: 'workspace:w',
      buckets: [ws(5)],
      batches: [
        batch('real-la', { floor }),
        batch('real-ny', { floor }),
        batch('real-ny-narrow', { floor, callingWindow: narrow }),
        batch('sim-la'),
      ],
      due: [
        call('real-la', 'America/Los_Angeles'),
        call('real-ny', 'America/New_York'),
        call('real-ny-narrow', 'America/New_York'),
        call('sim-la', 'America/Los_Angeles'),
      ],
    });
    expect(plan.deferrals).toEqual([
      { callId: 'real-la-0', runAt: T + 3_600_000, reason: 'calling_window' },
      { callId: 'real-ny-narrow-0', runAt: T + 3_600_000, reason: 'calling_window' },
    ]);
    expect(plan.starts.map((s) => s.callId).sort()).toEqual(['real-ny-0', 'sim-la-0']);
  });

  it('layers a carrier account’s bucket on the workspace’s: a slot both allow, each moved on by its own pace', () => {
    const plan = planStarts({
      now: T,
      slotsFrom: T,
      want: 10,
      workspaceBucket: 'workspace:w',
      // The account is busy for another 300 ms (another workspace's starts) and allows 2 per second.
      buckets: [ws(10), { key: 'carrier:twilio:AC1', callsPerSecond: 2, nextAt: T + 300 }],
      batches: [batch('twilio', { bucketKeys: ['carrier:twilio:AC1'] }), batch('sim')],
      due: [...due('twilio', 5), ...due('sim', 5)],
    });
    const starts = plan.starts.map((s) => [s.callId, s.startedAt - T]);
    // The carrier's batch gets the first slot its account allows, then one every 500 ms until
    // the horizon; meanwhile the other batch uses the workspace's slots it does not need.
    expect(starts).toEqual([
      ['sim-0', 0],
      ['sim-1', 100],
      ['sim-2', 200],
      ['twilio-0', 300],
      ['sim-3', 400],
      ['sim-4', 500],
      ['twilio-1', 800],
    ]);
    expect(plan.buckets).toEqual([
      { key: 'workspace:w', nextAt: T + 900 },
      { key: 'carrier:twilio:AC1', nextAt: T + 1_300 },
    ]);
  });

  it('says when a carrier account shared with other workspaces held ready calls back', () => {
    const plan = (accountNext: number) =>
      planStarts({
        now: T,
        slotsFrom: T,
        want: 5,
        workspaceBucket: 'workspace:w',
        buckets: [ws(10), { key: 'carrier:p:a', callsPerSecond: 2, nextAt: accountNext }],
        batches: [batch('b', { bucketKeys: ['carrier:p:a'] })],
        due: due('b', 5),
      });
    expect(plan(T + 5_000)).toMatchObject({ starts: [], heldBackByCarrier: true });
    // One slot from the account at 600 ms; the workspace could have started more.
    expect(plan(T + 600)).toMatchObject({ heldBackByCarrier: true });
    expect(plan(T + 600).starts.map((x) => x.startedAt - T)).toEqual([600]);
    // Held back by nothing but the workspace's own pace: not the account's doing.
    const own = planStarts({
      now: T,
      slotsFrom: T,
      want: 50,
      workspaceBucket: 'workspace:w',
      buckets: [ws(2)],
      batches: [batch('b')],
      due: due('b', 50),
    });
    expect(own).toMatchObject({ heldBackByCarrier: false });
    expect(own.starts).toHaveLength(3);
  });

  it('starts nothing before the moment the active calls were counted', () => {
    const plan = planStarts({
      now: T,
      slotsFrom: T + 7,
      want: 1,
      workspaceBucket: 'workspace:w',
      buckets: [ws(5)],
      batches: [batch('a')],
      due: due('a', 1),
    });
    expect(plan.starts[0]!.startedAt).toBe(T + 7);
  });
});

describe('frequency cap', () => {
  const H = 3_600_000;
  const call = (id: string, batchId: string, phoneNumber: string, seq = 0): DueCandidate => ({
    id,
    batchId,
    seq,
    runAt: T - 1_000,
    timeZone: null,
    phoneNumber,
  });

  const at = (...ts: number[]) => ts.map((t) => ({ at: t }));

  it('holds a number back once its recent attempts fill the cap, until the window allows one', () => {
    const plan = planStarts({
      now: T,
      slotsFrom: T,
      want: 10,
      workspaceBucket: 'workspace:w',
      buckets: [ws(100)],
      batches: [batch('a'), batch('b')],
      due: [call('a-0', 'a', '+15550001'), call('b-0', 'b', '+15550002')],
      frequencyCap: {
        maxAttempts: 2,
        periodMs: 24 * H,
        leaseMs: 60_000,
        recent: new Map([['+15550001', at(T - 10 * H, T - 2 * H)]]),
      },
    });
    expect(plan.starts.map((s) => s.callId)).toEqual(['b-0']);
    expect(plan.deferrals).toEqual([{ callId: 'a-0', runAt: T + 14 * H, reason: 'frequency_cap' }]);
  });

  it('counts the starts granted in the same claim, across batches', () => {
    const plan = planStarts({
      now: T,
      slotsFrom: T,
      want: 10,
      workspaceBucket: 'workspace:w',
      buckets: [ws(10)],
      batches: [batch('a'), batch('b'), batch('c')],
      due: [call('a-0', 'a', '+1555'), call('b-0', 'b', '+1555'), call('c-0', 'c', '+1555')],
      frequencyCap: { maxAttempts: 2, periodMs: 24 * H, leaseMs: 60_000, recent: new Map() },
    });
    expect(plan.starts).toHaveLength(2);
    const [first] = plan.starts;
    // Not accepted yet: the third looks again once the first one's lease is out, not a day later.
    expect(plan.deferrals).toEqual([
      { callId: 'c-0', runAt: Math.ceil(first!.startedAt + 60_000), reason: 'frequency_cap' },
    ]);
  });

  it('never lets a window hold more starts than the cap (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 48 }), { maxLength: 4 }),
        (maxAttempts, phones, agoHours) => {
          const periodMs = 24 * H;
          const recent = new Map([['+0', at(...agoHours.map((h) => T - h * H))]]);
          const plan = planStarts({
            now: T,
            slotsFrom: T,
            want: 100,
            workspaceBucket: 'workspace:w',
            buckets: [ws(1000)],
            batches: [batch('a'), batch('b')],
            due: phones.map((p, i) => call(`c${i}`, i % 2 ? 'a' : 'b', `+${p}`, i)),
            frequencyCap: { maxAttempts, periodMs, leaseMs: 60_000, recent },
          });
          const byPhone = new Map<string, number[]>();
          for (const [p, ts] of recent)
            byPhone.set(
              p,
              ts.map((s) => s.at),
            );
          const phoneOf = new Map(phones.map((p, i) => [`c${i}`, `+${p}`]));
          for (const s of plan.starts) {
            const p = phoneOf.get(s.callId)!;
            byPhone.set(p, [...(byPhone.get(p) ?? []), s.startedAt]);
          }
          for (const ts of byPhone.values()) {
            for (const t of ts) {
              const inWindow = ts.filter((u) => u > t - periodMs && u <= t).length;
              // Starts already recorded may exceed a cap set later; new ones never add to them.
              if (plan.starts.some((s) => s.startedAt === t)) {
                expect(inWindow).toBeLessThanOrEqual(maxAttempts);
              }
            }
          }
          for (const d of plan.deferrals) expect(d.runAt).toBeGreaterThan(T);
          expect(plan.starts.length + plan.deferrals.length).toBe(phones.length);
        },
      ),
    );
  });
});
