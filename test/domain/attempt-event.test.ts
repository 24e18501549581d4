import { describe, expect, it } from 'vitest';
import { type AttemptEvent, applyEvents, endingReason } from '../../src/domain/attempt-event.js';

// The one rule for recording carrier events: idempotent (a repeated event changes nothing) and
// ordered (an event of an earlier stage after a later one changes only what was not known).

const id = 'att_1';
const ringing = (at: number): AttemptEvent => ({
  attemptId: id,
  kind: 'ringing',
  at,
  providerCallId: 'CA1',
});
const accepted = (at: number): AttemptEvent => ({
  attemptId: id,
  kind: 'accepted',
  at,
  providerCallId: 'CA1',
});
const answered = (at: number): AttemptEvent => ({ attemptId: id, kind: 'answered', at });
const machine = (at: number): AttemptEvent => ({ attemptId: id, kind: 'machine_detected', at });
const ended = (at: number): AttemptEvent => ({
  attemptId: id,
  kind: 'ended',
  ending: { kind: 'carrier', end: { reason: 'answered', endedAt: at } },
});

describe('applying carrier events to an attempt', () => {
  it('moves a placing attempt in_call on its acceptance or on any event that comes first', () => {
    expect(applyEvents('placing', [accepted(1)])).toEqual({ to: 'in_call', providerCallId: 'CA1' });
    // A provider that plays the call itself says when it ends: recovery's deadline uses it.
    expect(applyEvents('placing', [{ ...accepted(1), endsBy: 70 } as AttemptEvent])).toEqual({
      to: 'in_call',
      providerCallId: 'CA1',
      endsBy: 70,
    });
    expect(applyEvents('placing', [ringing(1)])).toEqual({ to: 'in_call', providerCallId: 'CA1' });
    expect(applyEvents('placing', [answered(5)])).toEqual({ to: 'in_call', answeredAt: 5 });
  });

  it('takes the announced end from an acceptance that comes after the first status event', () => {
    const known = { providerCallId: 'CA1', answeredAt: null, machineDetectedAt: null };
    expect(applyEvents('in_call', [{ ...accepted(1), endsBy: 70 } as AttemptEvent], known)).toEqual(
      { to: 'in_call', endsBy: 70 },
    );
  });

  it('keeps the first call id and answer time: a repeat or a late one changes nothing', () => {
    expect(applyEvents('in_call', [answered(5), answered(9)])).toEqual({
      to: 'in_call',
      answeredAt: 5,
    });
    expect(applyEvents('in_call', [ringing(3)])).toEqual({ to: 'in_call', providerCallId: 'CA1' });
    expect(applyEvents('in_call', [machine(7)])).toEqual({
      to: 'in_call',
      answeredAt: 7,
      machineDetectedAt: 7,
    });
  });

  it('writes nothing for an event that only repeats what the row holds', () => {
    const known = { providerCallId: 'CA1', answeredAt: 5, machineDetectedAt: null };
    expect(applyEvents('in_call', [ringing(3), accepted(1), answered(9)], known)).toBeUndefined();
    expect(applyEvents('in_call', [machine(9)], known)).toEqual({
      to: 'in_call',
      machineDetectedAt: 9,
    });
    // Still a change of state: a placing attempt the carrier reports on is in a call.
    expect(applyEvents('placing', [ringing(3)], known)).toEqual({ to: 'in_call' });
  });

  it('ends once: an ended attempt ignores everything, an end ignores what follows it', () => {
    for (const e of [ended(9), answered(5), ringing(1), accepted(1)]) {
      expect(applyEvents('ended', [e])).toBeUndefined();
    }
    const change = applyEvents('in_call', [ended(9), answered(5), ended(12)]);
    expect(change).toEqual({
      to: 'ended',
      ending: { kind: 'carrier', end: { reason: 'answered', endedAt: 9 } },
    });
  });

  it('records what came before the end in the same group (the end of a reordered delivery)', () => {
    expect(applyEvents('placing', [ringing(1), answered(5), ended(9)])).toMatchObject({
      to: 'ended',
      providerCallId: 'CA1',
      answeredAt: 5,
    });
  });

  it('an answered end after a machine was detected (asynchronous detection) is voicemail', () => {
    const reasonOf = (c: ReturnType<typeof applyEvents>) =>
      c?.ending?.kind === 'carrier' ? c.ending.end.reason : undefined;
    expect(reasonOf(applyEvents('in_call', [machine(5), ended(9)]))).toBe('voicemail');
    expect(reasonOf(applyEvents('in_call', [ended(9)], { machineDetectedAt: 5 }))).toBe(
      'voicemail',
    );
    expect(reasonOf(applyEvents('in_call', [answered(5), ended(9)]))).toBe('answered');
    const busy: AttemptEvent = {
      attemptId: id,
      kind: 'ended',
      ending: { kind: 'carrier', end: { reason: 'busy', endedAt: 9 } },
    };
    expect(reasonOf(applyEvents('in_call', [busy], { machineDetectedAt: 5 }))).toBe('busy');
  });

  it('ignores carrier events about an attempt that was never sent', () => {
    expect(applyEvents('claimed', [ringing(1), answered(2), ended(3)])).toBeUndefined();
    // …but the engine may end it when there was no provider to send it to.
    const unplaced: AttemptEvent = {
      attemptId: id,
      kind: 'ended',
      ending: { kind: 'unplaced', at: 1, error: 'no provider' },
    };
    expect(applyEvents('claimed', [unplaced])).toMatchObject({ to: 'ended' });
    expect(applyEvents('placing', [unplaced])).toBeUndefined();
    expect(
      applyEvents('claimed', [{ attemptId: id, kind: 'ended', ending: { kind: 'lost', at: 1 } }]),
    ).toBeUndefined();
  });

  it('names the reason each ending is recorded under', () => {
    expect(endingReason({ kind: 'lost', at: 1 })).toBe('unknown');
    expect(endingReason({ kind: 'unplaced', at: 1, error: 'x' })).toBe('provider_error');
    expect(endingReason({ kind: 'carrier', end: { reason: 'busy', endedAt: 1 } })).toBe('busy');
  });
});
