import type { AttemptRef } from '../domain/attempt.js';
import type { AttemptEvent } from '../domain/attempt-event.js';
import type { LookupAnswer } from '../domain/recovery.js';
import type { AttemptReason } from '../domain/types.js';

// The port's vocabulary: one attempt as a provider places it and finds it again.
export type { AttemptRef, DialAgent } from '../domain/attempt.js';

// The telephony port. A provider asks a carrier to call ("place") and returns as soon as the
// carrier has accepted the call; what happens next (ringing, answered, a machine, the end with its
// reason, duration and SIP code) comes back as events through ONE recording path, the sink: an
// HTTP callback route for a real carrier, called directly by an in-process provider such as the
// simulator. No worker waits on a call. Adapters live in one folder each (simulator/ first); the
// conformance suite in test/providers/ runs against every adapter.

export type PlaceResult =
  /**
   * The carrier accepted the call: its id. Everything else arrives as events. A provider that
   * plays the call itself (localEvents) also says when it will have ended (`endsBy`): its events
   * die with its process, so an attempt without a recorded end is looked up soon after that
   * moment instead of at the general in-call deadline.
   */
  | { accepted: true; providerCallId: string; endsBy?: number }
  /** The carrier refused it, for a reason of the closed set (retried as that reason says). */
  | { accepted: false; reason: AttemptReason; error: string; sipCode?: number }
  /**
   * The carrier certainly did not take the call and asks to be asked later (its own pace or
   * queue limit): no attempt was made. The attempt is released and its call is due again after
   * `retryAfterMs`.
   */
  | { accepted: false; retryAfterMs: number; error: string };

export interface ProviderCapabilities {
  /** `lookup` finds an attempt without the carrier's call id (by the attempt, or number and time). */
  lookupByAttempt: boolean;
  /** `lookup` finds a call by the carrier's call id. */
  lookupByCallId: boolean;
  /** A lookup by attempt that finds nothing proves the call was never placed. */
  provesAbsence: boolean;
  /** Voicemail is reported as its own reason (and a machine_detected event) rather than as answered. */
  machineDetection: boolean;
  /** `hangUp` ends a call in progress. */
  hangUp: boolean;
  /** The carrier account's own limit on call starts per second, shared by every workspace using it. */
  callsPerSecond?: number;
  /**
   * Its events come from inside this process (a simulator): they stop when the process does, so
   * an attempt it left in progress is looked up rather than waited for.
   */
  localEvents: boolean;
}

/** Where a provider's events go: the one recording path. */
export interface AttemptEventSink {
  /** Resolves once the event is recorded (or was ignored as stale); never rejects. */
  record(event: AttemptEvent): Promise<unknown>;
}

/** Calls in progress of a provider whose events come from this process. */
export interface LocalCalls {
  inProgress(): number;
  /** Resolves when no call is in progress, or when `signal` aborts. */
  idle(signal: AbortSignal): Promise<void>;
  /** Stops emitting events; returns the attempts whose events will now never come. */
  close(): string[];
}

export interface TelephonyProvider {
  readonly name: string;
  /** The carrier account this instance places calls with (keys the account's pacing bucket). */
  readonly account?: string;
  readonly capabilities: ProviderCapabilities;
  /**
   * Asks the carrier to call. Resolves once it accepted the call, or with a refusal it is sure
   * of. It must give up well within the lease. Rejecting means the request's fate is unknown (it
   * may have reached the carrier): the attempt stays placing and recovery looks it up later —
   * it is never sent again.
   */
  place(attempt: AttemptRef): Promise<PlaceResult>;
  /** Present when lookupByAttempt or lookupByCallId: what the carrier knows of the attempt. */
  lookup?(attempt: AttemptRef): Promise<LookupAnswer>;
  /** Present when capabilities.hangUp. */
  hangUp?(attempt: AttemptRef): Promise<void>;
  /** Present when capabilities.localEvents. */
  readonly local?: LocalCalls;
}
