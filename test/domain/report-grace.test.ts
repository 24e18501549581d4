import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../src/domain/attempt-event.js';
import { agentUnreachableStreak } from '../../src/domain/auto-pause.js';
import { awaitsReport, graceOverEnd, reportDeadline } from '../../src/domain/report-grace.js';
import { decideNext } from '../../src/domain/retry-policy.js';

// Ext §21: the agent-report grace rule and the bridge watch, as pure rules.

const AT = Date.UTC(2026, 0, 5, 15, 0, 0);
const END = { reason: 'answered' as const, endedAt: AT, answeredAt: AT - 30_000, durationSec: 30 };
const NO_BRIDGE = { startedAt: null, failedAt: null, error: null };

describe('the agent-report grace rule (ext §21)', () => {
  it('only an answered end without an outcome waits for a report', () => {
    expect(awaitsReport({ kind: 'carrier', end: END })).toBe(true);
    expect(awaitsReport({ kind: 'carrier', end: { ...END, outcome: 'successful' } })).toBe(false);
    expect(awaitsReport({ kind: 'carrier', end: { ...END, reason: 'voicemail' } })).toBe(false);
    expect(awaitsReport({ kind: 'carrier', end: { ...END, reason: 'busy' } })).toBe(false);
    expect(awaitsReport({ kind: 'lost', at: AT })).toBe(false);
  });

  it('waits the grace period from the end, never from a carrier clock ahead of ours', () => {
    expect(reportDeadline(END, AT + 5_000, 30_000)).toBe(AT + 30_000);
    expect(reportDeadline({ ...END, endedAt: AT + 9_000 }, AT, 30_000)).toBe(AT + 30_000);
  });

  it('without a report the call completes with outcome unknown', () => {
    const end = graceOverEnd(END, { ...NO_BRIDGE, watched: false, startedAt: AT - 29_000 });
    expect(end).toEqual({ ...END, outcome: 'unknown' });
    const policy = { kind: 'default' as const, maxAttempts: 3, delaysMs: [60_000] };
    expect(decideNext({ end, attemptNo: 1, policy })).toEqual({
      kind: 'complete',
      outcome: 'unknown',
    });
    // A transport that does not report its bridge (the user's TwiML) proves nothing.
    expect(graceOverEnd(END, { ...NO_BRIDGE, watched: false }).outcome).toBe('unknown');
  });

  it('a bridge that failed, or a watched one that never started, is agent_unreachable, not retried', () => {
    const failed = graceOverEnd(END, {
      watched: true,
      startedAt: null,
      failedAt: AT - 29_000,
      error: 'stream error',
    });
    expect(failed).toMatchObject({ reason: 'agent_unreachable', errorMessage: 'stream error' });
    expect(failed.outcome).toBeUndefined();
    const silent = graceOverEnd(END, { ...NO_BRIDGE, watched: true });
    expect(silent.reason).toBe('agent_unreachable');
    const policy = { kind: 'default' as const, maxAttempts: 3, delaysMs: [60_000] };
    expect(decideNext({ end: silent, attemptNo: 1, policy })).toMatchObject({ kind: 'fail' });
    // Its callbacks were all lost (the end came from asking the carrier): nothing says so.
    expect(graceOverEnd({ ...END, reconciled: true }, { ...NO_BRIDGE, watched: true })).toEqual({
      ...END,
      reconciled: true,
      outcome: 'unknown',
    });
  });

  it('a bridge failure before the end makes the answered end agent_unreachable, in any order', () => {
    const end = {
      attemptId: 'att_1',
      kind: 'ended' as const,
      ending: { kind: 'carrier' as const, end: END },
    };
    const failed = {
      attemptId: 'att_1',
      kind: 'bridge_failed' as const,
      at: AT - 29_000,
      error: 'no agent',
    };
    const change = applyEvents('in_call', [failed, end]);
    expect(change?.ending).toMatchObject({
      kind: 'carrier',
      end: { reason: 'agent_unreachable', errorMessage: 'no agent' },
    });
    // Known from an earlier group.
    expect(
      applyEvents('in_call', [end], { bridgeFailedAt: AT - 29_000, bridgeError: 'x' })?.ending,
    ).toMatchObject({ end: { reason: 'agent_unreachable' } });
    // A stream that failed after it started had reached the agent.
    const started = { attemptId: 'att_1', kind: 'bridge_started' as const, at: AT - 29_500 };
    expect(applyEvents('in_call', [started, failed, end])?.ending).toMatchObject({
      end: { reason: 'answered' },
    });
    // A repeated bridge event changes nothing.
    expect(applyEvents('in_call', [started], { bridgeStartedAt: AT - 29_500 })).toBeUndefined();
  });

  it('three agent_unreachable in a row, newest first, make a streak', () => {
    const u = 'agent_unreachable';
    expect(agentUnreachableStreak([u, u, u])).toBe(true);
    expect(agentUnreachableStreak([u, u, u, 'answered'])).toBe(true);
    expect(agentUnreachableStreak([u, u])).toBe(false);
    expect(agentUnreachableStreak([u, 'answered', u, u])).toBe(false);
  });
});
