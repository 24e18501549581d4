import { describe, expect, it } from 'vitest';
import { AttemptTokens, REPORT_TOKEN_TTL_MS } from '../../src/security/attempt-token.js';

// §21: a report token is good for one attempt only, for 24 h, and checked without a lookup.

const NOW = Date.UTC(2026, 0, 5, 15, 0, 0);
const ATT = 'att_01jh0000000000000000000000';

describe('attempt tokens', () => {
  const tokens = new AttemptTokens(Buffer.from('s'.repeat(64)));

  it('verifies for its attempt, purpose and lifetime only', () => {
    const token = tokens.issue('report', ATT, NOW + REPORT_TOKEN_TTL_MS);
    expect(token).toMatch(/^att_[0-9a-z]+\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(tokens.verify('report', token, NOW)).toEqual({
      attemptId: ATT,
      expiresAt: NOW + REPORT_TOKEN_TTL_MS,
    });
    expect(tokens.verify('report', token, NOW + REPORT_TOKEN_TTL_MS - 1)).toBeDefined();
    expect(tokens.verify('report', token, NOW + REPORT_TOKEN_TTL_MS)).toBeUndefined();
    expect(tokens.verify('callback', token, NOW)).toBeUndefined();
  });

  it('refuses an edited attempt, a stretched expiry, another secret and garbage', () => {
    const token = tokens.issue('report', ATT, NOW + 1_000);
    const [, expiry, mac] = token.split('.');
    expect(tokens.verify('report', `att_other.${expiry}.${mac}`, NOW)).toBeUndefined();
    const later = (NOW + REPORT_TOKEN_TTL_MS * 10).toString(36);
    expect(tokens.verify('report', `${ATT}.${later}.${mac}`, NOW)).toBeUndefined();
    const other = new AttemptTokens(Buffer.from('o'.repeat(64)));
    expect(other.verify('report', token, NOW)).toBeUndefined();
    for (const bad of [
      '',
      'a.b',
      `${token}.x`,
      `${ATT}.zz.${'A'.repeat(43)}`,
      `${ATT}.-1.${mac}`,
    ]) {
      expect(tokens.verify('report', bad, NOW), bad).toBeUndefined();
    }
  });
});
