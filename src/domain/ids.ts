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
  const bytes = getRandomValues(new Uint8Array(16));
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b % 32];
  return `${prefix}_${time}${rand}`;
}
