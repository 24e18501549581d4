import type { AttemptEvent, CarrierEnd } from '../../domain/attempt-event.js';
import type { AttemptReason } from '../../domain/types.js';

// Twilio's words for a call's fate, in Outdial's (extensions §21): busy and no-answer are retried,
// a number that does not exist or that the carrier blocks never is, a machine is voicemail.

export const FINAL_STATUSES = ['completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

/** SIP answers and Twilio error codes that say the number cannot be reached: never retried. */
const UNREACHABLE_SIP = new Set([404, 484]);
const UNREACHABLE_CODES = new Set([21211, 21214, 21217]);
/** The carrier (or the account's geographic permissions) refuses to connect: never retried. */
const BLOCKED_SIP = new Set([403, 603, 608]);
const BLOCKED_CODES = new Set([21215, 21216]);
/** Twilio's own pace and queue limits: the call was not placed, and it is no attempt. */
const RETRY_LATER_CODES = new Set([20429, 22005]);

/** AnsweredBy values of answering-machine detection that are not a person. */
export const isMachine = (answeredBy: string | undefined): boolean =>
  answeredBy !== undefined && (answeredBy.startsWith('machine') || answeredBy === 'fax');

export interface FinalReport {
  status: FinalStatus;
  sipCode?: number;
  errorCode?: number;
  answeredBy?: string;
}

/** The attempt reason of a call that ended with `r`. */
export function finalReason(r: FinalReport): AttemptReason {
  switch (r.status) {
    case 'completed':
      return isMachine(r.answeredBy) ? 'voicemail' : 'answered';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no_answer';
    case 'failed':
    case 'canceled':
      if (failedWith(r, UNREACHABLE_SIP, UNREACHABLE_CODES)) return 'unreachable';
      if (failedWith(r, BLOCKED_SIP, BLOCKED_CODES)) return 'carrier_blocked';
      return 'provider_error';
  }
}

const failedWith = (r: FinalReport, sip: Set<number>, codes: Set<number>) =>
  (r.sipCode !== undefined && sip.has(r.sipCode)) ||
  (r.errorCode !== undefined && codes.has(r.errorCode));

/** What a create that Twilio answered with an error means for the attempt. */
export type CreateRefusal =
  /** Not placed and not an attempt: released, to be claimed again later. */
  | { kind: 'retry_later' }
  /** Not placed: the attempt ends with this reason. */
  | { kind: 'refused'; reason: AttemptReason };

export function createRefusal(httpStatus: number, code: number | undefined): CreateRefusal {
  if (httpStatus === 429 || (code !== undefined && RETRY_LATER_CODES.has(code))) {
    return { kind: 'retry_later' };
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return { kind: 'refused', reason: 'unreachable' };
  }
  if (code !== undefined && BLOCKED_CODES.has(code)) {
    return { kind: 'refused', reason: 'carrier_blocked' };
  }
  return { kind: 'refused', reason: 'provider_error' };
}

const int = (v: string | undefined) => {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
};

/** DialCallStatus values of a `<Dial>` whose leg to the agent was answered. */
const DIAL_REACHED = new Set(['completed', 'answered']);

/**
 * Ext §21, the bridge watch: a `<Stream>` status callback (StreamEvent) or a `<Dial>` action
 * (DialCallStatus) says whether the answered call reached the agent; undefined for other callbacks
 * and for what tells nothing (a stream that stopped).
 */
export function bridgeEvent(
  attemptId: string,
  params: Readonly<Record<string, string>>,
  at: number,
): AttemptEvent | undefined {
  const providerCallId = params['CallSid'] || undefined;
  const ids = { attemptId, at, ...(providerCallId ? { providerCallId } : {}) };
  const stream = params['StreamEvent'];
  if (stream === 'stream-started') return { ...ids, kind: 'bridge_started' };
  if (stream === 'stream-error') {
    const detail = params['StreamError'];
    return {
      ...ids,
      kind: 'bridge_failed',
      error: `The agent's media stream failed${detail ? `: ${detail}` : ''}`,
    };
  }
  const dial = params['DialCallStatus'];
  if (dial === undefined) return undefined;
  if (DIAL_REACHED.has(dial)) return { ...ids, kind: 'bridge_started' };
  const sip = int(params['DialSipResponseCode']);
  return {
    ...ids,
    kind: 'bridge_failed',
    error: `The agent's SIP leg did not connect (${dial}${sip === undefined ? '' : `, SIP ${sip}`})`,
  };
}

/** Whether a callback is a `<Dial>` action, which Twilio expects TwiML back from. */
export const isDialAction = (params: Readonly<Record<string, string>>): boolean =>
  params['DialCallStatus'] !== undefined;

/**
 * The recording path's event for one Twilio callback (a call status callback, an asynchronous
 * machine detection result, or the bridge's), received at `at`; undefined when it tells nothing.
 */
export function callbackEvent(
  attemptId: string,
  params: Readonly<Record<string, string>>,
  at: number,
): AttemptEvent | undefined {
  // A bridge callback carries the call's CallStatus too (in-progress): it is read first.
  if (params['StreamEvent'] !== undefined || params['DialCallStatus'] !== undefined) {
    return bridgeEvent(attemptId, params, at);
  }
  const providerCallId = params['CallSid'] || undefined;
  const ids = { attemptId, ...(providerCallId ? { providerCallId } : {}) };
  const answeredBy = params['AnsweredBy'] || undefined;
  const status = params['CallStatus'];
  switch (status) {
    case undefined:
      // Asynchronous machine detection reports AnsweredBy alone; a person is nothing new.
      return isMachine(answeredBy) ? { ...ids, kind: 'machine_detected', at } : undefined;
    case 'queued':
    case 'initiated':
      return providerCallId ? { attemptId, kind: 'accepted', at, providerCallId } : undefined;
    case 'ringing':
      return { ...ids, kind: 'ringing', at };
    case 'in-progress':
    case 'answered':
      return { ...ids, kind: isMachine(answeredBy) ? 'machine_detected' : 'answered', at };
  }
  if (!(FINAL_STATUSES as readonly string[]).includes(status)) return undefined;
  const sipCode = int(params['SipResponseCode']);
  const errorCode = int(params['ErrorCode']);
  const durationSec = int(params['CallDuration']);
  const reason = finalReason({
    status: status as FinalStatus,
    ...(sipCode === undefined ? {} : { sipCode }),
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(answeredBy === undefined ? {} : { answeredBy }),
  });
  const talked = reason === 'answered' || reason === 'voicemail';
  const end: CarrierEnd = {
    reason,
    endedAt: at,
    ...(talked && durationSec !== undefined
      ? { durationSec, answeredAt: at - durationSec * 1_000 }
      : {}),
    ...(sipCode === undefined ? {} : { sipCode }),
    ...(talked
      ? {}
      : {
          errorMessage: [
            `Twilio ${status}`,
            sipCode === undefined ? '' : ` (SIP ${sipCode})`,
            errorCode === undefined ? '' : ` error ${errorCode}`,
          ].join(''),
        }),
    ...(providerCallId ? { providerCallId } : {}),
  };
  return { attemptId, kind: 'ended', ending: { kind: 'carrier', end } };
}
