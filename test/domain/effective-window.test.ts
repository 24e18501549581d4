import { describe, expect, it } from 'vitest';
import { type CallingWindow, isInsideWindow } from '../../src/domain/calling-window.js';
import {
  COMMON_OPENING_SEARCH_MS,
  DEFAULT_FLOOR,
  effectiveWindows,
  isInsideAll,
  nextCommonOpening,
  windowZone,
} from '../../src/domain/effective-window.js';

const NY = 'America/New_York';
const LA = 'America/Los_Angeles';
const utc = (iso: string) => Date.parse(iso);
const window = (w: Partial<CallingWindow> & Pick<CallingWindow, 'start' | 'end'>) => ({
  timezone: 'recipient',
  days: [1, 2, 3, 4, 5, 6, 7],
  ...w,
});

describe('effectiveWindows', () => {
  it('reads "recipient" windows in the recipient zone and fixed ones in their own', () => {
    const batch = window({ timezone: NY, start: '09:00', end: '20:00' });
    expect(effectiveWindows({ batch, floor: DEFAULT_FLOOR, recipientZone: LA })).toEqual([
      { window: DEFAULT_FLOOR, timeZone: LA },
      { window: batch, timeZone: NY },
    ]);
    expect(windowZone(batch, LA)).toBe(NY);
  });

  it('leaves the floor out for a call that reaches nobody (simulator)', () => {
    expect(effectiveWindows({ recipientZone: LA })).toEqual([]);
    expect(nextCommonOpening([], utc('2026-01-05T06:00:00Z'))).toBe(utc('2026-01-05T06:00:00Z'));
  });
});

describe('nextCommonOpening', () => {
  const floorIn = (zone: string) => effectiveWindows({ floor: DEFAULT_FLOOR, recipientZone: zone });

  it('holds a real call at 22:00 recipient time until 08:00 the next morning', () => {
    // Tuesday 2026-01-06 22:00 in Los Angeles (PST, UTC-8).
    const at = utc('2026-01-07T06:00:00Z');
    expect(nextCommonOpening(floorIn(LA), at)).toBe(utc('2026-01-07T16:00:00Z'));
    expect(isInsideAll(floorIn(LA), at)).toBe(false);
    expect(isInsideAll(floorIn(LA), utc('2026-01-07T16:00:00Z'))).toBe(true);
  });

  it('the same instant is inside the floor for a recipient three zones east', () => {
    // 16:00 UTC = 11:00 in New York, 08:00 in Los Angeles.
    expect(isInsideAll(floorIn(NY), utc('2026-01-07T16:00:00Z'))).toBe(true);
    // 14:00 UTC = 09:00 in New York, 06:00 in Los Angeles.
    const at = utc('2026-01-07T14:00:00Z');
    expect(isInsideAll(floorIn(NY), at)).toBe(true);
    expect(nextCommonOpening(floorIn(LA), at)).toBe(utc('2026-01-07T16:00:00Z'));
  });

  it('a narrower batch window narrows', () => {
    const batch = window({ start: '10:00', end: '12:00' });
    const ws = effectiveWindows({ batch, floor: DEFAULT_FLOOR, recipientZone: LA });
    // 08:30 in Los Angeles: inside the floor, not inside the batch's window.
    const at = utc('2026-01-07T16:30:00Z');
    expect(nextCommonOpening(ws, at)).toBe(utc('2026-01-07T18:00:00Z'));
    // 12:30: the batch's window has closed for the day although the floor is open.
    expect(nextCommonOpening(ws, utc('2026-01-07T20:30:00Z'))).toBe(utc('2026-01-08T18:00:00Z'));
  });

  it('a wider batch window does not widen', () => {
    const batch = window({ start: '06:00', end: '23:30' });
    const ws = effectiveWindows({ batch, floor: DEFAULT_FLOOR, recipientZone: LA });
    // 22:00 in Los Angeles: the batch allows it, the floor does not.
    expect(nextCommonOpening(ws, utc('2026-01-07T06:00:00Z'))).toBe(utc('2026-01-07T16:00:00Z'));
    // 07:00: same.
    expect(nextCommonOpening(ws, utc('2026-01-07T15:00:00Z'))).toBe(utc('2026-01-07T16:00:00Z'));
  });

  it('intersects windows read in different zones', () => {
    // Floor 08:00–21:00 in Los Angeles, batch 09:00–20:00 in New York: 08:00–17:00 Pacific.
    const batch = window({ timezone: NY, start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5] });
    const ws = effectiveWindows({ batch, floor: DEFAULT_FLOOR, recipientZone: LA });
    // Wednesday 17:30 Pacific = 20:30 Eastern: the batch's window has closed.
    const at = utc('2026-01-08T01:30:00Z');
    expect(nextCommonOpening(ws, at)).toBe(utc('2026-01-08T16:00:00Z'));
    // Friday 18:00 Pacific: next weekday of the batch is Monday, 08:00 Pacific (11:00 Eastern).
    expect(nextCommonOpening(ws, utc('2026-01-10T02:00:00Z'))).toBe(utc('2026-01-12T16:00:00Z'));
  });

  it('follows daylight saving: 08:00 local on the days the clocks change', () => {
    // Sunday 2026-03-08, New York springs forward at 02:00 (EST → EDT): 08:00 is 12:00 UTC.
    expect(nextCommonOpening(floorIn(NY), utc('2026-03-08T06:00:00Z'))).toBe(
      utc('2026-03-08T12:00:00Z'),
    );
    // Sunday 2026-11-01, back to EST: 08:00 is 13:00 UTC.
    expect(nextCommonOpening(floorIn(NY), utc('2026-11-01T05:00:00Z'))).toBe(
      utc('2026-11-01T13:00:00Z'),
    );
    // 21:00 EDT on the Saturday before the fall change: closed until 08:00 EST.
    expect(nextCommonOpening(floorIn(NY), utc('2026-11-01T01:00:00Z'))).toBe(
      utc('2026-11-01T13:00:00Z'),
    );
  });

  it('finds an overlap that only exists while the two zones are in different DST seasons', () => {
    // Batch 12:00–13:00 London, floor 08:00–21:00 New York. In winter London noon is 07:00 in
    // New York: no common hour. From 8 March (New York on EDT, London still GMT) noon London is
    // 08:00 New York, until London moves on 29 March.
    const batch = window({ timezone: 'Europe/London', start: '12:00', end: '13:00' });
    const ws = effectiveWindows({ batch, floor: DEFAULT_FLOOR, recipientZone: NY });
    expect(nextCommonOpening(ws, utc('2026-03-02T12:30:00Z'))).toBe(utc('2026-03-08T12:00:00Z'));

    // From January the search span passes with no common moment: the answer is past the span,
    // nothing before it is common, and looking again from there arrives at 8 March.
    let at = utc('2026-01-05T00:00:00Z');
    const first = nextCommonOpening(ws, at);
    expect(first).toBeGreaterThan(at + COMMON_OPENING_SEARCH_MS);
    expect(isInsideAll(ws, first)).toBe(false);
    for (let step = 0; step < 20 && !isInsideAll(ws, at); step++) at = nextCommonOpening(ws, at);
    expect(at).toBe(utc('2026-03-08T12:00:00Z'));
    expect(isInsideWindow(DEFAULT_FLOOR, NY, at)).toBe(true);
  });

  it('never answers a moment outside any of the windows when one exists in the span', () => {
    const batch = window({ timezone: 'Asia/Kolkata', start: '18:00', end: '23:00', days: [2, 4] });
    const ws = effectiveWindows({ batch, floor: DEFAULT_FLOOR, recipientZone: 'Europe/Berlin' });
    for (let h = 0; h < 24 * 9; h += 13) {
      const at = utc('2026-03-25T00:00:00Z') + h * 3_600_000;
      const t = nextCommonOpening(ws, at);
      expect(isInsideAll(ws, t)).toBe(true);
      // Nothing common in between (checked every quarter hour).
      for (let m = at; m < t; m += 900_000) expect(isInsideAll(ws, m)).toBe(false);
    }
  });
});
