import { describe, expect, it } from 'vitest';
import { isStorableText, unstorableReason } from '../../src/ingest/storable-text.js';

describe('storable text (what PostgreSQL text and jsonb hold unchanged)', () => {
  it('accepts any well-formed text, astral characters included', () => {
    for (const s of ['', 'plain', 'Zoë', '🤖 robot', '\uD83D\uDE00', 'tab\tnew\nline', '\uFFFD']) {
      expect(isStorableText(s), JSON.stringify(s)).toBe(true);
      expect(unstorableReason(s)).toBeUndefined();
    }
  });

  it('refuses a NUL and an unpaired surrogate, wherever it is', () => {
    expect(unstorableReason('a\0b')).toBe('contains a NUL character');
    for (const s of [
      '\uD800',
      'x\uDBFFy',
      '\uDC00',
      'a\uDFFF',
      '\uDE00\uD83D',
      '\uD83D\uD83D\uDE00'.slice(0, 2),
    ]) {
      expect(isStorableText(s), JSON.stringify(s)).toBe(false);
      expect(unstorableReason(s)).toMatch(/unpaired UTF-16 surrogate/);
    }
  });
});
