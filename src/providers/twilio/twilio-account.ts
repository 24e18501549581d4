import type { TwilioCredentials } from '../../domain/connection.js';
import { twilioClient, twilioRestError } from './twilio-client.js';

// A connection's numbers are checked against the account when it is created (§21): a number is
// the account's when it is one of its incoming phone numbers or a verified outgoing caller ID,
// the two kinds Twilio lets an account call from.

export type AccountCheck =
  | { ok: true; notOwned: string[] }
  /** Twilio refused the credentials (401/403, e.g. code 20003). */
  | { ok: false; kind: 'credentials'; message: string }
  /** Twilio could not be reached or answered with an error of its own. */
  | { ok: false; kind: 'unavailable'; message: string };

export async function checkTwilioNumbers(
  creds: TwilioCredentials,
  numbers: readonly string[],
  apiBaseUrl: string,
): Promise<AccountCheck> {
  const client = await twilioClient(creds, apiBaseUrl);
  try {
    const notOwned: string[] = [];
    for (const phoneNumber of numbers) {
      const [incoming] = await client.incomingPhoneNumbers.list({ phoneNumber, limit: 1 });
      if (incoming?.phoneNumber === phoneNumber) continue;
      const [verified] = await client.outgoingCallerIds.list({ phoneNumber, limit: 1 });
      if (verified?.phoneNumber === phoneNumber) continue;
      notOwned.push(phoneNumber);
    }
    return { ok: true, notOwned };
  } catch (err) {
    const rest = twilioRestError(err);
    if (rest && (rest.status === 401 || rest.status === 403)) {
      return {
        ok: false,
        kind: 'credentials',
        message: `Twilio refused the credentials (${rest.code ?? rest.status}): ${rest.message}`,
      };
    }
    return {
      ok: false,
      kind: 'unavailable',
      message: rest
        ? `Twilio answered ${rest.status}${rest.code ? ` (${rest.code})` : ''}: ${rest.message}`
        : 'Twilio could not be reached',
    };
  }
}
