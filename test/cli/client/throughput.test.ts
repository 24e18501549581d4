import { describe, expect, it } from 'vitest';
import {
  addSample,
  callsPerMinute,
  etaMs,
  RATE_WINDOW_MS,
} from '../../../src/cli/client/throughput.js';

const T0 = 1_700_000_000_000;

describe('calls per minute', () => {
  it('is unknown before the first sample or the first second of dialing', () => {
    expect(callsPerMinute([])).toBeUndefined();
    expect(callsPerMinute([{ at: T0 + 500, finished: 0 }], T0)).toBeUndefined();
    expect(callsPerMinute([{ at: T0, finished: 3 }])).toBeUndefined();
  });

  it('is the average since the first dial while the batch is younger than a minute', () => {
    // 10 calls in 30 s = 20 a minute, whatever the samples in between say.
    const samples = [
      { at: T0 + 10_000, finished: 1 },
      { at: T0 + 30_000, finished: 10 },
    ];
    expect(callsPerMinute(samples, T0)).toBeCloseTo(20);
  });

  it('is measured over the last minute of samples once the batch is older', () => {
    const start = T0 - 10 * 60_000; // 10 minutes ago: the old pace no longer counts
    let samples = [{ at: T0 - 90_000, finished: 0 }];
    samples = addSample(samples, { at: T0, finished: 100 });
    samples = addSample(samples, { at: T0 + 30_000, finished: 130 });
    // The sample of 90 s ago fell out of the window: (130 - 100) over 30 s.
    expect(samples.map((s) => s.at)).toEqual([T0, T0 + 30_000]);
    expect(callsPerMinute(samples, start)).toBeCloseTo(60);
  });

  it('falls back to the average since the first dial while it has watched too briefly', () => {
    const start = T0 - 5 * 60_000;
    const samples = [
      { at: T0, finished: 100 },
      { at: T0 + 2_000, finished: 110 },
    ];
    // 110 calls in 5 min 2 s, not the burst of 10 in 2 s.
    expect(callsPerMinute(samples, start)).toBeCloseTo((110 / 302_000) * 60_000);
    expect(callsPerMinute(samples)).toBeUndefined();
  });

  it('is 0 over a minute when nothing ended (a paused batch)', () => {
    const samples = [
      { at: T0, finished: 50 },
      { at: T0 + RATE_WINDOW_MS, finished: 50 },
    ];
    expect(callsPerMinute(samples, T0 - 10 * 60_000)).toBe(0);
  });
});

describe('time left', () => {
  it('is the remaining calls at the current rate', () => {
    expect(etaMs(30, 60)).toBe(30_000);
  });

  it('is 0 with nothing left, unknown without a rate', () => {
    expect(etaMs(0, undefined)).toBe(0);
    expect(etaMs(5, undefined)).toBeUndefined();
    expect(etaMs(5, 0)).toBeUndefined();
  });
});
