import type twilio from 'twilio';
import type { TwilioCredentials } from '../../domain/connection.js';

// The official client, aimed at OUTDIAL_TWILIO_API_BASE_URL (Twilio itself by default; a
// regional edge or, in tests, the stand-in). No retries of its own: a request whose fate is
// unknown must not be sent twice (a call placed twice rings a phone twice). It is most of the
// package (about 200 modules, 20 MB of a process's memory), so it is loaded when a process first
// talks to Twilio, not by every process that might.

export type TwilioClient = ReturnType<typeof twilio>;

let loaded: Promise<typeof twilio> | undefined;

/** A Twilio error as the client raises it: HTTP status and Twilio's own error code. */
export interface TwilioRestError {
  status: number;
  code?: number;
  message: string;
}

export const REQUEST_TIMEOUT_MS = 10_000;

export async function twilioClient(
  creds: TwilioCredentials,
  apiBaseUrl: string,
): Promise<TwilioClient> {
  loaded ??= import('twilio').then((m) => m.default);
  const twilio = await loaded;
  const client = twilio(creds.accountSid, creds.authToken, {
    autoRetry: false,
    timeout: REQUEST_TIMEOUT_MS,
  });
  client.api.baseUrl = apiBaseUrl.replace(/\/+$/, '');
  return client;
}

/** The status and code of an error Twilio answered with; undefined when it never answered. */
export function twilioRestError(err: unknown): TwilioRestError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as Partial<TwilioRestError>;
  if (typeof e.status !== 'number') return undefined;
  return {
    status: e.status,
    ...(typeof e.code === 'number' ? { code: e.code } : {}),
    message: typeof e.message === 'string' ? e.message : `HTTP ${e.status}`,
  };
}
