import type { WebhookDelivery } from '../../storage/webhook-deliveries-repo.js';
import type { WebhookEndpoint } from '../../storage/webhook-endpoints-repo.js';
import type { DeliveryBody, WebhookBody } from '../schemas/webhooks.js';

/** An endpoint as §20 shows it: never its secret. */
export const presentWebhook = (e: WebhookEndpoint): WebhookBody => ({
  id: e.id,
  url: e.url,
  events: e.events,
  ...(e.description === undefined ? {} : { description: e.description }),
  enabled: e.enabled,
  ...(e.disabledReason === undefined ? {} : { disabledReason: e.disabledReason }),
  createdAt: e.createdAt,
});

export const presentDelivery = (d: WebhookDelivery): DeliveryBody => ({
  id: d.id,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  ...(d.lastStatusCode === undefined ? {} : { lastStatusCode: d.lastStatusCode }),
  ...(d.lastError === undefined ? {} : { lastError: d.lastError }),
  ...(d.nextAttemptAt === undefined ? {} : { nextAttemptAt: d.nextAttemptAt }),
  createdAt: d.createdAt,
  ...(d.deliveredAt === undefined ? {} : { deliveredAt: d.deliveredAt }),
});
