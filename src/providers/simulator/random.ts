// Seeded randomness for the simulator. Everything derives from a string key (number and attempt),
// never from Math.random or the time, so a draw is the same on every machine and after a restart.

const SEED = 'outdial-simulator-v1';

export type Rng = () => number;

/** cyrb53: a small, well-mixed string hash (53 bits). */
function hash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** mulberry32: a deterministic stream of numbers in [0, 1). */
export function seededRandom(key: string): Rng {
  let a = hash(`${SEED}|${key}`) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller); always consumes exactly two numbers from `rng`. */
export function standardNormal(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]: log(0) would be -Infinity
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A duration in seconds, rounded to 0.1 s and clamped to [min, max].
 * - `lognormal`: `median` and `spread` (the geometric standard deviation: about 68 % of draws fall
 *   within median ÷ spread … median × spread). Right-skewed and never negative, the usual shape
 *   of human response and conversation times.
 * - `normal`: `mean` ± `sd`, for times set by a machine's timer with some jitter around it.
 */
export type Duration =
  | { kind: 'lognormal'; median: number; spread: number; min: number; max: number }
  | { kind: 'normal'; mean: number; sd: number; min: number; max: number };

export function drawSeconds(rng: Rng, d: Duration): number {
  const z = standardNormal(rng);
  const raw = d.kind === 'lognormal' ? d.median * d.spread ** z : d.mean + d.sd * z;
  const clamped = Math.min(d.max, Math.max(d.min, raw));
  return Math.round(clamped * 10) / 10;
}
