import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Keys are high-entropy random strings, so one SHA-256 is enough to make a leaked table useless;
// a slow hash would only slow every request down.

export function generateApiKey(): string {
  return `od_${randomBytes(24).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The index key of a stored key: a slice of its hash, so the key itself is never needed. */
export const keyLookup = (hash: string) => hash.slice(0, 16);

/** A short visible prefix for listings, never more than a third of the key. */
export function keyDisplayPrefix(key: string): string {
  return key.slice(0, Math.min(8, Math.floor(key.length / 3)));
}

export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
