// What the webhook figures need: a local receiver that answers 204 at once (and counts), and an
// endpoint of the dispatch workspace subscribed to every event, its secret sealed under the
// run's deployment secret as the API would seal it.
import http from 'node:http';
import { newId } from '../dist/domain/ids.js';
import { newWebhookSecret } from '../dist/domain/webhook-signature.js';
import { SecretBox } from '../dist/security/secret-box.js';
import { insertWebhookEndpoint } from '../dist/storage/webhook-endpoints-repo.js';
import { sealEndpointSecret } from '../dist/webhooks/endpoint-secret.js';
import { BENCH_KEY_SECRET } from './child-process.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startReceiver() {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    received: () => received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function addEndpoint(db, workspaceId, url, now = Date.now()) {
  const id = newId('wh', now);
  const box = new SecretBox(Buffer.from(BENCH_KEY_SECRET, 'utf8'));
  await insertWebhookEndpoint(db, {
    id,
    workspaceId,
    url,
    events: ['*'],
    secretSealed: sealEndpointSecret(box, id, newWebhookSecret()),
    now,
  });
  return id;
}

export async function removeEndpoint(db, id) {
  await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [id]);
}

/**
 * Waits until no delivery of the endpoint is pending (the oldest pending along the due index:
 * cheap enough to poll while the queue empties, where a filter on the endpoint would read every
 * delivery it ever had); returns how many were delivered and the seconds since `started`
 * (performance.now()). The endpoint must be the only one with deliveries pending.
 */
export async function untilDelivered(db, endpointId, started, pollMs, timeoutMs = 30 * 60_000) {
  for (;;) {
    const pending = await db.query(
      `SELECT endpoint_id FROM webhook_deliveries WHERE delivery_status = 'pending'
        ORDER BY next_attempt_at LIMIT 1`,
    );
    if (pending.length > 0 && pending[0].endpoint_id !== endpointId) {
      throw new Error(`a delivery of another endpoint is pending: ${pending[0].endpoint_id}`);
    }
    if (pending.length === 0) {
      const seconds = (performance.now() - started) / 1000;
      const [r] = await db.query(
        `SELECT count(*)::int AS delivered FROM webhook_deliveries
          WHERE endpoint_id = $1 AND delivery_status = 'delivered'`,
        [endpointId],
      );
      return { delivered: r.delivered, seconds };
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(`webhooks not delivered after ${timeoutMs} ms`);
    }
    await sleep(pollMs);
  }
}
