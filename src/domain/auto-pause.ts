// Ext §17 auto-pause: a batch pauses itself when the share of failed attempts among its last
// `minAttempts` reaches `failureRate`. Failed here means the line or the carrier failed (provider
// errors, carrier blocks, unreachable numbers); busy and no answer are the callee's, and do not
// count. Pure: the recording path reads the reasons and applies the decision.

export interface AutoPauseRule {
  /** 0 < failureRate ≤ 1. */
  failureRate: number;
  /** How many of the latest attempts are looked at (2–10,000). */
  minAttempts: number;
}

export const FAILURE_REASONS: ReadonlySet<string> = new Set([
  'provider_error',
  'carrier_blocked',
  'unreachable',
]);

export const MIN_ATTEMPTS_RANGE = [2, 10_000] as const;

/**
 * The rule of a batch option or a stored config: `{"failureRate":0.5,"minAttempts":20}`.
 * Returns the reason it is not one otherwise.
 */
export function parseAutoPause(
  raw: unknown,
): { ok: true; value: AutoPauseRule } | { ok: false; message: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, message: 'autoPause must be {"failureRate":0.5,"minAttempts":20}' };
  }
  const { failureRate, minAttempts } = raw as Record<string, unknown>;
  if (typeof failureRate !== 'number' || !(failureRate > 0 && failureRate <= 1)) {
    return { ok: false, message: 'autoPause.failureRate must be a number above 0, at most 1' };
  }
  const [lo, hi] = MIN_ATTEMPTS_RANGE;
  if (
    !Number.isInteger(minAttempts) ||
    (minAttempts as number) < lo ||
    (minAttempts as number) > hi
  ) {
    return { ok: false, message: `autoPause.minAttempts must be an integer from ${lo} to ${hi}` };
  }
  return { ok: true, value: { failureRate, minAttempts: minAttempts as number } };
}

/**
 * The pausedReason when the latest attempts (newest first, at most `minAttempts` of them) break
 * the rule; undefined while fewer than `minAttempts` have ended or the share is below the rate.
 */
export function autoPauseReason(
  rule: AutoPauseRule,
  latestReasons: readonly string[],
): string | undefined {
  if (latestReasons.length < rule.minAttempts) return undefined;
  const window = latestReasons.slice(0, rule.minAttempts);
  const failed = window.filter((r) => FAILURE_REASONS.has(r)).length;
  if (failed / rule.minAttempts < rule.failureRate) return undefined;
  return (
    `auto-paused: ${failed} of the last ${rule.minAttempts} attempts failed ` +
    `(failureRate ${rule.failureRate})`
  );
}

/**
 * Ext §21: after this many attempts in a row that never reached the agent, a batch pauses itself
 * whatever its rule (the agent is down or misconfigured: every further callee would hear only the
 * fallback message).
 */
export const AGENT_UNREACHABLE_STREAK = 3;
export const AGENT_UNREACHABLE_PAUSE_REASON = 'agent unreachable';

/** Whether the latest attempts (newest first) are a streak of agent_unreachable. */
export function agentUnreachableStreak(latestReasons: readonly string[]): boolean {
  return (
    latestReasons.length >= AGENT_UNREACHABLE_STREAK &&
    latestReasons.slice(0, AGENT_UNREACHABLE_STREAK).every((r) => r === 'agent_unreachable')
  );
}
