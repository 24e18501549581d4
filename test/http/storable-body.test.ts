import { describe, expect, it } from 'vitest';
import { unstorableBodyText } from '../../src/http/storable-body.js';

// The whole-body check of JSON bodies a route stores part of (src/http/storable-body.ts).

describe('unstorableBodyText', () => {
  it('passes text PostgreSQL can hold, paired surrogates (emoji) included', () => {
    expect(unstorableBodyText({ name: 'Zoë 🤖', list: [1, true, null, { a: 'b' }] })).toBe(
      undefined,
    );
    expect(unstorableBodyText('plain')).toBe(undefined);
    expect(unstorableBodyText(42)).toBe(undefined);
  });

  it('names the first bad value by its JSON pointer', () => {
    expect(unstorableBodyText({ a: 'ok', b: ['x', 'y\0'] })).toBe(
      'body/b/1 contains a NUL character',
    );
    expect(unstorableBodyText({ deep: { list: [{ v: '\uD800' }] } })).toBe(
      'body/deep/list/0/v contains an unpaired UTF-16 surrogate (not Unicode text)',
    );
    expect(unstorableBodyText('\uDC00x')).toMatch(/^body contains an unpaired/);
    // RFC 6901: "~" and "/" in a key are escaped, so the pointer stays unambiguous.
    expect(unstorableBodyText({ 'a/b~c': '\0' })).toBe('body/a~1b~0c contains a NUL character');
  });

  it('names a bad key by its parent, without echoing it', () => {
    expect(unstorableBodyText({ 'x\0y': 1 })).toBe(
      'body has a field name that contains a NUL character',
    );
    expect(unstorableBodyText({ gaps: [{ days: 1, '\uD800': 2 }] })).toBe(
      'body/gaps/0 has a field name that contains an unpaired UTF-16 surrogate (not Unicode text)',
    );
  });
});
