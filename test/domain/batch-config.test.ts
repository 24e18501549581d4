import { describe, expect, it } from 'vitest';
import { readBatchConfig, StoredConfigError } from '../../src/domain/batch-config.js';

describe('a stored batch config read back into its type', () => {
  const window = { timezone: 'America/New_York', days: [5, 1], start: '09:00', end: '17:30' };
  const smart = { enabled: true, maxAttempts: 4, gaps: [{ days: 1, hours: 2 }] };

  it('parses the calling window once (days sorted) and keeps smart callback and country', () => {
    expect(
      readBatchConfig({ smartCallback: smart, callingWindow: window, defaultCountry: 'GB' }),
    ).toEqual({
      smartCallback: smart,
      callingWindow: { ...window, days: [1, 5] },
      defaultCountry: 'GB',
    });
  });

  it('reads an empty or missing config as no options, and ignores keys of older rows', () => {
    expect(readBatchConfig({})).toEqual({});
    expect(readBatchConfig(null)).toEqual({});
    expect(readBatchConfig({ maxConcurrency: 3, callingWindow: null })).toEqual({});
  });

  it.each([
    ['a config that is not an object', [1, 2]],
    ['a calling window that does not parse', { callingWindow: { start: '9am', end: '17:00' } }],
    ['a smart callback without gaps', { smartCallback: { enabled: true, maxAttempts: 2 } }],
    ['a gap that is not {days, hours}', { smartCallback: { ...smart, gaps: [{ days: -1 }] } }],
    ['a country that is not text', { defaultCountry: 44 }],
  ])('refuses %s as a damaged row', (_, raw) => {
    expect(() => readBatchConfig(raw)).toThrow(StoredConfigError);
  });
});
