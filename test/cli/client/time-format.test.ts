import { beforeAll, describe, expect, it } from 'vitest';
import { formatDuration, formatInstant } from '../../../src/cli/client/time-format.js';

describe('time formats', () => {
  beforeAll(() => {
    process.env['TZ'] = 'Europe/Paris';
  });

  it('shows instants in the local time zone', () => {
    expect(formatInstant(Date.UTC(2026, 6, 1, 7, 5, 9))).toBe('2026-07-01 09:05:09');
    expect(formatInstant(Date.UTC(2026, 0, 31, 23, 0, 0))).toBe('2026-02-01 00:00:00');
  });

  it('shows durations as m:ss, with hours when there are any, rounded up', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(41_200)).toBe('0:42');
    expect(formatDuration(12 * 60_000 + 5_000)).toBe('12:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(-5)).toBe('0:00');
  });
});
