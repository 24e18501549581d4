import type { RowVariables } from '../../domain/types.js';
import { waitReason } from '../../domain/wait-reason.js';
import type { AttemptRecord } from '../call-attempts-read-repo.js';
import type { CallRecord } from '../calls-read-repo.js';

// How the API shows a call (§4, §5) and its attempts. Kept below the HTTP layer because webhook
// events (src/storage/transitions/webhook-events.ts) carry the very same body, built in the
// transaction of the state change; the routes' schemas check these shapes.

/**
 * The row's variables in the file's column order. jsonb keeps keys in its own order, so the batch's
 * header decides; keys missing from it (none, normally) follow.
 */
export function orderedVariables(
  variables: RowVariables,
  columns: readonly string[],
): RowVariables {
  const out: RowVariables = {};
  for (const c of columns) {
    const v = variables[c];
    if (v !== undefined) out[c] = v;
  }
  for (const [k, v] of Object.entries(variables)) if (!(k in out)) out[k] = v;
  return out;
}

const isTerminal = (c: CallRecord) =>
  c.state === 'completed' || c.state === 'failed' || c.state === 'cancelled';

/** The fields §4 and §5 share; each appears only in the states the contract names. */
function callFields(c: CallRecord) {
  return {
    jobId: c.id,
    status: c.state,
    phone_number: c.phoneNumber,
    ...(c.startTime === undefined ? {} : { startTime: c.startTime }),
    ...(isTerminal(c) && c.endTime !== undefined ? { endTime: c.endTime } : {}),
    ...(c.state === 'completed' && c.duration !== undefined ? { duration: c.duration } : {}),
    ...((c.state === 'failed' || c.state === 'cancelled') && c.error !== undefined
      ? { error: c.error }
      : {}),
  };
}

/**
 * §19 (ext): when a waiting job will next be tried and why; as of `now`, so only the API's reads
 * show it (a webhook event is a record of a change, not of a moment). A paused job has no next
 * time until it is resumed.
 */
function waitFields(c: CallRecord, now: number) {
  if (c.state !== 'waiting') return {};
  const reason = waitReason(c, now);
  return { ...(reason === 'paused' ? {} : { nextAttemptAt: c.runAt }), waitReason: reason };
}

/** One item of §4's list. */
export function presentCallItem(c: CallRecord, columns: readonly string[]) {
  return {
    ...callFields(c),
    metadata: orderedVariables(c.variables, columns),
    attempts: c.attempts,
  };
}

/** §5: one call with its result once completed. */
export function presentCallDetail(c: CallRecord, columns: readonly string[], now?: number) {
  return {
    ...callFields(c),
    ...(c.state === 'completed'
      ? {
          result: {
            callId: c.resultAttemptId ?? '',
            transcript: c.transcript ?? '',
            outcome: c.outcome ?? 'unsuccessful',
            metadata: orderedVariables(c.variables, columns),
          },
        }
      : {}),
    attempts: c.attempts,
    ...(c.consent === undefined ? {} : { consent: c.consent }),
    ...(now === undefined
      ? c.state === 'waiting' && c.attempts > 0
        ? { nextAttemptAt: c.runAt }
        : {}
      : waitFields(c, now)),
  };
}

/** One attempt of `?include=attempts`; durations in seconds, like the call's. */
export function presentAttempt(a: AttemptRecord) {
  return {
    attemptId: a.id,
    attempt: a.attemptNo,
    startTime: a.startedAt,
    ...(a.answeredAt === undefined ? {} : { answerTime: a.answeredAt }),
    ...(a.endedAt === undefined
      ? {}
      : { endTime: a.endedAt, duration: Math.max(0, a.endedAt - a.startedAt) / 1000 }),
    ...(a.talkTime === undefined ? {} : { talkTime: a.talkTime }),
    ...(a.reason === undefined ? {} : { reason: a.reason }),
    ...(a.outcome === undefined ? {} : { outcome: a.outcome }),
    ...(a.error === undefined ? {} : { error: a.error }),
    ...(a.fromNumber === undefined ? {} : { fromNumber: a.fromNumber }),
  };
}
