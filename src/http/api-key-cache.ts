import { randomBytes } from 'node:crypto';
import { hmacApiKey } from '../domain/api-key.js';
import type { Clock } from '../domain/clock.js';
import type { ApiKeyInfo } from '../storage/api-keys-repo.js';

// Verified keys are remembered briefly so a request costs no key lookup. A revocation clears the
// cache at once through KEYS_CHANNEL; the TTL only bounds a notification lost while a listener
// reconnects (see KEYS_CHANNEL in api-keys-repo). Misses are never cached, so a new key works on its first request.
const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

export class ApiKeyCache {
  private entries = new Map<string, { info: ApiKeyInfo; until: number }>();

  // Entries are keyed by an HMAC under a secret of this process alone: the map never holds a key,
  // nor a hash that could be checked against the database's.
  private readonly secret = randomBytes(32);

  constructor(private readonly clock: Clock) {}

  get(key: string): ApiKeyInfo | undefined {
    const hash = hmacApiKey(this.secret, key);
    const hit = this.entries.get(hash);
    if (!hit) return undefined;
    if (hit.until <= this.clock.now()) {
      this.entries.delete(hash);
      return undefined;
    }
    return hit.info;
  }

  set(key: string, info: ApiKeyInfo): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(hmacApiKey(this.secret, key), { info, until: this.clock.now() + TTL_MS });
  }

  clear(): void {
    this.entries.clear();
  }
}
