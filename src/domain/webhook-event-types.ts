// §20: the events an endpoint may subscribe to. `batch.paused` and `batch.resumed` are emitted
// once batches can be paused; `webhook.test` goes only to the endpoint a test was asked for.
export const WEBHOOK_EVENT_TYPES = [
  'batch.started',
  'batch.paused',
  'batch.resumed',
  'batch.completed',
  'batch.cancelled',
  'call.attempt_ended',
  'call.completed',
  'call.failed',
  'call.cancelled',
  'call.result_updated',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** Whether an endpoint subscribed to `events` receives `type`. */
export const subscribes = (events: readonly string[], type: string): boolean =>
  events.includes('*') || events.includes(type);

/**
 * The body of every event (§20), as the exact text that is signed and sent, of data already
 * written as JSON: the text `JSON.stringify({ type, timestamp, data })` gives.
 */
export const webhookBodyOfJson = (type: string, at: number, dataJson: string): string =>
  `{"type":${JSON.stringify(type)},"timestamp":"${new Date(at).toISOString()}","data":${dataJson}}`;

/** The body of every event (§20), as the exact text that is signed and sent. */
export const webhookBody = (type: string, at: number, data: object): string =>
  webhookBodyOfJson(type, at, JSON.stringify(data));

/**
 * A JSON object's text with one more field last (none when `value` is undefined): the text
 * `JSON.stringify` gives for the object with that field added.
 */
export function withField(objectJson: string, name: string, value: unknown): string {
  if (value === undefined) return objectJson;
  const field = `${JSON.stringify(name)}:${JSON.stringify(value)}`;
  return objectJson === '{}' ? `{${field}}` : `${objectJson.slice(0, -1)},${field}}`;
}
