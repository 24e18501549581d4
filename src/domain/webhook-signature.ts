import { createHmac, randomBytes } from 'node:crypto';

// Standard Webhooks (https://www.standardwebhooks.com): a secret is `whsec_` and the base64 of
// its key bytes; the signature is `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under
// those bytes. Several signatures (after a rotation, the old and the new secret) are separated
// by spaces; a receiver accepts the message when any of them verifies.

const PREFIX = 'whsec_';

/** A new signing secret: 24 random bytes, as the reference libraries make them. */
export const newWebhookSecret = (): string => PREFIX + randomBytes(24).toString('base64');

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** The `webhook-signature` header for one message, signed by every secret given. */
export function signWebhook(
  secrets: readonly string[],
  msgId: string,
  timestampSec: number,
  body: string,
): string {
  const signed = `${msgId}.${timestampSec}.${body}`;
  return secrets
    .map((s) => `v1,${createHmac('sha256', keyOf(s)).update(signed).digest('base64')}`)
    .join(' ');
}
