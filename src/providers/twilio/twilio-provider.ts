import type { AgentTransport } from '../../domain/agent-transport.js';
import type { CarrierEnd } from '../../domain/attempt-event.js';
import type { TwilioCredentials } from '../../domain/connection.js';
import type { LookupAnswer } from '../../domain/recovery.js';
import type { AttemptRef, PlaceResult, TelephonyProvider } from '../provider.js';
import { type BridgeIds, bridgeTwiml } from './bridge-twiml.js';
import { createRefusal, FINAL_STATUSES, type FinalStatus, finalReason } from './call-status.js';
import { twilioClient, twilioRestError } from './twilio-client.js';

// The `twilio` provider (extensions §21): places each attempt with Calls.json through the
// official client, on the credentials of the connection its agent names. Its events come back as
// Twilio's status callbacks, to the HTTP route that checks their signature; `lookup` asks Twilio
// about a call by its sid, or lists the calls to the number since the attempt's slot.
//
// Twilio's own pace and queue limits (20429, 22005) mean the call was not placed: the attempt is
// released (not an attempt) and its call is due again a little later.

/** Everything one attempt needs that Outdial's storage knows (resolved outside this layer). */
export interface TwilioDialPlan {
  credentials: TwilioCredentials;
  from: string;
  transport: AgentTransport;
  ids: BridgeIds;
  /** The row's variables, offered to the agent while the TwiML fits. */
  variables: ReadonlyArray<readonly [string, string]>;
  fallbackMessage: string;
  /** The attempt's status callback URL (public URL + signed path). */
  statusCallback: string;
  machineDetection: boolean;
  ringTimeoutSec: number;
  maxCallDurationSec: number;
}

export interface TwilioDialResolver {
  /** The plan of an attempt, or why it cannot be placed through Twilio (nothing is sent). */
  plan(attempt: AttemptRef): Promise<TwilioDialPlan | { cannot: string }>;
  /** The credentials an attempt was placed with, for lookups; undefined when gone. */
  credentials(attempt: AttemptRef): Promise<TwilioCredentials | undefined>;
}

/** How long a call Twilio held back (20429, 22005) waits before it is dialed again. */
export const RETRY_LATER_MS = 30_000;

/** Calls to the number listed from this long before the slot (clocks differ). */
const LIST_SLACK_MS = 60_000;

/** An error safe to log: the client's own errors can carry the request, credentials included. */
const safeError = (what: string, err: unknown) => {
  const rest = twilioRestError(err);
  return new Error(
    rest
      ? `${what}: Twilio answered ${rest.status}${rest.code ? ` (${rest.code})` : ''}: ${rest.message}`
      : `${what}: Twilio could not be reached`,
  );
};

/** The Calls.json parameters of a plan (the client's names). */
export function createParams(to: string, p: TwilioDialPlan) {
  const bridge =
    p.transport.type === 'twiml'
      ? { url: p.transport.url, method: 'POST' as const }
      : {
          twiml: bridgeTwiml({
            transport: p.transport,
            ids: p.ids,
            variables: p.variables,
            fallbackMessage: p.fallbackMessage,
            // The stream's status and the SIP dial's end come to the attempt's callback URL too.
            bridgeCallbackUrl: p.statusCallback,
          }).twiml,
        };
  return {
    to,
    from: p.from,
    ...bridge,
    statusCallback: p.statusCallback,
    statusCallbackMethod: 'POST' as const,
    statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    timeout: p.ringTimeoutSec,
    timeLimit: p.maxCallDurationSec,
    ...(p.machineDetection
      ? {
          machineDetection: 'Enable',
          asyncAmd: 'true',
          asyncAmdStatusCallback: p.statusCallback,
          asyncAmdStatusCallbackMethod: 'POST' as const,
        }
      : {}),
  };
}

interface CallResource {
  sid: string;
  status: string;
  answeredBy?: string | null;
  duration?: string | null;
  endTime?: Date | null;
  startTime?: Date | null;
}

/** What Twilio's call resource says about an attempt. */
export function answerOf(call: CallResource, now: number): LookupAnswer {
  if (!(FINAL_STATUSES as readonly string[]).includes(call.status)) {
    return { status: 'in_progress', providerCallId: call.sid };
  }
  const reason = finalReason({
    status: call.status as FinalStatus,
    ...(call.answeredBy ? { answeredBy: call.answeredBy } : {}),
  });
  const durationSec = call.duration ? Number(call.duration) : undefined;
  const endedAt = call.endTime?.getTime() ?? now;
  const talked = reason === 'answered' || reason === 'voicemail';
  const end: CarrierEnd = {
    reason,
    endedAt,
    providerCallId: call.sid,
    ...(talked && durationSec !== undefined
      ? { durationSec, answeredAt: endedAt - durationSec * 1_000 }
      : {}),
    ...(talked ? {} : { errorMessage: `Twilio ${call.status}` }),
  };
  return { status: 'ended', end };
}

export function createTwilioProvider(opts: {
  resolver: TwilioDialResolver;
  apiBaseUrl: string;
  now: () => number;
}): TelephonyProvider {
  const { resolver, apiBaseUrl } = opts;
  return {
    name: 'twilio',
    capabilities: {
      lookupByAttempt: true,
      lookupByCallId: true,
      // Twilio lists a call from its creation: none to the number since the slot means none.
      provesAbsence: true,
      machineDetection: true,
      hangUp: false,
      localEvents: false,
    },

    async place(attempt: AttemptRef): Promise<PlaceResult> {
      const plan = await resolver.plan(attempt);
      if ('cannot' in plan)
        return { accepted: false, reason: 'provider_error', error: plan.cannot };
      const client = await twilioClient(plan.credentials, apiBaseUrl);
      try {
        const call = await client.calls.create(createParams(attempt.phoneNumber, plan));
        return { accepted: true, providerCallId: call.sid };
      } catch (err) {
        const rest = twilioRestError(err);
        // No answer, or a server error: the call may exist. Recovery looks it up.
        if (!rest || rest.status >= 500) throw safeError('placing the call', err);
        const refusal = createRefusal(rest.status, rest.code);
        if (refusal.kind === 'retry_later') {
          return {
            accepted: false,
            retryAfterMs: RETRY_LATER_MS,
            error: `Twilio held the call back (${rest.code ?? rest.status}): ${rest.message}`,
          };
        }
        return {
          accepted: false,
          reason: refusal.reason,
          error: `Twilio refused the call (${rest.code ?? rest.status}): ${rest.message}`,
        };
      }
    },

    async lookup(attempt: AttemptRef): Promise<LookupAnswer> {
      const creds = await resolver.credentials(attempt);
      if (!creds) return { status: 'unknown' };
      const client = await twilioClient(creds, apiBaseUrl);
      try {
        if (attempt.providerCallId) {
          return answerOf(await client.calls(attempt.providerCallId).fetch(), opts.now());
        }
        const calls = await client.calls.list({
          to: attempt.phoneNumber,
          startTimeAfter: new Date(attempt.startedAt - LIST_SLACK_MS),
          limit: 20,
        });
        // Several calls to one number since the slot: another attempt's or another batch's
        // could be among them; the oldest is the one this attempt's request made first.
        const mine = calls.at(-1);
        return mine ? answerOf(mine, opts.now()) : { status: 'not_found' };
      } catch (err) {
        const rest = twilioRestError(err);
        if (rest?.status === 404) return { status: 'not_found' };
        throw safeError('looking the call up', err);
      }
    },
  };
}
