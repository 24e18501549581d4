import { OUTCOMES } from '../../domain/types.js';
import type { ActivityCount } from '../../storage/batch-activity-repo.js';
import type { BatchActivityBody } from '../schemas/batch-activity.js';

/** At most this many intervals: enough for a smooth chart, small enough for a phone. */
export const MAX_BUCKETS = 60;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
];

/** The shortest round interval that covers `span` ms in at most MAX_BUCKETS intervals. */
export function bucketSize(span: number): number {
  const step = STEPS.find((s) => Math.floor(span / s) + 1 <= MAX_BUCKETS);
  return step ?? Math.ceil((span + 1) / MAX_BUCKETS / DAY) * DAY;
}

/** Counts by kind and interval as the answer: totals by outcome and reason, dense intervals. */
export function presentActivity(
  batchId: string,
  window: { from: number; bucketMs: number; buckets: number } | undefined,
  counts: readonly ActivityCount[],
): BatchActivityBody {
  const outcomes: Record<string, number> = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  const failures: Record<string, number> = {};
  let cancelled = 0;
  const buckets = window
    ? Array.from({ length: window.buckets }, (_, k) => ({
        start: window.from + k * window.bucketMs,
        completed: 0,
        failed: 0,
        cancelled: 0,
      }))
    : [];
  for (const c of counts) {
    if (c.state === 'completed') {
      const o = c.outcome ?? 'unknown';
      outcomes[o] = (outcomes[o] ?? 0) + c.n;
    } else if (c.state === 'failed') {
      const r = c.reason ?? 'unknown';
      failures[r] = (failures[r] ?? 0) + c.n;
    } else cancelled += c.n;
    const b = buckets[c.bucket];
    if (b) b[c.state] += c.n;
  }
  return {
    batchId,
    outcomes,
    failures,
    cancelled,
    ...(window ? { from: window.from, bucketMs: window.bucketMs } : {}),
    buckets,
  };
}
