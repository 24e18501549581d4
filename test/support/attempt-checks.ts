// Pure checks over attempt rows, for the end-to-end tests that judge the engine by what it stored.
// Intervals are half-open [start, end): an attempt that ends at t and one that starts at t never
// overlap, which is exactly how a freed slot is handed on.

export interface Interval {
  start: number;
  end: number;
}

/** The most intervals open at one instant. */
export function maxOverlap(intervals: readonly Interval[]): number {
  return busiestInstant(intervals).open.length;
}

/** The first instant at which the most intervals are open, and those intervals (the evidence). */
export function busiestInstant<T extends Interval>(
  intervals: readonly T[],
): { at: number | undefined; open: T[] } {
  const events: Array<[time: number, delta: number]> = [];
  for (const i of intervals) {
    if (!(i.end >= i.start))
      throw new Error(`interval ends before it starts: ${JSON.stringify(i)}`);
    if (i.end === i.start) continue;
    events.push([i.start, 1], [i.end, -1]);
  }
  // At equal times ends go first: half-open intervals touching at t are not both open at t.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  let at: number | undefined;
  for (const [time, delta] of events) {
    open += delta;
    if (open > max) {
      max = open;
      at = time;
    }
  }
  return {
    at,
    open: at === undefined ? [] : intervals.filter((i) => i.start <= at && at < i.end),
  };
}

/** The most start times that fall in one half-open window [t, t + windowMs), over every t. */
export function maxStartsInWindow(starts: readonly number[], windowMs = 1_000): number {
  return busiestWindow(starts, windowMs).length;
}

/** The starts of the first fullest half-open window [t, t + windowMs), ascending. */
export function busiestWindow(starts: readonly number[], windowMs = 1_000): number[] {
  const sorted = [...starts].sort((a, b) => a - b);
  let best: [number, number] = [0, 0];
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    if (last - first + 1 > best[1] - best[0]) best = [first, last + 1];
  }
  return sorted.slice(best[0], best[1]);
}

/**
 * The buckets [from + k·bucketMs, from + (k+1)·bucketMs) lying wholly before `until` that hold
 * none of `starts`, as their start times.
 */
export function emptyBuckets(
  starts: readonly number[],
  from: number,
  until: number,
  bucketMs: number,
): number[] {
  const filled = new Set<number>();
  for (const s of starts) {
    if (s >= from) filled.add(Math.floor((s - from) / bucketMs));
  }
  const empty: number[] = [];
  for (let k = 0; from + (k + 1) * bucketMs <= until; k++) {
    if (!filled.has(k)) empty.push(from + k * bucketMs);
  }
  return empty;
}

export interface JobAttempt {
  attemptNo: number;
  startedAt: number;
  endedAt: number | null;
}

/**
 * What is wrong with one job's attempts, in words (empty when nothing is): attempt numbers must
 * run 1..n without gaps, n must equal the job's recorded count and stay within its budget, every
 * attempt must have ended, and each must start no earlier than the previous one ended.
 */
export function jobAttemptProblems(
  attempts: readonly JobAttempt[],
  expected: { recorded: number; budget: number },
): string[] {
  const problems: string[] = [];
  const sorted = [...attempts].sort((a, b) => a.attemptNo - b.attemptNo);
  sorted.forEach((a, i) => {
    if (a.attemptNo !== i + 1) problems.push(`attempt #${i + 1} is numbered ${a.attemptNo}`);
  });
  if (sorted.length !== expected.recorded) {
    problems.push(`${sorted.length} attempt rows but the job records ${expected.recorded}`);
  }
  if (sorted.length > expected.budget) {
    problems.push(`${sorted.length} attempts, over the budget of ${expected.budget}`);
  }
  for (const [i, a] of sorted.entries()) {
    if (a.endedAt === null) {
      problems.push(`attempt ${a.attemptNo} never ended`);
      continue;
    }
    if (a.endedAt < a.startedAt) problems.push(`attempt ${a.attemptNo} ends before it starts`);
    const next = sorted[i + 1];
    if (next && next.startedAt < a.endedAt) {
      problems.push(
        `attempt ${next.attemptNo} starts at ${next.startedAt}, before attempt ${a.attemptNo} ended at ${a.endedAt}`,
      );
    }
  }
  return problems;
}

/** Rows grouped by a key, keeping their order. */
export function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
