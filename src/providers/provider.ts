import type { AttemptReason, Outcome, RowVariables } from '../domain/types.js';

// The telephony port. A provider turns "dial this number for this attempt, with this agent and
// these variables" into a result. Adapters live in one folder each (simulator/ first); one
// conformance suite in test/providers/ runs against every adapter.

export interface DialAgent {
  id: string;
  name: string;
  /** The greeting template, `{variables}` not yet filled in. */
  greeting: string;
  /** The agent's instructions/script template. */
  prompt: string;
}

export interface DialRequest {
  /** att_… — unique per attempt; providers use it as their idempotency key where they can. */
  attemptId: string;
  callId: string;
  /** 1-based. */
  attemptNo: number;
  /** E.164. */
  phoneNumber: string;
  fromNumber?: string;
  agent: DialAgent;
  variables: RowVariables;
  /** Epoch ms of the attempt's paced start slot (the dial begins then). */
  startedAt: number;
}

export interface DialResult {
  reason: AttemptReason;
  /** For answered (and voicemail) attempts. */
  outcome?: Outcome;
  /** One line per turn: `Agent: …` / `Customer: …`. */
  transcript?: string;
  /** Talk time in seconds (answered attempts). */
  durationSec?: number;
  answeredAt?: number;
  endedAt: number;
  providerCallId?: string;
  /** Provider detail for errors (stored on the attempt, never shown as the call's error). */
  errorMessage?: string;
}

/** What a provider needs to find an attempt again after its worker died. */
export type AttemptRef = DialRequest & { providerCallId?: string };

export interface ProviderCapabilities {
  /** `lookup` can tell what an attempt did after the worker that started it was lost. */
  lookup: boolean;
  /** Voicemail is reported as its own reason rather than as an answered call. */
  answeringMachineDetection: boolean;
}

export interface TelephonyProvider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  /**
   * Places the call and resolves when it has ended. When `signal` aborts the provider stops
   * waiting and rejects with an AbortError; the attempt is then reconciled later, never redialed.
   */
  dial(req: DialRequest, signal?: AbortSignal): Promise<DialResult>;
  /** Present when capabilities.lookup: the attempt's result, or whether it is still going. */
  lookup?(attempt: AttemptRef): Promise<DialResult | 'in_progress' | 'unknown'>;
}

export function abortError(): Error {
  return new DOMException('The dial was aborted', 'AbortError');
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}
