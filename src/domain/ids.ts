import { getRandomValues } from 'node:crypto';

// Crockford base32, lower case: sortable, no ambiguous letters.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'batch' | 'call' | 'att' | 'agent' | 'ws' | 'key' | 'wh' | 'msg' | 'conn';

/**
 * A ULID-shaped id: 10 chars of millisecond time then 16 random chars, so ids sort by creation
 * time and can never be guessed or enumerated like a counter.
 */
export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  let time = '';
  let t = Math.max(0, Math.floor(nowMs));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const at = takeRandom(16);
  let rand = '';
  for (let i = at; i < at + 16; i++) rand += ALPHABET[(pool[i] as number) % 32];
  return `${prefix}_${time}${rand}`;
}

// Random bytes drawn from the system's generator a few kilobytes at a time: one call per id cost
// a claim or a group of events a large share of its CPU (measured: 7 % of a busy worker's).
const pool = new Uint8Array(4096);
let used = pool.length;

/** The offset of `n` fresh random bytes in `pool`, each handed out once. */
function takeRandom(n: number): number {
  if (used + n > pool.length) {
    getRandomValues(pool);
    used = 0;
  }
  const at = used;
  used += n;
  return at;
}
