import { describe, expect, it } from 'vitest';
import {
  decideNext,
  failureText,
  type RetryPolicy,
  retryDelayMs,
  retryPolicyFor,
} from '../../src/domain/retry-policy.js';
import type { AttemptReason, Outcome } from '../../src/domain/types.js';

const defaults = { maxAttempts: 3, retryDelaysMs: [120_000, 240_000] };
const DEFAULT = retryPolicyFor(defaults);
const SMART = retryPolicyFor(defaults, {
  enabled: true,
  maxAttempts: 4,
  gaps: [
    { days: 0, hours: 2 },
    { days: 1, hours: 0 },
  ],
});
const H = 3_600_000;
const D = 86_400_000;

const next = (
  policy: RetryPolicy,
  reason: AttemptReason,
  attemptNo: number,
  outcome?: Outcome,
  batchCancelled = false,
) =>
  decideNext({
    end: { reason, ...(outcome ? { outcome } : {}) },
    attemptNo,
    policy,
    batchCancelled,
  });

describe('default retry policy', () => {
  it.each([
    ['busy', 'Number busy - unable to connect after 3 attempts'],
    ['no_answer', 'No answer - unable to connect after 3 attempts'],
    ['provider_error', 'Provider error - unable to connect after 3 attempts'],
  ] as const)('retries %s at 2 min then 4 min, then fails with "%s"', (reason, error) => {
    expect(next(DEFAULT, reason, 1)).toEqual({ kind: 'retry', delayMs: 120_000 });
    expect(next(DEFAULT, reason, 2)).toEqual({ kind: 'retry', delayMs: 240_000 });
    expect(next(DEFAULT, reason, 3)).toEqual({ kind: 'fail', error });
  });

  it('fails unreachable numbers and carrier blocks at once', () => {
    expect(next(DEFAULT, 'unreachable', 1)).toEqual({
      kind: 'fail',
      error: 'Number unreachable - unable to connect after 1 attempt',
    });
    expect(next(DEFAULT, 'carrier_blocked', 1)).toEqual({
      kind: 'fail',
      error: 'Carrier blocked the call - unable to connect after 1 attempt',
    });
    expect(next(DEFAULT, 'unreachable', 2)).toEqual({
      kind: 'fail',
      error: 'Number unreachable - unable to connect after 2 attempts',
    });
  });

  it("completes answered calls with the provider's outcome, voicemail as voicemail", () => {
    for (const o of ['successful', 'unsuccessful', 'callback_requested', 'opted_out'] as const) {
      expect(next(DEFAULT, 'answered', 1, o)).toEqual({ kind: 'complete', outcome: o });
    }
    expect(next(DEFAULT, 'answered', 1)).toEqual({ kind: 'complete', outcome: 'successful' });
    expect(next(DEFAULT, 'voicemail', 1)).toEqual({ kind: 'complete', outcome: 'voicemail' });
    expect(next(DEFAULT, 'voicemail', 1, 'voicemail')).toEqual({
      kind: 'complete',
      outcome: 'voicemail',
    });
  });

  it('repeats the last configured delay and honours another maxAttempts', () => {
    const p = retryPolicyFor({ maxAttempts: 5, retryDelaysMs: [1_000, 5_000] });
    expect([1, 2, 3, 4].map((k) => retryDelayMs(p, k))).toEqual([1_000, 5_000, 5_000, 5_000]);
    expect(next(p, 'busy', 4)).toEqual({ kind: 'retry', delayMs: 5_000 });
    expect(next(p, 'busy', 5)).toEqual({
      kind: 'fail',
      error: 'Number busy - unable to connect after 5 attempts',
    });
  });

  it('with maxAttempts 1 never retries', () => {
    const p = retryPolicyFor({ maxAttempts: 1, retryDelaysMs: [1] });
    expect(next(p, 'no_answer', 1)).toEqual({
      kind: 'fail',
      error: 'No answer - unable to connect after 1 attempt',
    });
  });

  it('ignores a disabled smart callback', () => {
    expect(
      retryPolicyFor(defaults, { enabled: false, maxAttempts: 9, gaps: [{ days: 1, hours: 0 }] }),
    ).toEqual(DEFAULT);
  });
});

describe('smart callback policy', () => {
  it('schedules attempt k+1 gaps[k-1] later, the last gap repeating', () => {
    expect(next(SMART, 'busy', 1)).toEqual({ kind: 'retry', delayMs: 2 * H });
    expect(next(SMART, 'no_answer', 2)).toEqual({ kind: 'retry', delayMs: D });
    expect(next(SMART, 'voicemail', 3)).toEqual({ kind: 'retry', delayMs: D });
  });

  it('retries voicemail, callback requests and provider errors; counts every attempt', () => {
    expect(next(SMART, 'voicemail', 1)).toEqual({ kind: 'retry', delayMs: 2 * H });
    expect(next(SMART, 'answered', 1, 'callback_requested')).toEqual({
      kind: 'retry',
      delayMs: 2 * H,
    });
    expect(next(SMART, 'provider_error', 1)).toEqual({ kind: 'retry', delayMs: 2 * H });
    // Attempt 4 of 4: nothing left.
    expect(next(SMART, 'voicemail', 4)).toEqual({ kind: 'complete', outcome: 'voicemail' });
    expect(next(SMART, 'answered', 4, 'callback_requested')).toEqual({
      kind: 'complete',
      outcome: 'callback_requested',
    });
    expect(next(SMART, 'busy', 4)).toEqual({
      kind: 'fail',
      error: 'Number busy - unable to connect after 4 attempts',
    });
    expect(next(SMART, 'no_answer', 4)).toEqual({
      kind: 'fail',
      error: 'No answer - unable to connect after 4 attempts',
    });
    expect(next(SMART, 'provider_error', 4)).toEqual({
      kind: 'fail',
      error: 'Provider error - unable to connect after 4 attempts',
    });
  });

  it('completes other answered outcomes at once', () => {
    for (const o of ['successful', 'unsuccessful', 'opted_out'] as const) {
      expect(next(SMART, 'answered', 1, o)).toEqual({ kind: 'complete', outcome: o });
    }
  });

  it('still fails unreachable and carrier-blocked numbers at once', () => {
    expect(next(SMART, 'unreachable', 1)).toEqual({
      kind: 'fail',
      error: 'Number unreachable - unable to connect after 1 attempt',
    });
    expect(next(SMART, 'carrier_blocked', 2)).toEqual({
      kind: 'fail',
      error: 'Carrier blocked the call - unable to connect after 2 attempts',
    });
  });

  it('falls back to the configured delays when it has no gaps', () => {
    const p = retryPolicyFor(defaults, { enabled: true, maxAttempts: 5, gaps: [] });
    expect(next(p, 'busy', 1)).toEqual({ kind: 'retry', delayMs: 120_000 });
    expect(next(p, 'busy', 3)).toEqual({ kind: 'retry', delayMs: 240_000 });
  });

  it('adds days and hours of a gap', () => {
    const p = retryPolicyFor(defaults, {
      enabled: true,
      maxAttempts: 3,
      gaps: [{ days: 2, hours: 5 }],
    });
    expect(next(p, 'no_answer', 1)).toEqual({ kind: 'retry', delayMs: 2 * D + 5 * H });
  });
});

describe('a batch cancelled while the call was active', () => {
  it('never retries', () => {
    expect(next(DEFAULT, 'busy', 1, undefined, true)).toEqual({
      kind: 'fail',
      error: 'Number busy - unable to connect after 1 attempt',
    });
    expect(next(SMART, 'no_answer', 2, undefined, true)).toEqual({
      kind: 'fail',
      error: 'No answer - unable to connect after 2 attempts',
    });
    expect(next(SMART, 'voicemail', 1, undefined, true)).toEqual({
      kind: 'complete',
      outcome: 'voicemail',
    });
    expect(next(SMART, 'answered', 1, 'callback_requested', true)).toEqual({
      kind: 'complete',
      outcome: 'callback_requested',
    });
    expect(next(DEFAULT, 'answered', 1, 'successful', true)).toEqual({
      kind: 'complete',
      outcome: 'successful',
    });
  });
});

describe('failureText', () => {
  it('uses the singular for one attempt', () => {
    expect(failureText('busy', 1)).toBe('Number busy - unable to connect after 1 attempt');
    expect(failureText('busy', 2)).toBe('Number busy - unable to connect after 2 attempts');
  });
});
