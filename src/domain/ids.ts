import { getRandomValues } from 'node:crypto';

// Crockford base32, lower case: sortable, no ambiguous letters.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'batch' | 'call' | 'att' | 'agent' | 'ws' | 'key' | 'wh' | 'msg' | 'conn';

/**
 * A ULID-shaped id: 10 chars of millisecond time then 16 random chars, so ids sort by creation
 * time and can never be guessed or enumerated like a counter.
 */
export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  // Written as bytes and read out as ONE string: built a character at a time, an id allocated
  // 26 intermediate strings (700 bytes), which made up a quarter of a large upload's garbage.
  const tail = writeHead(prefix, nowMs);
  writeTail(tail);
  return idBytes.toString('latin1', 0, tail + 16);
}

/**
 * An id in two parts, for callers that make many ids at one time and send them elsewhere: the
 * prefix and time once (idHead), the random characters per id (idTail); head + tail is an id
 * as newId makes it.
 */
export function idHead(prefix: IdPrefix, nowMs: number = Date.now()): string {
  return idBytes.toString('latin1', 0, writeHead(prefix, nowMs));
}

export function idTail(): string {
  const at = idBytes.length - 16;
  writeTail(at);
  return idBytes.toString('latin1', at, at + 16);
}

const ALPHABET_BYTES = Buffer.from(ALPHABET, 'latin1');
/** The id being written (its last 16 bytes are idTail's): prefix and time stay while the same. */
const idBytes = Buffer.alloc(64);
let lastPrefix = '';
let lastMs = -1;

/** Writes `prefix_` and the time into idBytes, unless already there; returns where the tail goes. */
function writeHead(prefix: IdPrefix, nowMs: number): number {
  const start = prefix.length + 1;
  if (prefix !== lastPrefix) {
    idBytes.write(`${prefix}_`, 0, 'latin1');
    lastPrefix = prefix;
    lastMs = -1;
  }
  const ms = Math.max(0, Math.floor(nowMs));
  if (ms !== lastMs) {
    let t = ms;
    for (let i = start + 9; i >= start; i--) {
      idBytes[i] = ALPHABET_BYTES[t % 32] as number;
      t = Math.floor(t / 32);
    }
    lastMs = ms;
  }
  return start + 10;
}

/** Writes 16 fresh random characters into idBytes at `at`. */
function writeTail(at: number): void {
  const from = takeRandom(16);
  for (let i = 0; i < 16; i++) {
    idBytes[at + i] = ALPHABET_BYTES[(pool[from + i] as number) % 32] as number;
  }
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
