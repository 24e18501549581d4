import type { RetryPolicy } from './retry-policy.js';
import type { AttemptReason, Outcome } from './types.js';

// What an estimate assumes about each attempt: how long it holds its slot, how often a person
// answers, and how often the batch's retry policy dials the number again. From the workspace's
// own ended attempts when it has enough of them, else the stated defaults, which are the
// simulator's mix of callees (src/providers/simulator/behaviour.ts; a test holds them to it).

export interface AttemptRates {
  /** Mean seconds from dial to hang-up of one attempt. */
  meanCallSec: number;
  /** Share of attempts answered by a person. */
  answerRate: number;
  /** Share of attempts ending in a way the default retry policy dials again. */
  retryRate: number;
  /** The same under smart callback, which dials voicemail and callback requests again too. */
  smartRetryRate: number;
}

export const DEFAULT_RATES: AttemptRates = {
  meanCallSec: 73,
  answerRate: 0.65,
  retryRate: 0.216,
  smartRetryRate: 0.402,
};

/** Fewer ended attempts than this say too little about a workspace: the defaults apply. */
export const MIN_HISTORY_ATTEMPTS = 50;

/** The reasons the default retry policy dials again (retry-policy.ts). */
export const RETRIED_REASONS: readonly AttemptReason[] = ['busy', 'no_answer', 'provider_error'];
/** What smart callback dials again besides: a machine, and these outcomes of answered calls. */
export const SMART_RETRIED_OUTCOMES: readonly Outcome[] = ['voicemail', 'callback_requested'];

/** Counts over a workspace's ended attempts (storage reads them). */
export interface AttemptHistory {
  attempts: number;
  meanCallSec: number;
  answered: number;
  retried: number;
  /** Attempts smart callback would dial again that the default policy does not. */
  smartOnly: number;
}

export interface ChosenRates extends AttemptRates {
  source: 'history' | 'defaults';
  /** The ended attempts the history rates come from. */
  historyAttempts?: number;
}

const share = (n: number, of: number) => Math.round((n / of) * 1000) / 1000;

export function chooseRates(history: AttemptHistory | undefined): ChosenRates {
  if (!history || history.attempts < MIN_HISTORY_ATTEMPTS) {
    return { ...DEFAULT_RATES, source: 'defaults' };
  }
  const n = history.attempts;
  return {
    meanCallSec: Math.round(history.meanCallSec * 10) / 10,
    answerRate: share(history.answered, n),
    retryRate: share(history.retried, n),
    smartRetryRate: share(history.retried + history.smartOnly, n),
    source: 'history',
    historyAttempts: n,
  };
}

/** The share of attempts `policy` dials again. */
export const retryRateUnder = (rates: AttemptRates, policy: RetryPolicy) =>
  policy.kind === 'smart' ? rates.smartRetryRate : rates.retryRate;
