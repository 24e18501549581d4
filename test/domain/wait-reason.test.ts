import { describe, expect, it } from 'vitest';
import { waitReason } from '../../src/domain/wait-reason.js';

const NOW = 1_767_625_200_000;

describe('why a waiting job waits (§19)', () => {
  it('names the reason from the call as stored', () => {
    const base = { runAt: NOW + 60_000, attempts: 0, paused: false };
    expect(waitReason({ ...base, runAt: NOW }, NOW)).toBe('queued');
    expect(waitReason({ ...base, runAt: NOW - 5 }, NOW)).toBe('queued');
    expect(waitReason(base, NOW)).toBe('scheduled');
    expect(waitReason({ ...base, attempts: 1 }, NOW)).toBe('retry');
    expect(waitReason({ ...base, heldReason: 'calling_window' }, NOW)).toBe('calling_window');
    expect(waitReason({ ...base, attempts: 2, heldReason: 'frequency_cap' }, NOW)).toBe(
      'frequency_cap',
    );
  });

  it('a pause outranks every other reason; a due call is queued whatever held it before', () => {
    expect(waitReason({ runAt: NOW - 1, attempts: 0, paused: true }, NOW)).toBe('paused');
    expect(
      waitReason({ runAt: NOW + 1, attempts: 1, heldReason: 'frequency_cap', paused: true }, NOW),
    ).toBe('paused');
    expect(
      waitReason({ runAt: NOW, attempts: 1, heldReason: 'calling_window', paused: false }, NOW),
    ).toBe('queued');
  });
});
