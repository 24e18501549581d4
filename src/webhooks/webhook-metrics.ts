import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Runtime } from '../runtime.js';
import { pendingDeliveriesByEndpoint } from '../storage/webhook-deliveries-repo.js';

// What the webhook delivery workers of one process measure, exported by its /metrics beside the
// engine's. One set per runtime, like the engine's (tests run many runtimes in one process).

export interface WebhookMetrics {
  registry: Registry;
  /** Tries by result: delivered, retry (failed, tried again later), failed (given up). */
  deliveries: Counter<'result'>;
  /** Seconds from the POST to the answer (or the error), wall time. */
  latency: Histogram<'result'>;
}

const perRuntime = new WeakMap<Runtime, WebhookMetrics>();

export function webhookMetrics(rt: Runtime): WebhookMetrics {
  let m = perRuntime.get(rt);
  if (!m) {
    m = create(rt);
    perRuntime.set(rt, m);
  }
  return m;
}

function create(rt: Runtime): WebhookMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'outdial_webhook_queue_depth',
    help: 'Webhook deliveries pending (due or waiting for a retry), by endpoint',
    labelNames: ['endpoint'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const r of await pendingDeliveriesByEndpoint(rt.db)) {
          this.set({ endpoint: r.endpointId }, r.n);
        }
      } catch {
        // A scrape while the database is away shows no queue rather than failing /metrics.
      }
    },
  });
  return {
    registry,
    deliveries: new Counter({
      name: 'outdial_webhook_deliveries_total',
      help: 'Webhook delivery tries by result: delivered, retry (tried again later), failed (given up)',
      labelNames: ['result'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'outdial_webhook_delivery_seconds',
      help: 'Time from sending a webhook to its answer or error',
      labelNames: ['result'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
