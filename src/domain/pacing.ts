// Pacing: carriers count starts per sliding second, so starts are spaced 1000/N ms apart (a
// bucket of burst 1). A token bucket of burst N would allow N starts at the end of one second and
// N more at the start of the next.
//
// Buckets are layered: a start needs a slot from every bucket it passes through — its workspace's
// (callsPerSecond) and, where a provider declares its own limit, the carrier account's, which
// several workspaces may share. A slot is the first moment every one of those buckets allows, and
// taking it moves each of them on by its own spacing.
//
// The arithmetic is done in whole microseconds: epoch times in µs stay below 2^53, so every sum
// is exact, and the spacing is rounded UP to a microsecond, so N spacings always cover at least
// one second. (Fractional milliseconds in doubles drift by float error at epoch magnitudes, and a
// slot that should land on a whole millisecond could be recorded 1 ms early.)

/** How far ahead of now a start slot may be granted; the worker places the call at its slot. */
export const PACING_HORIZON_MS = 1_000;

/**
 * A bucket granted up to its horizon is claimed from again once this much of it is free, not at
 * each slot that comes free: a paced workspace then costs a claim per quarter second (its slots
 * still a whole horizon ahead, so its pace has no gaps), where chasing every free slot cost a
 * claim per few calls (measured at 1,000 calls/s over three workers: 13 calls a claim, 1.4
 * transactions per call, ten times the CPU per call of an unpaced dispatch).
 */
export const PACING_CLAIM_STEP_MS = 250;

/** How far ahead a bucket may already be granted for a claim to take more from it. */
export const PACING_CLAIM_AHEAD_MS = PACING_HORIZON_MS - PACING_CLAIM_STEP_MS;

const US = 1_000;
const toUs = (ms: number) => Math.round(ms * US);
const spacingUs = (callsPerSecond: number) => Math.ceil(1_000_000 / Math.max(1, callsPerSecond));
/** A slot's start as a whole millisecond, never before the slot. */
const slotMs = (us: number) => Math.ceil(us / US);

export interface PacingBucket {
  /** `workspace:<id>` or `carrier:<provider>:<account>`. */
  key: string;
  callsPerSecond: number;
  /** The earliest next start this bucket allows (ms, microsecond precision). */
  nextAt: number;
}

/**
 * Grants start slots from layered buckets, one claim at a time. Pure: it only changes its own
 * copy of the buckets; `nextAt()` gives what to store back.
 */
export class SlotGranter {
  readonly #nowUs: number;
  readonly #limitUs: number;
  readonly #buckets = new Map<string, { spacing: number; nextUs: number; nextAt: number }>();

  constructor(buckets: readonly PacingBucket[], now: number, horizonMs = PACING_HORIZON_MS) {
    this.#nowUs = toUs(now);
    this.#limitUs = toUs(now + horizonMs);
    for (const b of buckets) {
      this.#buckets.set(b.key, {
        spacing: spacingUs(b.callsPerSecond),
        nextUs: toUs(b.nextAt),
        nextAt: b.nextAt,
      });
    }
  }

  /** The first start every bucket in `keys` allows, in µs, or undefined past the horizon. */
  #firstUs(keys: readonly string[]): number | undefined {
    let first = this.#nowUs;
    for (const k of keys) {
      const b = this.#buckets.get(k);
      if (!b) throw new Error(`no pacing bucket ${k}`);
      first = Math.max(first, b.nextUs);
    }
    return first > this.#limitUs ? undefined : first;
  }

  /** The slot `take(keys)` would give (µs), without taking it; undefined past the horizon. */
  peek(keys: readonly string[]): number | undefined {
    return this.#firstUs(keys);
  }

  /** Takes the next slot through every bucket in `keys`: a whole-ms start, or undefined. */
  take(keys: readonly string[]): number | undefined {
    const first = this.#firstUs(keys);
    if (first === undefined) return undefined;
    for (const k of keys) {
      const b = this.#buckets.get(k)!;
      b.nextUs = first + b.spacing;
      b.nextAt = b.nextUs / US;
    }
    return slotMs(first);
  }

  /** How many slots `take([key])` could still give through that bucket alone. */
  available(key: string): number {
    const first = this.#firstUs([key]);
    if (first === undefined) return 0;
    return Math.floor((this.#limitUs - first) / this.#buckets.get(key)!.spacing) + 1;
  }

  /** Each bucket's earliest next start after the slots taken (unchanged when none was taken). */
  nextAt(key: string): number {
    const b = this.#buckets.get(key);
    if (!b) throw new Error(`no pacing bucket ${key}`);
    return b.nextAt;
  }
}

export interface SlotGrant {
  /** Whole-ms start times, ascending: any N consecutive ones span at least 1000 ms. */
  slots: number[];
  /** The bucket's new earliest next slot (ms, microsecond precision). */
  nextAt: number;
}

/** Grants up to `max` start slots of one bucket within the horizon, continuing from `pacingNextAt`. */
export function grantSlots(opts: {
  pacingNextAt: number;
  now: number;
  callsPerSecond: number;
  max: number;
  horizonMs?: number;
}): SlotGrant {
  const g = new SlotGranter(
    [{ key: 'b', callsPerSecond: opts.callsPerSecond, nextAt: opts.pacingNextAt }],
    opts.now,
    opts.horizonMs,
  );
  const slots: number[] = [];
  while (slots.length < opts.max) {
    const slot = g.take(['b']);
    if (slot === undefined) break;
    slots.push(slot);
  }
  return { slots, nextAt: g.nextAt('b') };
}

/** How many slots `grantSlots` could give right now (without a `max`). */
export function availableSlots(opts: {
  pacingNextAt: number;
  now: number;
  callsPerSecond: number;
  horizonMs?: number;
}): number {
  return new SlotGranter(
    [{ key: 'b', callsPerSecond: opts.callsPerSecond, nextAt: opts.pacingNextAt }],
    opts.now,
    opts.horizonMs,
  ).available('b');
}
