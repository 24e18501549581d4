import { describe, expect, it } from 'vitest';
import { autoPauseReason, parseAutoPause } from '../../src/domain/auto-pause.js';

describe('auto-pause rule (ext §17)', () => {
  const rule = { failureRate: 0.5, minAttempts: 4 };

  it('waits for minAttempts ended attempts', () => {
    expect(
      autoPauseReason(rule, ['provider_error', 'unreachable', 'carrier_blocked']),
    ).toBeUndefined();
  });

  it('pauses when the failed share of the latest attempts reaches the rate', () => {
    expect(autoPauseReason(rule, ['provider_error', 'answered', 'unreachable', 'answered'])).toBe(
      'auto-paused: 2 of the last 4 attempts failed (failureRate 0.5)',
    );
    expect(
      autoPauseReason(rule, ['provider_error', 'answered', 'answered', 'answered']),
    ).toBeUndefined();
  });

  it('counts only the latest minAttempts, and never busy or no answer', () => {
    const old = ['provider_error', 'provider_error', 'provider_error'];
    expect(
      autoPauseReason(rule, ['answered', 'answered', 'answered', 'provider_error', ...old]),
    ).toBeUndefined();
    expect(autoPauseReason(rule, ['busy', 'no_answer', 'busy', 'no_answer'])).toBeUndefined();
  });

  it('reads a rule and names what is wrong with a bad one', () => {
    expect(parseAutoPause({ failureRate: 0.5, minAttempts: 20 })).toEqual({
      ok: true,
      value: { failureRate: 0.5, minAttempts: 20 },
    });
    for (const bad of [
      null,
      [],
      { failureRate: 0, minAttempts: 20 },
      { failureRate: 1.5, minAttempts: 20 },
      { failureRate: 0.5, minAttempts: 1 },
      { failureRate: 0.5, minAttempts: 2.5 },
      { failureRate: '0.5', minAttempts: 20 },
    ]) {
      expect(parseAutoPause(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });
});
