import { type AttemptEnding, endingReason } from './attempt-event.js';
import { nextWindowStart } from './calling-window.js';
import { decideNext, retryPolicyFor, WORKER_LOST_ERROR } from './retry-policy.js';
import type { BatchConfig, BatchStatus, ResultOutcome } from './types.js';

// What an attempt's end does to its call: the attempt's recorded end, and the call completed,
// failed, or waiting for its next attempt. Pure: the transitions module calls it inside the
// transaction that holds the call's row, with the batch as that transaction sees it.

export interface EndingCall {
  /** Attempts started so far = the number of the attempt that ended. */
  attemptNo: number;
  /** The recipient's zone ("recipient" windows are read in it); null: not stored. */
  timeZone: string | null;
  batchStatus: BatchStatus;
  config: BatchConfig;
}

export interface RetryDefaults {
  maxAttempts: number;
  retryDelaysMs: readonly number[];
}

export interface AttemptEndRecord {
  endedAt: number;
  answeredAt?: number;
  /** An AttemptReason, or 'unknown' when nobody can tell what the attempt did. */
  reason: string;
  outcome?: ResultOutcome;
  durationSec?: number;
  error?: string;
  providerCallId?: string;
  sipCode?: number;
}

export type CallSettlement =
  | {
      kind: 'complete';
      outcome: ResultOutcome;
      endTime: number;
      durationSec: number;
      transcript: string | null;
      reason: string;
    }
  | { kind: 'fail'; endTime: number; error: string; reason: string }
  | { kind: 'retry'; runAt: number; reason: string };

export function settleEnding(
  call: EndingCall,
  ending: AttemptEnding,
  now: number,
  defaults: RetryDefaults,
): { attempt: AttemptEndRecord; call: CallSettlement } {
  const reason = endingReason(ending);
  if (ending.kind !== 'carrier') {
    // Never retried: an attempt that may have reached the person must not be dialed again, and
    // one that has no provider to go to would fail the same way.
    const error = ending.kind === 'lost' ? WORKER_LOST_ERROR : ending.error;
    const at = Math.min(ending.at, now);
    return {
      attempt: { endedAt: at, reason, error },
      call: { kind: 'fail', endTime: at, error, reason },
    };
  }
  // An end is never recorded after the moment it is recorded: a carrier's clock (or a timer
  // firing a millisecond early) must not make the attempt overlap the one that takes its slot.
  const r = ending.end;
  const endedAt = Math.min(r.endedAt, now);
  const answeredAt = r.answeredAt === undefined ? undefined : Math.min(r.answeredAt, endedAt);
  const step = decideNext({
    end: { reason: r.reason, ...(r.outcome ? { outcome: r.outcome } : {}) },
    attemptNo: call.attemptNo,
    // Smart callback is frozen into the batch at creation (absent: off), so editing the agent
    // later does not change how a running batch retries.
    policy: retryPolicyFor(defaults, call.config.smartCallback),
    batchCancelled: call.batchStatus === 'cancelled' || call.batchStatus === 'failed',
  });
  const error = r.errorMessage ?? (step.kind === 'fail' ? step.error : undefined);
  const attempt: AttemptEndRecord = {
    endedAt,
    reason,
    ...(answeredAt === undefined ? {} : { answeredAt }),
    ...(r.outcome === undefined ? {} : { outcome: r.outcome }),
    ...(r.durationSec === undefined ? {} : { durationSec: r.durationSec }),
    ...(error === undefined ? {} : { error }),
    ...(r.providerCallId === undefined ? {} : { providerCallId: r.providerCallId }),
    ...(r.sipCode === undefined ? {} : { sipCode: r.sipCode }),
  };
  if (step.kind === 'complete') {
    return {
      attempt,
      call: {
        kind: 'complete',
        outcome: step.outcome,
        endTime: endedAt,
        durationSec: r.durationSec ?? 0,
        transcript: r.transcript ?? null,
        reason,
      },
    };
  }
  if (step.kind === 'fail') {
    return { attempt, call: { kind: 'fail', endTime: endedAt, error: step.error, reason } };
  }
  // A callee who named a time is called then (never sooner than now), still within the smart
  // callback budget (decideNext) and the calling window (below).
  const asked = r.outcome === 'callback_requested' ? r.callbackAt : undefined;
  const earliest = asked === undefined ? now + step.delayMs : Math.max(now, asked);
  const window = call.config.callingWindow;
  // The floor is not applied here: the claim holds the call until the floor opens, and says so.
  const zone = window?.timezone === 'recipient' ? call.timeZone : (window?.timezone ?? null);
  const runAt =
    zone === null || window === undefined ? earliest : nextWindowStart(window, zone, earliest);
  return { attempt, call: { kind: 'retry', runAt, reason } };
}
