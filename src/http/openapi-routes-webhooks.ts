import type { RouteDoc } from './openapi-route-parts.js';

// The route docs of webhook endpoints and their deliveries (ext).

export const WEBHOOK_ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /webhooks': {
    tag: 'Webhooks',
    summary: 'Create a webhook endpoint; its signing secret is shown only in this answer',
    operationId: 'createWebhook',
    answers: {
      201: 'The endpoint and its secret (whsec_…)',
      400: 'An invalid field, or a URL that is not http(s) or points to a private address',
      409: 'No encryption key outside the database to seal the secret under',
    },
  },
  'GET /webhooks': {
    tag: 'Webhooks',
    summary: "List the workspace's webhook endpoints",
    operationId: 'listWebhooks',
  },
  'GET /webhooks/{}': {
    tag: 'Webhooks',
    summary: 'Get a webhook endpoint',
    operationId: 'getWebhook',
    answers: { 404: 'No such endpoint in this workspace' },
  },
  'PATCH /webhooks/{}': {
    tag: 'Webhooks',
    summary: 'Change the url, events, description or enabled flag of an endpoint',
    operationId: 'updateWebhook',
    answers: {
      200: 'The endpoint as stored',
      400: 'An invalid field or URL; nothing changed',
      404: 'No such endpoint in this workspace',
    },
  },
  'DELETE /webhooks/{}': {
    tag: 'Webhooks',
    summary: 'Delete an endpoint; its pending deliveries are dropped',
    operationId: 'deleteWebhook',
    answers: { 404: 'No such endpoint in this workspace' },
  },
  'POST /webhooks/{}/rotate-secret': {
    tag: 'Webhooks',
    summary: 'Replace the signing secret; the previous one also signs for 24 hours',
    operationId: 'rotateWebhookSecret',
    answers: {
      404: 'No such endpoint in this workspace',
      409: 'No encryption key outside the database to seal the secret under',
    },
  },
  'POST /webhooks/{}/test': {
    tag: 'Webhooks',
    summary: 'Send a webhook.test event now and say how the receiver answered',
    operationId: 'testWebhook',
    answers: {
      200: "The delivery's id and the receiver's status code, or why there was none",
      404: 'No such endpoint in this workspace',
      409: 'No encryption key outside the database to open the secret with',
    },
  },
  'GET /webhooks/{}/deliveries': {
    tag: 'Webhooks',
    summary: "An endpoint's deliveries, newest first, optionally of one status",
    operationId: 'listWebhookDeliveries',
    answers: { 404: 'No such endpoint in this workspace' },
  },
  'POST /webhooks/{}/deliveries/{}/redeliver': {
    tag: 'Webhooks',
    summary: 'Queue a delivery again, with the same webhook-id',
    operationId: 'redeliverWebhook',
    answers: {
      202: 'Queued; a delivery worker sends it shortly',
      404: 'No such endpoint in this workspace, or no such delivery to it',
    },
  },
};
