// Calls per minute and the time left, from what the follower has seen. Times are the server's
// (`timestamp` of each answer, the batch's `startTime`), so a client clock that is off does not
// skew them.

/** One poll: when (server time) and how many calls had ended completed or failed by then. */
export interface Sample {
  at: number;
  finished: number;
}

/** The rate is measured over the last minute. */
export const RATE_WINDOW_MS = 60_000;
/** Shortest span a rate is measured over; shorter gives numbers that jump around. */
export const MIN_SPAN_MS = 5_000;

/** `samples` with `next` added, keeping only what the rate window needs. */
export function addSample(samples: readonly Sample[], next: Sample): Sample[] {
  return [...samples, next].filter((s) => s.at >= next.at - RATE_WINDOW_MS);
}

/**
 * Calls ended per minute over the last minute: since the batch's first dial while it is younger
 * than that; otherwise between the oldest sample of the last minute and the newest, or, while the
 * follower has watched for less than MIN_SPAN_MS, the average since the first dial. Undefined
 * before there is anything to measure.
 */
export function callsPerMinute(samples: readonly Sample[], startTime?: number): number | undefined {
  const last = samples.at(-1);
  if (!last) return undefined;
  const sinceStart = () => {
    if (startTime === undefined || last.at - startTime < 1_000) return undefined;
    return (last.finished / (last.at - startTime)) * 60_000;
  };
  if (startTime !== undefined && last.at - startTime <= RATE_WINDOW_MS) return sinceStart();
  const first = samples.find((s) => s.at >= last.at - RATE_WINDOW_MS)!;
  if (last.at - first.at < MIN_SPAN_MS) return sinceStart();
  return ((last.finished - first.finished) / (last.at - first.at)) * 60_000;
}

/** Time left for `remaining` calls at `perMinute`; undefined when it cannot be told. */
export function etaMs(remaining: number, perMinute: number | undefined): number | undefined {
  if (remaining === 0) return 0;
  if (perMinute === undefined || perMinute <= 0) return undefined;
  return (remaining / perMinute) * 60_000;
}
