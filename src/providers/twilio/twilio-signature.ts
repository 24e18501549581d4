import twilio from 'twilio';

/**
 * Whether `signature` (X-Twilio-Signature) is Twilio's, for a POST of `params` to `url` as Twilio
 * called it, checked with the official package's validator.
 */
export const isTwilioSignature = (
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, string>,
): boolean => twilio.validateRequest(authToken, signature, url, params);
