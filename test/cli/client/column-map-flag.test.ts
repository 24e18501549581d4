import { describe, expect, it } from 'vitest';
import { columnMapField } from '../../../src/cli/client/column-map-flag.js';

describe('--column-map', () => {
  it('passes a JSON object through for the server to check', () => {
    expect(columnMapField(' {"phone_number":"Handy"} ')).toBe('{"phone_number":"Handy"}');
  });

  it('turns variable=Header pairs into the JSON object', () => {
    expect(columnMapField('phone_number=Handy, first_name = Vorname Name')).toBe(
      '{"phone_number":"Handy","first_name":"Vorname Name"}',
    );
  });

  it('refuses a pair without both halves as a usage error', () => {
    for (const bad of ['phone_number', 'phone_number=', '=Handy', 'a=b,,c=d']) {
      expect(() => columnMapField(bad), bad).toThrow(/^--column-map takes variable=Header pairs/);
    }
  });
});
