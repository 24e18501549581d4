import { type Static, Type } from 'typebox';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhook-event-types.js';
import { Pagination } from './pagination.js';

// §20. Secrets appear only in the answers of create and rotate-secret.

const EventName = Type.Union(
  [...WEBHOOK_EVENT_TYPES.map((t) => Type.Literal(t)), Type.Literal('*')],
  { description: 'an event type, or * for every one' },
);
const Events = Type.Array(EventName, { minItems: 1, maxItems: 20, uniqueItems: true });
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'http:// or https://' });
const Description = Type.String({ maxLength: 500 });

export const WebhookParams = Type.Object({ webhookId: Type.String() });
export const DeliveryParams = Type.Object({
  webhookId: Type.String(),
  deliveryId: Type.String(),
});

export const WebhookCreateBody = Type.Object({
  url: Url,
  events: Events,
  description: Type.Optional(Description),
});
export type WebhookCreateBody = Static<typeof WebhookCreateBody>;

export const WebhookUpdateBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1 },
);
export type WebhookUpdateBody = Static<typeof WebhookUpdateBody>;

export const WebhookBody = Type.Object({
  id: Type.String({ description: 'wh_…' }),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.Optional(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: Type.Optional(
    Type.String({ description: 'ext: why Outdial disabled it (410 Gone, 5 days failing)' }),
  ),
  createdAt: Type.Integer({ description: 'epoch ms' }),
});
export type WebhookBody = Static<typeof WebhookBody>;

export const WebhookCreatedBody = Type.Intersect([
  WebhookBody,
  Type.Object({ secret: Type.String({ description: 'whsec_…, shown only here' }) }),
]);

export const WebhookListBody = Type.Object({ webhooks: Type.Array(WebhookBody) });

export const WebhookDeletedBody = Type.Object({ id: Type.String(), deleted: Type.Literal(true) });

export const WebhookSecretBody = Type.Object({
  secret: Type.String({ description: 'the new whsec_…; the previous one also signs for 24 h' }),
});

export const WebhookTestBody = Type.Object({
  deliveryId: Type.String({ description: 'msg_…, the webhook-id sent' }),
  statusCode: Type.Optional(Type.Integer({ description: "the receiver's answer" })),
  error: Type.Optional(Type.String({ description: 'why there was no 2xx answer' })),
});

export const DeliveryStatusName = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('failed'),
]);

export const DeliveriesQuery = Type.Object({
  page: Type.Integer({ minimum: 1, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  status: Type.Optional(DeliveryStatusName),
});

export const DeliveryBody = Type.Object({
  id: Type.String({ description: 'msg_…, the webhook-id header' }),
  eventType: Type.String(),
  status: DeliveryStatusName,
  attempts: Type.Integer({ description: 'tries since it was last queued' }),
  lastStatusCode: Type.Optional(Type.Integer()),
  lastError: Type.Optional(Type.String()),
  nextAttemptAt: Type.Optional(Type.Integer({ description: 'epoch ms; pending only' })),
  createdAt: Type.Integer({ description: 'epoch ms' }),
  deliveredAt: Type.Optional(Type.Integer({ description: 'epoch ms' })),
});
export type DeliveryBody = Static<typeof DeliveryBody>;

export const DeliveryListBody = Type.Object({
  deliveries: Type.Array(DeliveryBody),
  pagination: Pagination('deliveries of this endpoint (of the status asked for)'),
});

export const RedeliverBody = Type.Object({
  deliveryId: Type.String({ description: 'the same msg_… id, so the same webhook-id' }),
  status: Type.Literal('pending'),
});

export const WebhookNotFoundBody = Type.Object(
  { error: Type.Literal('Webhook not found'), message: Type.String() },
  { additionalProperties: true },
);
export const DeliveryNotFoundBody = Type.Object(
  { error: Type.Literal('Delivery not found'), message: Type.String() },
  { additionalProperties: true },
);
