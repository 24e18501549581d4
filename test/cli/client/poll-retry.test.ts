import { describe, expect, it } from 'vitest';
import {
  OUTAGE_LIMIT_MS,
  pollRetryDelay,
  retryNotice,
} from '../../../src/cli/client/poll-retry.js';

describe('a follower after a failed poll', () => {
  it('waits out the request limit for as long as the server asks', () => {
    expect(pollRetryDelay({ status: 429, retryAfterSeconds: 12 }, 0, 1000)).toBe(12_000);
    expect(pollRetryDelay({ status: 429, retryAfterSeconds: 0 }, 0, 1000)).toBe(1000);
    expect(pollRetryDelay({ status: 429, retryAfterSeconds: undefined }, 10 * 60_000, 1000)).toBe(
      1000,
    );
  });

  it('keeps polling through an outage (no answer, 502–504) for up to a minute', () => {
    for (const status of [undefined, 502, 503, 504]) {
      expect(pollRetryDelay({ status, retryAfterSeconds: undefined }, 0, 1000)).toBe(1000);
      expect(
        pollRetryDelay({ status, retryAfterSeconds: undefined }, OUTAGE_LIMIT_MS - 1, 1000),
      ).toBe(1000);
      expect(
        pollRetryDelay({ status, retryAfterSeconds: undefined }, OUTAGE_LIMIT_MS, 1000),
      ).toBeUndefined();
    }
  });

  it('stops at once on what waiting cannot fix', () => {
    for (const status of [400, 401, 403, 404, 500]) {
      expect(pollRetryDelay({ status, retryAfterSeconds: undefined }, 0, 1000)).toBeUndefined();
    }
  });

  it('says what it waits for', () => {
    expect(retryNotice({ status: 429, retryAfterSeconds: 3 }, 3000)).toBe(
      'the server asks to slow down (429): next poll in 3 s',
    );
    expect(retryNotice({ status: undefined, retryAfterSeconds: undefined }, 1000)).toBe(
      'no answer from the server: still following, for up to 60 s without an answer',
    );
    expect(retryNotice({ status: 503, retryAfterSeconds: undefined }, 1000)).toBe(
      'the server answered 503: still following, for up to 60 s without an answer',
    );
  });
});
