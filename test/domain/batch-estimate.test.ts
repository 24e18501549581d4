import { describe, expect, it } from 'vitest';
import { type EstimateModel, estimateRun } from '../../src/domain/batch-estimate.js';
import {
  chooseRates,
  DEFAULT_RATES,
  MIN_HISTORY_ATTEMPTS,
  retryRateUnder,
} from '../../src/domain/estimate-assumptions.js';
import { type RetryPolicy, retryPolicyFor } from '../../src/domain/retry-policy.js';

// The estimate model: the engine's limits, windows, retries and frequency cap replayed on
// expected values. Each case is small enough to work out by hand.

const T = Date.UTC(2026, 0, 5, 15, 0, 0); // Monday 15:00 UTC: 10:00 in New York, 07:00 in Los Angeles
const NO_RETRY: RetryPolicy = { kind: 'default', maxAttempts: 1, delaysMs: [] };
const DEFAULT_POLICY = retryPolicyFor({ maxAttempts: 3, retryDelaysMs: [120_000, 240_000] });

const model = (rows: number, over: Partial<EstimateModel> = {}): EstimateModel => ({
  start: T,
  zones: Array.from({ length: rows }, () => null),
  maxConcurrentCalls: 10,
  callsPerSecond: 100,
  meanCallSec: 60,
  retryRate: 0,
  policy: NO_RETRY,
  ...over,
});

describe('estimateRun', () => {
  it('has nothing to estimate without rows', () => {
    expect(estimateRun(model(0))).toEqual({ durationSec: 0, attempts: 0 });
  });

  it('is bound by concurrency: 100 one-minute calls, 10 at a time, take ten minutes', () => {
    const r = estimateRun(model(100));
    expect(r.start).toBe(T);
    expect(r.attempts).toBe(100);
    // The 100th call starts when the 90th ends (9 minutes in, plus its pacing offset).
    expect(r.durationSec).toBe(600);
    expect(r.finish! - r.start!).toBeGreaterThanOrEqual(600_000);
  });

  it('is bound by pacing: 100 ten-second calls at 4 per second', () => {
    const r = estimateRun(
      model(100, { maxConcurrentCalls: 1_000, callsPerSecond: 4, meanCallSec: 10 }),
    );
    // The last call starts 99 × 250 ms after the first and lasts 10 s.
    expect(r.finish! - r.start!).toBe(99 * 250 + 10_000);
    expect(r.durationSec).toBe(35);
  });

  it('takes the narrower of the two limits', () => {
    const paced = model(200, { maxConcurrentCalls: 50, callsPerSecond: 1, meanCallSec: 20 });
    // 50 / 20 s = 2.5 calls per second could run; pacing allows 1.
    expect(estimateRun(paced).durationSec).toBe(199 + 20);
    const capped = model(200, { maxConcurrentCalls: 5, callsPerSecond: 5, meanCallSec: 20 });
    // 5 / 20 s = 0.25 calls per second: 40 rounds of 20 s.
    expect(estimateRun(capped).durationSec).toBeGreaterThanOrEqual(800);
    expect(estimateRun(capped).durationSec).toBeLessThanOrEqual(801);
  });

  it('dials the retry share again after the policy delays, up to its attempts', () => {
    const r = estimateRun(
      model(100, {
        maxConcurrentCalls: 1_000,
        callsPerSecond: 1_000,
        meanCallSec: 30,
        retryRate: 0.2,
        policy: DEFAULT_POLICY,
      }),
    );
    expect(r.attempts).toBe(100 + 20 + 4);
    // The last third attempt: 30 s, 2 min, 30 s, 4 min, 30 s after its row's first dial.
    expect(r.durationSec).toBeGreaterThanOrEqual(450);
    expect(r.durationSec).toBeLessThanOrEqual(451);
  });

  it('spreads retries over the rows, so the last rows get theirs', () => {
    const withRetries = estimateRun(
      model(1_000, { retryRate: 0.25, policy: DEFAULT_POLICY, meanCallSec: 30 }),
    );
    const without = estimateRun(model(1_000, { meanCallSec: 30 }));
    expect(withRetries.attempts).toBe(1_000 + 250 + 63);
    expect(withRetries.durationSec).toBeGreaterThan(without.durationSec * 1.25);
  });

  it('follows smart callback gaps of days', () => {
    const policy = retryPolicyFor(
      { maxAttempts: 3, retryDelaysMs: [120_000] },
      { enabled: true, maxAttempts: 2, gaps: [{ days: 1, hours: 2 }] },
    );
    const r = estimateRun(model(4, { retryRate: 0.5, policy, meanCallSec: 60 }));
    expect(r.attempts).toBe(6);
    expect(r.finish).toBeGreaterThanOrEqual(T + 60_000 + 26 * 3_600_000 + 60_000);
    expect(r.finish).toBeLessThan(T + 60_000 + 26 * 3_600_000 + 61_000);
  });

  it("waits for each row's calling window, in its own zone", () => {
    const window = { timezone: 'recipient', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };
    const zones = ['America/New_York', 'America/Los_Angeles'];
    const r = estimateRun(model(2, { zones, callingWindow: window }));
    // New York is open at once; Los Angeles opens at 09:00 there, 17:00 UTC.
    expect(r.start).toBe(T);
    expect(r.finish).toBe(Date.UTC(2026, 0, 5, 17, 1, 0));
  });

  it('carries over what a short window cannot hold to its next days, skipping closed days', () => {
    const window = {
      timezone: 'America/New_York',
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '09:10',
    };
    const start = Date.UTC(2026, 0, 9, 14, 0, 0); // Friday 09:00 in New York
    const zones = Array.from({ length: 25 }, () => 'America/New_York');
    const r = estimateRun(
      model(25, { start, zones, callingWindow: window, maxConcurrentCalls: 1 }),
    );
    // Ten one-minute calls fit a day: Friday, Monday, then five on Tuesday.
    expect(r.start).toBe(start);
    expect(r.finish).toBe(Date.UTC(2026, 0, 13, 14, 5, 0));
  });

  it("keeps a real carrier's calls inside the workspace's legal floor, which a batch window only narrows", () => {
    const floor = {
      timezone: 'recipient',
      days: [1, 2, 3, 4, 5, 6, 7],
      start: '08:00',
      end: '21:00',
    };
    const zones = ['America/Los_Angeles'];
    // 07:00 in Los Angeles: the floor opens at 08:00 there, 16:00 UTC.
    expect(estimateRun(model(1, { zones, floor })).start).toBe(Date.UTC(2026, 0, 5, 16, 0, 0));
    const allDay = {
      timezone: 'recipient',
      days: [1, 2, 3, 4, 5, 6, 7],
      start: '00:00',
      end: '24:00',
    };
    expect(estimateRun(model(1, { zones, floor, callingWindow: allDay })).start).toBe(
      Date.UTC(2026, 0, 5, 16, 0, 0),
    );
    const late = { timezone: 'recipient', days: [1, 2, 3, 4, 5], start: '10:00', end: '12:00' };
    expect(estimateRun(model(1, { zones, floor, callingWindow: late })).start).toBe(
      Date.UTC(2026, 0, 5, 18, 0, 0),
    );
    // Without the floor (a simulator agent) the call starts at once.
    expect(estimateRun(model(1, { zones })).start).toBe(T);
  });

  it('holds a number to the frequency cap within the batch', () => {
    const policy = retryPolicyFor({ maxAttempts: 3, retryDelaysMs: [0] });
    const free = estimateRun(model(1, { retryRate: 1, policy }));
    expect(free.attempts).toBe(3);
    expect(free.finish).toBe(T + 3 * 60_000);
    const capped = estimateRun(
      model(1, { retryRate: 1, policy, frequencyCap: { maxAttempts: 2, periodHours: 24 } }),
    );
    // The third attempt waits until the first leaves the 24-hour window.
    expect(capped.finish).toBe(T + 24 * 3_600_000 + 60_000);
  });

  it('handles a large batch quickly enough to answer a request', () => {
    const zones = Array.from({ length: 100_000 }, (_, i) =>
      i % 2 === 0 ? 'America/New_York' : 'Europe/London',
    );
    const window = { timezone: 'recipient', days: [1, 2, 3, 4, 5], start: '09:00', end: '20:00' };
    const r = estimateRun(
      model(100_000, { zones, callingWindow: window, retryRate: 0.2, policy: DEFAULT_POLICY }),
    );
    expect(r.attempts).toBe(100_000 + 20_000 + 4_000);
    expect(r.durationSec).toBeGreaterThan(0);
  });
});

describe('chooseRates', () => {
  const history = (attempts: number) => ({
    attempts,
    meanCallSec: 41.26,
    answered: attempts / 2,
    retried: attempts / 4,
    smartOnly: attempts / 10,
  });

  it('keeps the stated defaults for a workspace with too little history', () => {
    expect(chooseRates(undefined)).toEqual({ ...DEFAULT_RATES, source: 'defaults' });
    expect(chooseRates(history(MIN_HISTORY_ATTEMPTS - 10))).toEqual({
      ...DEFAULT_RATES,
      source: 'defaults',
    });
  });

  it("uses the workspace's own attempts once it has enough", () => {
    expect(chooseRates(history(100))).toEqual({
      meanCallSec: 41.3,
      answerRate: 0.5,
      retryRate: 0.25,
      smartRetryRate: 0.35,
      source: 'history',
      historyAttempts: 100,
    });
  });

  it('takes the retry share of the policy the batch runs under', () => {
    const smart = retryPolicyFor(
      { maxAttempts: 3, retryDelaysMs: [1] },
      { enabled: true, maxAttempts: 4, gaps: [] },
    );
    expect(retryRateUnder(DEFAULT_RATES, DEFAULT_POLICY)).toBe(DEFAULT_RATES.retryRate);
    expect(retryRateUnder(DEFAULT_RATES, smart)).toBe(DEFAULT_RATES.smartRetryRate);
  });
});
