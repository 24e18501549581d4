// Pacing: carriers count starts per sliding second, so starts are spaced 1000/N ms apart (a
// bucket of burst 1). A token bucket of burst N would allow N starts at the end of one second and
// N more at the start of the next.
//
// The arithmetic is done in whole microseconds: epoch times in µs stay below 2^53, so every sum
// is exact, and the spacing is rounded UP to a microsecond, so N spacings always cover at least
// one second. (Fractional milliseconds in doubles drift by float error at epoch magnitudes, and a
// slot that should land on a whole millisecond could be recorded 1 ms early.)

/** How far ahead of now a start slot may be granted; the runner sleeps until its slot. */
export const PACING_HORIZON_MS = 1_000;

const US = 1_000;
const toUs = (ms: number) => Math.round(ms * US);
const spacingUs = (callsPerSecond: number) => Math.ceil(1_000_000 / Math.max(1, callsPerSecond));
/** A slot's start as a whole millisecond, never before the slot. */
const slotMs = (us: number) => Math.ceil(us / US);

export interface SlotGrant {
  /** Whole-ms start times, ascending: any N consecutive ones span at least 1000 ms. */
  slots: number[];
  /** The workspace's new earliest next slot (ms, microsecond precision). */
  nextAt: number;
}

function firstSlotUs(pacingNextAt: number, now: number): number {
  return Math.max(toUs(pacingNextAt), toUs(now));
}

/** Grants up to `max` start slots within the horizon, continuing from `pacingNextAt`. */
export function grantSlots(opts: {
  pacingNextAt: number;
  now: number;
  callsPerSecond: number;
  max: number;
  horizonMs?: number;
}): SlotGrant {
  const step = spacingUs(opts.callsPerSecond);
  const first = firstSlotUs(opts.pacingNextAt, opts.now);
  const limit = toUs(opts.now + (opts.horizonMs ?? PACING_HORIZON_MS));
  const slots: number[] = [];
  while (slots.length < opts.max && first + slots.length * step <= limit) {
    slots.push(slotMs(first + slots.length * step));
  }
  return {
    slots,
    nextAt: slots.length === 0 ? opts.pacingNextAt : (first + slots.length * step) / US,
  };
}

/** How many slots `grantSlots` could give right now (without a `max`). */
export function availableSlots(opts: {
  pacingNextAt: number;
  now: number;
  callsPerSecond: number;
  horizonMs?: number;
}): number {
  const step = spacingUs(opts.callsPerSecond);
  const first = firstSlotUs(opts.pacingNextAt, opts.now);
  const limit = toUs(opts.now + (opts.horizonMs ?? PACING_HORIZON_MS));
  return first > limit ? 0 : Math.floor((limit - first) / step) + 1;
}
