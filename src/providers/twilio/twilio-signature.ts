// The validator alone: the package's index loads its whole REST client (see twilio-client.ts).
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';

/**
 * Whether `signature` (X-Twilio-Signature) is Twilio's, for a POST of `params` to `url` as Twilio
 * called it, checked with the official package's validator.
 */
export const isTwilioSignature = (
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, string>,
): boolean => validateRequest(authToken, signature, url, params);
