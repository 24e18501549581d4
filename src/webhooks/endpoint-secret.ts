import type { SecretBox } from '../security/secret-box.js';
import type { SigningEndpoint } from '../storage/webhook-endpoints-repo.js';

// An endpoint's signing secrets are sealed bound to the endpoint (a sealed value copied onto
// another endpoint's row does not open there). A rotated-out secret keeps its sealed value, so it
// is bound the same way.

const contextOf = (endpointId: string) => `webhook_endpoints:${endpointId}:secret`;

export const sealEndpointSecret = (box: SecretBox, endpointId: string, secret: string) =>
  box.seal(secret, contextOf(endpointId));

/** The secrets that sign a message sent at `now`: the current one, and the previous one for 24 h. */
export function signingSecrets(box: SecretBox, e: SigningEndpoint, now: number): string[] {
  const out = [box.open(e.secretSealed, contextOf(e.id))];
  if (
    e.previousSecretSealed &&
    e.previousSecretUntil !== undefined &&
    now < e.previousSecretUntil
  ) {
    out.push(box.open(e.previousSecretSealed, contextOf(e.id)));
  }
  return out;
}

/** How long a rotated-out secret keeps signing (§20). */
export const PREVIOUS_SECRET_MS = 24 * 3_600_000;
