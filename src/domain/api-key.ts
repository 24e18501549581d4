import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Keys are 192 random bits, so no hash needs to be slow: guessing is hopeless either way, and a
// slow hash (scrypt) would let every request with a made-up key burn tens of milliseconds of CPU.
// HMAC-SHA-256 under a per-deployment secret adds what a slow hash cannot: a copy of the table
// without the secret cannot even confirm a guess, and equal keys hash differently elsewhere.

export function generateApiKey(): string {
  return `od_${randomBytes(24).toString('base64url')}`;
}

/** How a stored key was hashed (`api_keys.hash_scheme`). */
export const HASH_SCHEME = { sha256: 0, hmac: 1 } as const;

export function hmacApiKey(secret: Uint8Array, key: string): string {
  return createHmac('sha256', secret).update(key, 'utf8').digest('hex');
}

/** The hash of keys stored before the key secret existed; read only to upgrade them. */
export function legacyApiKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * A short, stable fingerprint of a key secret, stored beside the keys so that a process holding a
 * different secret is stopped at start instead of rejecting every key. It reveals nothing usable:
 * it is an HMAC of a fixed text, not of any key.
 */
export function keySecretFingerprint(secret: Uint8Array): string {
  return createHmac('sha256', secret).update('outdial key secret fingerprint').digest('hex');
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
