import type { AgentTransport, MachineDetection } from './agent-transport.js';
import type { AutoPauseRule } from './auto-pause.js';
import type { CallingWindow } from './calling-window.js';

// Glossary
// - workspace: a tenant. Holds limits (maxConcurrentCalls, callsPerSecond) and a timezone.
// - agent: the voice agent a batch uses (greeting, prompt, smart-callback defaults).
// - batch: one upload of contacts for one agent; its calls are dialed under the workspace's limits.
// - call (job): one CSV row of a batch. The unit the engine schedules; `calls` is the queue.
// - attempt: one telephony dial of a call. A call has 0..maxAttempts attempts. While its call is
//   active the attempt is claimed (slot granted, carrier not asked yet), placing (request sent, no
//   answer recorded), in_call (the carrier accepted it) and finally ended.
// - lease: the hold a worker has on a claimed or placing attempt; it expires if the worker dies.
//   An in_call attempt needs no worker: its carrier reports what happens to it.
// - deadline: when an in_call attempt whose end was never reported is looked up at the provider.
// - reason: why an attempt ended, a closed set reported by providers.
// - outcome: what the conversation achieved, for answered calls.

export const CALL_STATES = ['waiting', 'active', 'completed', 'failed', 'cancelled'] as const;
export type CallState = (typeof CALL_STATES)[number];

export const ATTEMPT_STATES = ['claimed', 'placing', 'in_call', 'ended'] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

export const TERMINAL_CALL_STATES: readonly CallState[] = ['completed', 'failed', 'cancelled'];

export const BATCH_STATUSES = [
  'queued',
  'processing',
  'paused',
  'completed',
  'cancelled',
  'failed',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const ATTEMPT_REASONS = [
  'answered',
  'busy',
  'no_answer',
  'voicemail',
  'unreachable',
  'carrier_blocked',
  'provider_error',
  'cancelled',
  /** Ext §21: the call was answered but never reached the user's agent (its fallback was played). */
  'agent_unreachable',
] as const;
export type AttemptReason = (typeof ATTEMPT_REASONS)[number];

export const OUTCOMES = [
  'successful',
  'unsuccessful',
  'voicemail',
  'callback_requested',
  'opted_out',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * A completed call's result outcome: a conversation's, or (ext §21) `unknown` for an answered
 * real call whose agent never reported within the grace period. No agent reports `unknown`.
 */
export const RESULT_OUTCOMES = [...OUTCOMES, 'unknown'] as const;
export type ResultOutcome = (typeof RESULT_OUTCOMES)[number];

export interface Workspace {
  id: string;
  name: string;
  maxConcurrentCalls: number;
  callsPerSecond: number;
  timezone: string;
  /** §19: at most maxAttempts to one number in any rolling periodHours; null when off. */
  frequencyCap: FrequencyCap | null;
  /** §19 legal floor: the window every real-carrier call must fall in (a batch's only narrows it). */
  callingWindow: CallingWindow;
  /** §19: rows without a consent_source are refused at upload. */
  requireConsent: boolean;
  /** §19 stop everything: when the workspace was paused; null while it runs. */
  pausedAt: number | null;
  createdAt: number;
}

export interface FrequencyCap {
  maxAttempts: number;
  periodHours: number;
}

export interface CallbackGap {
  days: number;
  hours: number;
}

export interface Agent {
  id: string;
  workspaceId: string;
  name: string;
  greeting: string;
  prompt: string;
  fromNumber?: string;
  provider: string;
  smartCallback: boolean;
  maxAttemptsForSmartCallback: number;
  gapBetweenEachAttemptForSmartCallback: CallbackGap[];
  variables?: string[];
  /** §21: the connection that places its calls (absent: the simulator), and how; unset = default. */
  connectionId?: string;
  transport?: AgentTransport;
  machineDetection?: MachineDetection;
  ringTimeoutSec?: number;
  maxCallDurationSec?: number;
  fallbackMessage?: string;
  createdAt: number;
  updatedAt: number;
}

export interface SmartCallbackConfig {
  enabled: boolean;
  maxAttempts: number;
  gaps: CallbackGap[];
}

/**
 * What a batch was started with, frozen at creation so later agent edits do not change it. Its
 * maxConcurrency is not here: it is a column of its own (batches.max_concurrency), the one place
 * that stores it.
 */
export interface BatchConfig {
  smartCallback?: SmartCallbackConfig;
  callingWindow?: CallingWindow;
  defaultCountry?: string;
  /** Ext §17: pause the batch when too many of its latest attempts fail. */
  autoPause?: AutoPauseRule;
}

export interface Batch {
  id: string;
  workspaceId: string;
  agentId: string;
  name?: string;
  status: BatchStatus;
  totalCalls: number;
  columns: string[];
  config: BatchConfig;
  scheduledAt?: number;
  createdAt: number;
  startTime?: number;
  completedTime?: number;
  /** While paused: since when, and why (ext §17). */
  pausedAt?: number;
  pausedReason?: string;
}

/** The variables of one CSV row: every column but phone_number, in file order. */
export type RowVariables = Record<string, string>;
