import { describe, expect, it } from 'vitest';
import { decideNext } from '../../../src/domain/retry-policy.js';
import {
  callbackEvent,
  createRefusal,
  type FinalReport,
  finalReason,
} from '../../../src/providers/twilio/call-status.js';

// §21's mapping of Twilio results to attempt reasons, and what the recording path receives.

const AT = Date.UTC(2026, 0, 5, 15, 0, 0);
const SID = `CA${'0'.repeat(31)}1`;

describe('Twilio results to attempt reasons (§21)', () => {
  const cases: Array<[FinalReport, string]> = [
    [{ status: 'completed' }, 'answered'],
    [{ status: 'completed', answeredBy: 'human' }, 'answered'],
    [{ status: 'completed', answeredBy: 'unknown' }, 'answered'],
    [{ status: 'completed', answeredBy: 'machine_start' }, 'voicemail'],
    [{ status: 'completed', answeredBy: 'machine_end_beep' }, 'voicemail'],
    [{ status: 'completed', answeredBy: 'fax' }, 'voicemail'],
    [{ status: 'busy' }, 'busy'],
    [{ status: 'no-answer' }, 'no_answer'],
    [{ status: 'failed', sipCode: 404 }, 'unreachable'],
    [{ status: 'failed', sipCode: 484 }, 'unreachable'],
    [{ status: 'failed', errorCode: 21211 }, 'unreachable'],
    [{ status: 'failed', errorCode: 21217 }, 'unreachable'],
    [{ status: 'failed', sipCode: 403 }, 'carrier_blocked'],
    [{ status: 'failed', sipCode: 603 }, 'carrier_blocked'],
    [{ status: 'failed', sipCode: 608 }, 'carrier_blocked'],
    [{ status: 'failed', errorCode: 21215 }, 'carrier_blocked'],
    [{ status: 'failed', sipCode: 500 }, 'provider_error'],
    [{ status: 'failed' }, 'provider_error'],
    [{ status: 'canceled' }, 'provider_error'],
  ];
  it.each(cases)('%j → %s', (report, reason) => {
    expect(finalReason(report)).toBe(reason);
  });

  it('busy and no-answer are retried; unreachable and blocked never', () => {
    const next = (status: FinalReport['status'], sipCode?: number) =>
      decideNext({
        end: { reason: finalReason({ status, ...(sipCode ? { sipCode } : {}) }) },
        attemptNo: 1,
        policy: { kind: 'default', maxAttempts: 3, delaysMs: [60_000] },
      }).kind;
    expect(next('busy')).toBe('retry');
    expect(next('no-answer')).toBe('retry');
    expect(next('failed', 404)).toBe('fail');
    expect(next('failed', 603)).toBe('fail');
  });

  it("a refused create: Twilio's pace and queue limits are no attempt; the rest end it", () => {
    expect(createRefusal(429, 20429)).toEqual({ kind: 'retry_later' });
    expect(createRefusal(400, 22005)).toEqual({ kind: 'retry_later' });
    expect(createRefusal(400, 21211)).toEqual({ kind: 'refused', reason: 'unreachable' });
    expect(createRefusal(400, 21215)).toEqual({ kind: 'refused', reason: 'carrier_blocked' });
    expect(createRefusal(400, 21210)).toEqual({ kind: 'refused', reason: 'provider_error' });
  });
});

describe('callbacks to attempt events', () => {
  const ev = (params: Record<string, string>) => callbackEvent('att_1', params, AT);

  it('progress: accepted, ringing, answered, a machine', () => {
    expect(ev({ CallSid: SID, CallStatus: 'initiated' })).toEqual({
      attemptId: 'att_1',
      kind: 'accepted',
      at: AT,
      providerCallId: SID,
    });
    expect(ev({ CallSid: SID, CallStatus: 'ringing' })?.kind).toBe('ringing');
    expect(ev({ CallSid: SID, CallStatus: 'in-progress' })?.kind).toBe('answered');
    expect(ev({ CallSid: SID, CallStatus: 'in-progress', AnsweredBy: 'machine_start' })?.kind).toBe(
      'machine_detected',
    );
    // Asynchronous machine detection: AnsweredBy alone.
    expect(ev({ CallSid: SID, AnsweredBy: 'machine_end_beep' })?.kind).toBe('machine_detected');
    expect(ev({ CallSid: SID, AnsweredBy: 'human' })).toBeUndefined();
    expect(ev({ CallSid: SID, CallStatus: 'something-new' })).toBeUndefined();
  });

  it('the end: reason, talk time and when the answer was, or the failure with its SIP code', () => {
    expect(ev({ CallSid: SID, CallStatus: 'completed', CallDuration: '42' })).toEqual({
      attemptId: 'att_1',
      kind: 'ended',
      ending: {
        kind: 'carrier',
        end: {
          reason: 'answered',
          endedAt: AT,
          durationSec: 42,
          answeredAt: AT - 42_000,
          providerCallId: SID,
        },
      },
    });
    expect(
      ev({ CallSid: SID, CallStatus: 'failed', SipResponseCode: '404', CallDuration: '0' }),
    ).toEqual({
      attemptId: 'att_1',
      kind: 'ended',
      ending: {
        kind: 'carrier',
        end: {
          reason: 'unreachable',
          endedAt: AT,
          sipCode: 404,
          errorMessage: 'Twilio failed (SIP 404)',
          providerCallId: SID,
        },
      },
    });
    const busy = ev({ CallSid: SID, CallStatus: 'busy', ErrorCode: '', CallDuration: '0' });
    expect(busy?.kind === 'ended' && busy.ending.kind === 'carrier' && busy.ending.end).toEqual({
      reason: 'busy',
      endedAt: AT,
      errorMessage: 'Twilio busy',
      providerCallId: SID,
    });
  });
});

describe("the bridge's callbacks (§21)", () => {
  const stream = (event: string, extra: Record<string, string> = {}) => ({
    AccountSid: `AC${'a1'.repeat(16)}`,
    CallSid: SID,
    StreamSid: `MZ${'0'.repeat(32)}`,
    StreamEvent: event,
    Timestamp: '2026-01-05T15:00:00.000Z',
    ...extra,
  });
  const dial = (status: string, extra: Record<string, string> = {}) => ({
    CallSid: SID,
    CallStatus: 'in-progress',
    DialCallStatus: status,
    ...extra,
  });

  it('a stream that started reached the agent; one that failed did not; a stop tells nothing', () => {
    expect(callbackEvent('att_1', stream('stream-started'), AT)).toEqual({
      attemptId: 'att_1',
      kind: 'bridge_started',
      at: AT,
      providerCallId: SID,
    });
    expect(
      callbackEvent('att_1', stream('stream-error', { StreamError: 'Handshake failed' }), AT),
    ).toEqual({
      attemptId: 'att_1',
      kind: 'bridge_failed',
      at: AT,
      providerCallId: SID,
      error: "The agent's media stream failed: Handshake failed",
    });
    expect(callbackEvent('att_1', stream('stream-stopped'), AT)).toBeUndefined();
  });

  it('a SIP dial action reached the agent only when its leg was answered', () => {
    for (const s of ['completed', 'answered']) {
      expect(callbackEvent('att_1', dial(s), AT)?.kind).toBe('bridge_started');
    }
    for (const s of ['busy', 'no-answer', 'failed', 'canceled']) {
      expect(callbackEvent('att_1', dial(s, { DialSipResponseCode: '503' }), AT)).toMatchObject({
        kind: 'bridge_failed',
        error: `The agent's SIP leg did not connect (${s}, SIP 503)`,
      });
    }
  });
});
