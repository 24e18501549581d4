import { isDelivered, nextRetryAt, WEBHOOK_FAILING_DISABLE_MS } from '../domain/webhook-retry.js';
import { signWebhook } from '../domain/webhook-signature.js';
import type { Runtime } from '../runtime.js';
import type { SecretBox } from '../security/secret-box.js';
import { type ClaimedDelivery, recordDeliveryTry } from '../storage/webhook-deliveries-repo.js';
import {
  disableWebhookEndpoint,
  type SigningEndpoint,
  setWebhookFailingSince,
} from '../storage/webhook-endpoints-repo.js';
import type { DeliveredRecorder } from './delivered-recorder.js';
import { signingSecrets } from './endpoint-secret.js';
import { postWebhook, type WebhookAgents } from './post.js';

// One try of one claimed delivery: sign, POST, record the outcome under the claim. A 2xx is
// delivered; anything else is retried on the §20 schedule, then failed. A 410 disables the
// endpoint; so does failing without a success for five days.

export interface TryResult {
  statusCode?: number;
  error?: string;
  delivered: boolean;
  /** From sending to the receiver's answer (or the error). */
  durationMs: number;
  /** Not delivered, and to be tried again (false with `delivered` false: failed for good). */
  retry: boolean;
  /** This try's answer disabled the endpoint (410, or five days failing). */
  disabledEndpoint?: boolean;
}

export interface TryOptions {
  owner: string;
  timeoutMs?: number;
  agents?: WebhookAgents;
  /** Writes successes in groups (the worker loop's); none: each on its own. */
  delivered?: DeliveredRecorder;
  /**
   * Called once the receiver has answered (or failed to), before the outcome is written, with
   * whether it was a success.
   */
  onAnswered?: (delivered: boolean) => void;
}

export async function tryDelivery(
  rt: Runtime,
  box: SecretBox,
  d: ClaimedDelivery,
  endpoint: SigningEndpoint,
  opts: TryOptions,
): Promise<TryResult> {
  const sentAt = rt.clock.now();
  const started = performance.now();
  const timestamp = Math.floor(sentAt / 1000);
  let signature: string;
  try {
    signature = signWebhook(signingSecrets(box, endpoint, sentAt), d.id, timestamp, d.body);
  } catch (err) {
    // A secret that does not open (sealed under another deployment secret): nothing can be sent.
    rt.log.error({ endpointId: endpoint.id, err: String(err) }, 'webhook secret does not open');
    return record(rt, d, endpoint, opts, { error: 'Signing secret unavailable' }, 0);
  }
  const answer = await postWebhook({
    url: endpoint.url,
    body: d.body,
    headers: {
      'webhook-id': d.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    },
    allowPrivate: rt.config.webhookAllowPrivate,
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.agents === undefined ? {} : { agents: opts.agents }),
  });
  const durationMs = performance.now() - started;
  opts.onAnswered?.(answer.statusCode !== undefined && isDelivered(answer.statusCode));
  return record(rt, d, endpoint, opts, answer, durationMs);
}

async function record(
  rt: Runtime,
  d: ClaimedDelivery,
  endpoint: SigningEndpoint,
  opts: TryOptions,
  answer: { statusCode?: number; error?: string },
  durationMs: number,
): Promise<TryResult> {
  const now = rt.clock.now();
  const delivered = answer.statusCode !== undefined && isDelivered(answer.statusCode);
  const gone = answer.statusCode === 410;
  const retryAt = delivered || gone ? undefined : nextRetryAt(d.attempts + 1, now);
  const error =
    answer.error ??
    (delivered || answer.statusCode === undefined ? undefined : `HTTP ${answer.statusCode}`);
  const outcome = {
    id: d.id,
    owner: opts.owner,
    now,
    delivered,
    ...(answer.statusCode === undefined ? {} : { statusCode: answer.statusCode }),
    ...(error === undefined ? {} : { error: error.slice(0, 500) }),
    ...(retryAt === undefined ? {} : { retryAt }),
  };
  // The usual case, a healthy endpoint's success, is one statement and needs no transaction.
  const endpointChanges = gone || !delivered || endpoint.failingSince !== undefined;
  const failedTooLong =
    !delivered &&
    endpoint.failingSince !== undefined &&
    now - endpoint.failingSince >= WEBHOOK_FAILING_DISABLE_MS;
  if (!endpointChanges && opts.delivered && answer.statusCode !== undefined) {
    await opts.delivered.record({
      id: d.id,
      owner: opts.owner,
      statusCode: answer.statusCode,
      now,
    });
  } else if (!endpointChanges) await recordDeliveryTry(rt.db, outcome);
  else
    await rt.db.tx(async (q) => {
      await recordDeliveryTry(q, outcome);
      if (gone) {
        await disableWebhookEndpoint(q, endpoint.id, 'The endpoint answered 410 Gone', now);
      } else if (delivered) {
        if (endpoint.failingSince !== undefined) await setWebhookFailingSince(q, endpoint.id, null);
      } else if (endpoint.failingSince === undefined) {
        await setWebhookFailingSince(q, endpoint.id, now);
      } else if (failedTooLong) {
        await disableWebhookEndpoint(
          q,
          endpoint.id,
          'Every delivery failed for 5 days; enable it again once it answers 2xx',
          now,
        );
      }
    });
  return {
    delivered,
    retry: retryAt !== undefined,
    durationMs,
    ...(gone || failedTooLong ? { disabledEndpoint: true } : {}),
    ...(answer.statusCode === undefined ? {} : { statusCode: answer.statusCode }),
    ...(error === undefined ? {} : { error }),
  };
}
