// §20: a delivery that fails is tried again after these delays (about 5 s, 5 min, 30 min, 2 h,
// 5 h, 10 h, 10 h), then marked failed: eight tries over about 28 hours.
export const WEBHOOK_RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
] as const;

/** An endpoint whose deliveries have failed without one success for this long is disabled. */
export const WEBHOOK_FAILING_DISABLE_MS = 5 * 24 * 3_600_000;

/** When to try again after failed try number `attempts` (1-based), or undefined: give up. */
export function nextRetryAt(attempts: number, now: number): number | undefined {
  const delay = WEBHOOK_RETRY_DELAYS_MS[attempts - 1];
  return delay === undefined ? undefined : now + delay;
}

/** A response status that counts as delivered. */
export const isDelivered = (status: number): boolean => status >= 200 && status < 300;
