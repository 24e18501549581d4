import { describe, expect, it } from 'vitest';
import { settleEnding } from '../../src/domain/attempt-end.js';
import type { CarrierEnd } from '../../src/domain/attempt-event.js';
import type { BatchConfig } from '../../src/domain/types.js';

// §21: a report's callbackAt is when a callback-requested call is dialed again, within the smart
// callback budget and the calling window; without smart callback it is kept, not scheduled.

const NOW = Date.UTC(2026, 0, 5, 15, 0, 0);
const HOUR = 3_600_000;
const defaults = { maxAttempts: 3, retryDelaysMs: [60_000] };
const smart: BatchConfig = {
  smartCallback: { enabled: true, maxAttempts: 3, gaps: [{ days: 1, hours: 0 }] },
};
const answered = (extra: Partial<CarrierEnd>): CarrierEnd => ({
  reason: 'answered',
  endedAt: NOW,
  answeredAt: NOW - 30_000,
  durationSec: 30,
  outcome: 'callback_requested',
  ...extra,
});
const settle = (
  config: BatchConfig,
  end: CarrierEnd,
  attemptNo = 1,
  timeZone: string | null = null,
) =>
  settleEnding(
    { attemptNo, timeZone, batchStatus: 'processing', config },
    { kind: 'carrier', end },
    NOW,
    defaults,
  ).call;

describe('callbackAt of a callback request (§21)', () => {
  it('schedules the next attempt at the time the callee asked for', () => {
    expect(settle(smart, answered({ callbackAt: NOW + 3 * HOUR }))).toEqual({
      kind: 'retry',
      runAt: NOW + 3 * HOUR,
      reason: 'answered',
    });
  });

  it("falls back to the batch's gap without one, and never schedules in the past", () => {
    expect(settle(smart, answered({}))).toMatchObject({ kind: 'retry', runAt: NOW + 24 * HOUR });
    expect(settle(smart, answered({ callbackAt: NOW - HOUR }))).toMatchObject({ runAt: NOW });
  });

  it('keeps to the calling window', () => {
    const windowed: BatchConfig = {
      ...smart,
      callingWindow: { timezone: 'UTC', start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] },
    };
    // 20:00 UTC on Monday is outside 09:00–17:00 UTC: the next start is Tuesday 09:00.
    const r = settle(windowed, answered({ callbackAt: Date.UTC(2026, 0, 5, 20) }), 1, 'UTC');
    expect(r).toMatchObject({ kind: 'retry', runAt: Date.UTC(2026, 0, 6, 9) });
  });

  it('completes when the budget is spent, when smart callback is off, or for another outcome', () => {
    const at = { callbackAt: NOW + HOUR };
    expect(settle(smart, answered(at), 3)).toMatchObject({
      kind: 'complete',
      outcome: 'callback_requested',
    });
    expect(settle({}, answered(at))).toMatchObject({
      kind: 'complete',
      outcome: 'callback_requested',
    });
    expect(settle(smart, answered({ ...at, outcome: 'successful' }))).toMatchObject({
      kind: 'complete',
      outcome: 'successful',
    });
  });
});
