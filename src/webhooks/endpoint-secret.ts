import type { SecretBox } from '../security/secret-box.js';
import type { SigningEndpoint } from '../storage/webhook-endpoints-repo.js';

// An endpoint's signing secrets are sealed bound to the endpoint (a sealed value copied onto
// another endpoint's row does not open there). A rotated-out secret keeps its sealed value, so it
// is bound the same way.

const contextOf = (endpointId: string) => `webhook_endpoints:${endpointId}:secret`;

export const sealEndpointSecret = (box: SecretBox, endpointId: string, secret: string) =>
  box.seal(secret, contextOf(endpointId));

// Opened once per sealed value and box, not once per message: a busy endpoint's deliveries all
// sign with the same secret. Bounded; the oldest go first. A rotated secret is a new sealed value.
const OPENED_MAX = 1_000;
const opened = new WeakMap<SecretBox, Map<string, string>>();

function openSecret(box: SecretBox, endpointId: string, sealed: string): string {
  let cache = opened.get(box);
  if (!cache) {
    cache = new Map();
    opened.set(box, cache);
  }
  const key = `${endpointId}\0${sealed}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const plain = box.open(sealed, contextOf(endpointId));
  if (cache.size >= OPENED_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, plain);
  return plain;
}

/** The secrets that sign a message sent at `now`: the current one, and the previous one for 24 h. */
export function signingSecrets(box: SecretBox, e: SigningEndpoint, now: number): string[] {
  const out = [openSecret(box, e.id, e.secretSealed)];
  if (
    e.previousSecretSealed &&
    e.previousSecretUntil !== undefined &&
    now < e.previousSecretUntil
  ) {
    out.push(openSecret(box, e.id, e.previousSecretSealed));
  }
  return out;
}

/** How long a rotated-out secret keeps signing (§20). */
export const PREVIOUS_SECRET_MS = 24 * 3_600_000;
