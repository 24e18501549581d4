import type { AttemptReason, CallbackGap, ResultOutcome, SmartCallbackConfig } from './types.js';

// What happens to a call after one of its attempts ends. Decided from the reason code (and the
// outcome of answered calls), never from message text. See the contract's "Engine rules".

export type RetryPolicy =
  /** Retries busy, no answer and provider errors until maxAttempts attempts in all. */
  | { kind: 'default'; maxAttempts: number; delaysMs: readonly number[] }
  /**
   * Smart callback replaces the default policy: voicemail and callback requests are retried too,
   * `gaps[k-1]` after attempt k (the last gap repeats; no gaps → the default delays).
   */
  | {
      kind: 'smart';
      maxAttempts: number;
      gaps: readonly CallbackGap[];
      fallbackDelaysMs: readonly number[];
    };

export interface AttemptEnd {
  reason: AttemptReason;
  /** The conversation's outcome, for answered attempts. */
  outcome?: ResultOutcome;
}

export type NextStep =
  | { kind: 'complete'; outcome: ResultOutcome }
  | { kind: 'fail'; error: string }
  | { kind: 'retry'; delayMs: number };

export const WORKER_LOST_ERROR = 'Attempt outcome unknown (worker lost)';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The policy a batch runs under: its smart callback when enabled, else the configured default. */
export function retryPolicyFor(
  defaults: { maxAttempts: number; retryDelaysMs: readonly number[] },
  smart?: SmartCallbackConfig,
): RetryPolicy {
  if (smart?.enabled) {
    return {
      kind: 'smart',
      maxAttempts: smart.maxAttempts,
      gaps: smart.gaps,
      fallbackDelaysMs: defaults.retryDelaysMs,
    };
  }
  return { kind: 'default', maxAttempts: defaults.maxAttempts, delaysMs: defaults.retryDelaysMs };
}

const REASON_TEXT: Record<AttemptReason, string> = {
  answered: 'Answered',
  busy: 'Number busy',
  no_answer: 'No answer',
  voicemail: 'Voicemail',
  unreachable: 'Number unreachable',
  carrier_blocked: 'Carrier blocked the call',
  provider_error: 'Provider error',
  cancelled: 'Dial cancelled',
  agent_unreachable: 'Agent unreachable',
};

/** The `error` of a failed call: its last reason and how many attempts were made. */
export function failureText(reason: AttemptReason, attempts: number): string {
  return `${REASON_TEXT[reason]} - unable to connect after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
}

function pick<T>(list: readonly T[], attemptNo: number): T | undefined {
  if (list.length === 0) return undefined;
  return list[Math.min(Math.max(attemptNo, 1), list.length) - 1];
}

/** Milliseconds between the end of attempt `attemptNo` and the start of the next one. */
export function retryDelayMs(policy: RetryPolicy, attemptNo: number): number {
  if (policy.kind === 'smart' && policy.gaps.length > 0) {
    const gap = pick(policy.gaps, attemptNo)!;
    return gap.days * DAY_MS + gap.hours * HOUR_MS;
  }
  const delays = policy.kind === 'smart' ? policy.fallbackDelaysMs : policy.delaysMs;
  return pick(delays, attemptNo) ?? 0;
}

const TRANSIENT: ReadonlySet<AttemptReason> = new Set(['busy', 'no_answer', 'provider_error']);

export function decideNext(input: {
  end: AttemptEnd;
  /** 1-based number of the attempt that just ended. */
  attemptNo: number;
  policy: RetryPolicy;
  /** The batch was cancelled (or failed) while the attempt ran: nothing is dialed again. */
  batchCancelled?: boolean;
}): NextStep {
  const { end, attemptNo, policy } = input;
  const budgetLeft = !input.batchCancelled && attemptNo < Math.max(1, policy.maxAttempts);
  const retry = (): NextStep => ({ kind: 'retry', delayMs: retryDelayMs(policy, attemptNo) });

  if (end.reason === 'answered' || end.reason === 'voicemail') {
    const outcome: ResultOutcome =
      end.reason === 'voicemail' ? 'voicemail' : (end.outcome ?? 'successful');
    const smartRetries =
      policy.kind === 'smart' && (outcome === 'voicemail' || outcome === 'callback_requested');
    return smartRetries && budgetLeft ? retry() : { kind: 'complete', outcome };
  }
  if (TRANSIENT.has(end.reason) && budgetLeft) return retry();
  // Unreachable numbers and carrier blocks fail at once: dialing again cannot help.
  return { kind: 'fail', error: failureText(end.reason, attemptNo) };
}
