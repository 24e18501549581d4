import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CallingWindow,
  isInsideWindow,
  nextWindowStart,
  parseCallingWindow,
} from '../../src/domain/calling-window.js';

const weekdays9to20: CallingWindow = {
  timezone: 'America/New_York',
  days: [1, 2, 3, 4, 5],
  start: '09:00',
  end: '20:00',
};
const NY = 'America/New_York';

describe('parseCallingWindow', () => {
  it('accepts the contract example and defaults', () => {
    expect(
      parseCallingWindow({
        timezone: 'recipient',
        days: [1, 2, 3, 4, 5],
        start: '09:00',
        end: '20:00',
      }),
    ).toEqual({
      ok: true,
      value: { timezone: 'recipient', days: [1, 2, 3, 4, 5], start: '09:00', end: '20:00' },
    });
  });

  it.each([
    [null, 'JSON object'],
    [[], 'JSON object'],
    [{ timezone: 'Mars/Olympus', start: '09:00', end: '17:00' }, 'IANA'],
    [{ days: [], start: '09:00', end: '17:00' }, 'days'],
    [{ days: [0, 1], start: '09:00', end: '17:00' }, 'days'],
    [{ days: [8], start: '09:00', end: '17:00' }, 'days'],
    [{ days: [1, 1], start: '09:00', end: '17:00' }, 'days'],
    [{ days: ['1'], start: '09:00', end: '17:00' }, 'days'],
    [{ start: '9:00', end: '17:00' }, 'start'],
    [{ start: '24:00', end: '17:00' }, 'start'],
    [{ start: '09:00', end: '17:60' }, 'end'],
    [{ start: '09:00' }, 'end'],
    [{ start: '09:00', end: '09:00' }, 'differ'],
    [{ start: '09:00', end: '17:00', extra: 1 }, 'Unknown'],
  ])('rejects %j', (raw, fragment) => {
    const r = parseCallingWindow(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(fragment);
  });

  it('accepts 00:00–24:00, the whole day', () => {
    const r = parseCallingWindow({ start: '00:00', end: '24:00' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (let h = 0; h < 48; h++) {
      expect(isInsideWindow(r.value, NY, Date.UTC(2026, 2, 7, 0, 30) + h * 3_600_000)).toBe(true);
    }
  });
});

describe('nextWindowStart', () => {
  it('returns the instant itself inside the window', () => {
    const at = Date.UTC(2026, 0, 5, 15, 0); // Monday 10:00 in New York (EST, UTC-5)
    expect(nextWindowStart(weekdays9to20, NY, at)).toBe(at);
    expect(isInsideWindow(weekdays9to20, NY, at)).toBe(true);
  });

  it('waits for the morning when it is too early, and for Monday at the weekend', () => {
    expect(nextWindowStart(weekdays9to20, NY, Date.UTC(2026, 0, 5, 12, 0))).toBe(
      Date.UTC(2026, 0, 5, 14, 0),
    );
    // Friday 20:00 local is closed (end is exclusive): next is Monday 09:00 local.
    expect(nextWindowStart(weekdays9to20, NY, Date.UTC(2026, 0, 10, 1, 0))).toBe(
      Date.UTC(2026, 0, 12, 14, 0),
    );
  });

  it('follows daylight saving time: 09:00 local is 14:00Z before and 13:00Z after the change', () => {
    // US DST starts Sunday 8 March 2026. Friday 21:00 EST → Monday 9 March 09:00 EDT = 13:00Z.
    expect(nextWindowStart(weekdays9to20, NY, Date.UTC(2026, 2, 7, 2, 0))).toBe(
      Date.UTC(2026, 2, 9, 13, 0),
    );
    // And back: DST ends Sunday 1 November 2026; Monday 2 November 09:00 EST = 14:00Z.
    expect(nextWindowStart(weekdays9to20, NY, Date.UTC(2026, 9, 31, 12, 0))).toBe(
      Date.UTC(2026, 10, 2, 14, 0),
    );
  });

  it('opens at the jump when the start time does not exist that day', () => {
    const w: CallingWindow = { timezone: NY, days: [7], start: '02:30', end: '05:00' };
    // 8 March 2026 02:30 does not happen in New York; clocks go 02:00 EST → 03:00 EDT (07:00Z).
    const open = nextWindowStart(w, NY, Date.UTC(2026, 2, 8, 5, 0));
    expect(open).toBe(Date.UTC(2026, 2, 8, 7, 30));
    expect(isInsideWindow(w, NY, open)).toBe(true);
  });

  it('handles windows past midnight', () => {
    const w: CallingWindow = { timezone: 'UTC', days: [1], start: '22:00', end: '02:00' };
    expect(isInsideWindow(w, 'UTC', Date.UTC(2026, 0, 5, 23, 0))).toBe(true); // Mon 23:00
    expect(isInsideWindow(w, 'UTC', Date.UTC(2026, 0, 6, 1, 0))).toBe(true); // Tue 01:00
    expect(isInsideWindow(w, 'UTC', Date.UTC(2026, 0, 6, 23, 0))).toBe(false); // Tue 23:00
    expect(nextWindowStart(w, 'UTC', Date.UTC(2026, 0, 6, 3, 0))).toBe(
      Date.UTC(2026, 0, 12, 22, 0),
    );
  });

  it('always returns a time inside the window, never earlier than asked, within 8 days', () => {
    const zones = ['UTC', NY, 'Europe/Paris', 'Asia/Kolkata', 'Australia/Sydney'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 1, max: 1439 }),
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }),
        (zone, days, s, len, at) => {
          const e = (s + len) % 1440;
          fc.pre(e !== s);
          const hhmm = (m: number) =>
            `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
          const w: CallingWindow = { timezone: zone, days, start: hhmm(s), end: hhmm(e) };
          const next = nextWindowStart(w, zone, at);
          expect(next).toBeGreaterThanOrEqual(at);
          expect(next - at).toBeLessThanOrEqual(8 * 86_400_000);
          expect(isInsideWindow(w, zone, next)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
