import { describe, expect, it } from 'vitest';
import {
  canLookUp,
  inCallDeadline,
  placingWaitUntil,
  recoveryStep,
  verdictOf,
} from '../../src/domain/recovery.js';

const T = { ringTimeoutMs: 60_000, maxCallMs: 3_600_000, marginMs: 30_000 };
const FULL = { byAttempt: true, byCallId: true, provesAbsence: true, hangUp: true };
const ended = { status: 'ended' as const, end: { reason: 'busy' as const, endedAt: 5 } };

describe('recovery decisions', () => {
  it('times: a lost placing attempt waits ring timeout + margin, an in_call one adds the longest call', () => {
    expect(placingWaitUntil(1_000, T)).toBe(91_000);
    expect(inCallDeadline(1_000, T)).toBe(3_691_000);
    // A provider that plays the call itself announced its end: a margin after it, never later
    // than the general deadline.
    expect(inCallDeadline(1_000, T, 100_000)).toBe(100_000 + T.marginMs);
    expect(inCallDeadline(1_000, T, 9_000_000)).toBe(3_691_000);
  });

  it('releases a claimed attempt at once: it was never sent', () => {
    expect(recoveryStep('claimed', 0, 1, T)).toEqual({ kind: 'release' });
  });

  it('waits for a placing attempt’s callbacks, unless they died with its worker', () => {
    expect(recoveryStep('placing', 0, 90_000 - 1, T)).toEqual({ kind: 'wait', until: 90_000 });
    expect(recoveryStep('placing', 0, 90_000, T)).toEqual({ kind: 'lookup' });
    expect(recoveryStep('placing', 0, 1, T, false)).toEqual({ kind: 'lookup' });
    expect(recoveryStep('in_call', 0, 1, T)).toEqual({ kind: 'lookup' });
  });

  it('can ask about a placing attempt only by attempt, an in_call one also by its call id', () => {
    const byId = { ...FULL, byAttempt: false };
    expect(canLookUp('placing', null, byId)).toBe(false);
    expect(canLookUp('in_call', 'CA1', byId)).toBe(true);
    expect(canLookUp('in_call', null, byId)).toBe(false);
    expect(canLookUp('placing', null, FULL)).toBe(true);
  });

  it('settles from an end, adopts a placing call in progress, asks again for one past its deadline', () => {
    expect(verdictOf('placing', ended, FULL, 10, T)).toEqual({ kind: 'settle', end: ended.end });
    expect(
      verdictOf(
        'placing',
        { status: 'in_progress', providerCallId: 'CA1', answeredAt: 4 },
        FULL,
        10,
        T,
      ),
    ).toEqual({ kind: 'adopt', providerCallId: 'CA1', answeredAt: 4 });
    expect(
      verdictOf('in_call', { status: 'in_progress', providerCallId: 'CA1' }, FULL, 10, T),
    ).toEqual({
      kind: 'recheck',
      at: 30_010,
      hangUp: true,
    });
    expect(
      verdictOf(
        'in_call',
        { status: 'in_progress', providerCallId: 'CA1' },
        { ...FULL, hangUp: false },
        10,
        T,
      ),
    ).toMatchObject({ hangUp: false });
  });

  it('releases only on proven absence; anything it cannot know is "outcome unknown", a failed lookup is asked again', () => {
    expect(verdictOf('placing', { status: 'not_found' }, FULL, 10, T)).toEqual({ kind: 'release' });
    expect(
      verdictOf('placing', { status: 'not_found' }, { ...FULL, provesAbsence: false }, 10, T),
    ).toEqual({
      kind: 'lost',
    });
    // A call the carrier accepted and no longer knows is not proof it never happened.
    expect(verdictOf('in_call', { status: 'not_found' }, FULL, 10, T)).toEqual({ kind: 'lost' });
    expect(verdictOf('placing', { status: 'unknown' }, FULL, 10, T)).toEqual({ kind: 'lost' });
    expect(verdictOf('placing', undefined, FULL, 10, T)).toEqual({ kind: 'lost' });
    expect(verdictOf('placing', 'failed', FULL, 10, T)).toEqual({
      kind: 'recheck',
      at: 30_010,
      hangUp: false,
    });
  });
});
