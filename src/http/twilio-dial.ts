import { TELEPHONY_DEFAULTS } from '../domain/agent-transport.js';
import { pickCallerId, spreadOf } from '../domain/caller-id.js';
import { credentialsContext, type TwilioCredentials } from '../domain/connection.js';
import type { AttemptRef } from '../providers/provider.js';
import type { TwilioDialPlan, TwilioDialResolver } from '../providers/twilio/twilio-provider.js';
import type { Runtime } from '../runtime.js';
import { AttemptTokens, REPORT_TOKEN_TTL_MS } from '../security/attempt-token.js';
import { holdsSecretOutsideDatabase, resolveKeySecret } from '../security/key-secret.js';
import { SecretBox } from '../security/secret-box.js';
import {
  type DialContext,
  getDialContext,
  noteAttemptCallerId,
} from '../storage/telephony-dial-repo.js';

// What the Twilio adapter needs from Outdial for one attempt: the connection's credentials
// (opened from the secret box), the caller ID, the agent's bridge and limits, the callback URL
// that names the attempt, and the agent's report token. Shared by the workers that place calls
// and by the API process that checks Twilio's callbacks against the same credentials.

/** The path Twilio posts an attempt's status callbacks to (under OUTDIAL_PUBLIC_URL). */
export const twilioEventsPath = (token: string) => `/v1/telephony/twilio/events/${token}`;

/** How long an attempt's callback URL stays good: far past any call's end. */
export const CALLBACK_TOKEN_TTL_MS = 7 * 24 * 3_600_000;

export interface DeploymentKeys {
  /** Undefined where the deployment secret is kept in the database (nothing can be sealed). */
  box: SecretBox | undefined;
  tokens: AttemptTokens;
}

/** The deployment's keys, resolved once per process (again after a failure). */
export function deploymentKeys(rt: Runtime): () => Promise<DeploymentKeys> {
  let keys: Promise<DeploymentKeys> | undefined;
  return () => {
    keys ??= resolveKeySecret(rt.db, rt.config).then(
      (secret) => ({
        box: holdsSecretOutsideDatabase(rt.config) ? new SecretBox(secret) : undefined,
        tokens: new AttemptTokens(secret),
      }),
      (err) => {
        keys = undefined;
        throw err;
      },
    );
    return keys;
  };
}

/** The connection credentials of an attempt's agent; undefined when they cannot be opened. */
export function openCredentials(
  keys: DeploymentKeys,
  ctx: DialContext,
): TwilioCredentials | undefined {
  if (!keys.box || !ctx.connectionId || !ctx.credentialsSealed) return undefined;
  try {
    return JSON.parse(keys.box.open(ctx.credentialsSealed, credentialsContext(ctx.connectionId)));
  } catch {
    return undefined;
  }
}

export function twilioDialResolver(rt: Runtime): TwilioDialResolver {
  const keys = deploymentKeys(rt);
  return {
    async plan(attempt: AttemptRef): Promise<TwilioDialPlan | { cannot: string }> {
      const [k, ctx] = await Promise.all([keys(), getDialContext(rt.db, attempt.attemptId)]);
      if (!ctx) return { cannot: 'The attempt is gone' };
      const credentials = openCredentials(k, ctx);
      if (!credentials) {
        return {
          cannot: "The agent's telephony connection is gone or its credentials do not open",
        };
      }
      if (!ctx.transport) return { cannot: 'The agent has no transport' };
      const publicUrl = rt.config.publicUrl;
      if (!publicUrl) return { cannot: 'OUTDIAL_PUBLIC_URL is not set: Twilio could not report' };
      // A number pinned on the agent; else local presence from the connection's pool.
      const from =
        ctx.agentFromNumber ??
        pickCallerId(attempt.phoneNumber, ctx.fromNumbers ?? [], spreadOf(attempt.attemptId));
      if (from === undefined) return { cannot: 'The connection has no number to call from' };
      await noteAttemptCallerId(rt.db, attempt.attemptId, from);
      const callbackToken = k.tokens.issue(
        'callback',
        attempt.attemptId,
        ctx.startedAt + CALLBACK_TOKEN_TTL_MS,
      );
      return {
        credentials,
        from,
        transport: ctx.transport,
        ids: {
          jobId: ctx.callId,
          batchId: ctx.batchId,
          attemptId: attempt.attemptId,
          reportToken: k.tokens.issue(
            'report',
            attempt.attemptId,
            rt.clock.now() + REPORT_TOKEN_TTL_MS,
          ),
        },
        variables: Object.entries(attempt.variables),
        fallbackMessage: ctx.fallbackMessage ?? TELEPHONY_DEFAULTS.fallbackMessage,
        statusCallback: `${publicUrl}${twilioEventsPath(callbackToken)}`,
        machineDetection:
          (ctx.machineDetection ?? TELEPHONY_DEFAULTS.machineDetection) === 'detect',
        ringTimeoutSec: ctx.ringTimeoutSec ?? TELEPHONY_DEFAULTS.ringTimeoutSec,
        maxCallDurationSec: ctx.maxCallDurationSec ?? TELEPHONY_DEFAULTS.maxCallDurationSec,
      };
    },
    async credentials(attempt: AttemptRef) {
      const [k, ctx] = await Promise.all([keys(), getDialContext(rt.db, attempt.attemptId)]);
      return ctx && openCredentials(k, ctx);
    },
  };
}
