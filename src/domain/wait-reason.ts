// Why a waiting job waits (API extensions §19 `waitReason`): an operator must never have to guess
// why a number is not being called.

export const WAIT_REASONS = [
  'queued',
  'calling_window',
  'frequency_cap',
  'retry',
  'paused',
  'scheduled',
] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];

export interface WaitingCall {
  runAt: number;
  attempts: number;
  /** What the claim last held it back for, while its run_at is still the one it set. */
  heldReason?: 'calling_window' | 'frequency_cap';
  /** Its batch or its workspace is paused. */
  paused: boolean;
}

/**
 * A pause outranks everything (nothing starts until resume); a due call waits only for capacity
 * or pacing; a later run_at was set by the claim (window, cap), by a retry delay, or by the
 * batch's schedule, in that order of evidence.
 */
export function waitReason(c: WaitingCall, now: number): WaitReason {
  if (c.paused) return 'paused';
  if (c.runAt <= now) return 'queued';
  if (c.heldReason !== undefined) return c.heldReason;
  return c.attempts > 0 ? 'retry' : 'scheduled';
}
