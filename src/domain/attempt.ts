import type { RowVariables } from './types.js';

// One attempt as the telephony port sees it: what a provider places, and what it is given to find
// the attempt again after a crash. The one attempt type the engine, recovery and providers share.

export interface DialAgent {
  id: string;
  name: string;
  /** The greeting template, `{variables}` not yet filled in. */
  greeting: string;
  /** The agent's instructions/script template. */
  prompt: string;
}

export interface DialAgent {
  id: string;
  name: string;
  /** The greeting template, `{variables}` not yet filled in. */
  greeting: string;
  /** The agent's instructions/script template. */
  prompt: string;
}

/** One attempt, as a provider places it and finds it again. */
export interface AttemptRef {
  /** att_… — unique per attempt; the callback URL names it. */
  attemptId: string;
  callId: string;
  /** 1-based. */
  attemptNo: number;
  /** E.164. */
  phoneNumber: string;
  fromNumber?: string;
  agent: DialAgent;
  variables: RowVariables;
  /** Epoch ms of the attempt's paced start slot (the request leaves then). */
  startedAt: number;
  /** The carrier's call id, once known (a placing attempt whose worker was lost has none). */
  providerCallId?: string;
}
