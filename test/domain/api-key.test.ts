import { describe, expect, it } from 'vitest';
import {
  generateApiKey,
  hashesEqual,
  hmacApiKey,
  keyDisplayPrefix,
  keySecretFingerprint,
  legacyApiKeyHash,
} from '../../src/domain/api-key.js';

const S1 = Buffer.from('a'.repeat(64));
const S2 = Buffer.from('b'.repeat(64));

describe('API key hashing', () => {
  it('is HMAC-SHA-256 under the secret: stable for one secret, different under another', () => {
    const key = generateApiKey();
    expect(hmacApiKey(S1, key)).toBe(hmacApiKey(S1, key));
    expect(hmacApiKey(S1, key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hmacApiKey(S1, key)).not.toBe(hmacApiKey(S2, key));
    // Not the unkeyed hash: a table of keyed hashes cannot be checked without the secret.
    expect(hmacApiKey(S1, key)).not.toBe(legacyApiKeyHash(key));
    // RFC 4231 test case 2 pins the construction itself.
    expect(hmacApiKey(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('fingerprints a secret without any key, and differently per secret', () => {
    expect(keySecretFingerprint(S1)).toBe(keySecretFingerprint(Buffer.from('a'.repeat(64))));
    expect(keySecretFingerprint(S1)).not.toBe(keySecretFingerprint(S2));
  });

  it('compares hashes in constant time and never equal across lengths', () => {
    const h = hmacApiKey(S1, 'od_x');
    expect(hashesEqual(h, h)).toBe(true);
    expect(hashesEqual(h, hmacApiKey(S1, 'od_y'))).toBe(false);
    expect(hashesEqual(h, h.slice(0, 32))).toBe(false);
  });

  it('shows at most a third of a key, and keys are 192 random bits', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^od_[A-Za-z0-9_-]{32}$/);
    expect(keyDisplayPrefix(key).length).toBeLessThanOrEqual(key.length / 3);
    expect(generateApiKey()).not.toBe(key);
  });
});
