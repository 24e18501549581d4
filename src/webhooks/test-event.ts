import { newId } from '../domain/ids.js';
import { WEBHOOK_TEST_EVENT, webhookBody } from '../domain/webhook-event-types.js';
import type { Runtime } from '../runtime.js';
import type { SecretBox } from '../security/secret-box.js';
import { insertClaimedDelivery } from '../storage/webhook-deliveries-repo.js';
import type { SigningEndpoint } from '../storage/webhook-endpoints-repo.js';
import { type TryResult, tryDelivery } from './delivery.js';
import { WEBHOOK_TIMEOUT_MS } from './post.js';

/**
 * §20's test event: a `webhook.test` delivery, logged like any other and sent at once by the
 * request that asked for it (held under its own claim, so no worker sends it too). A failed test
 * is retried on the usual schedule.
 */
export async function sendTestEvent(
  rt: Runtime,
  box: SecretBox,
  endpoint: SigningEndpoint,
): Promise<{ deliveryId: string } & TryResult> {
  const now = rt.clock.now();
  const id = newId('msg', now);
  const owner = `test:${id}`;
  const body = webhookBody(WEBHOOK_TEST_EVENT, now, { webhookId: endpoint.id });
  const leaseUntil = now + 2 * WEBHOOK_TIMEOUT_MS;
  await insertClaimedDelivery(rt.db, {
    id,
    endpointId: endpoint.id,
    workspaceId: endpoint.workspaceId,
    eventType: WEBHOOK_TEST_EVENT,
    body,
    now,
    owner,
    leaseUntil,
  });
  const claimed = {
    id,
    endpointId: endpoint.id,
    workspaceId: endpoint.workspaceId,
    body,
    attempts: 0,
    createdAt: now,
    leaseUntil,
  };
  return { deliveryId: id, ...(await tryDelivery(rt, box, claimed, endpoint, { owner })) };
}
