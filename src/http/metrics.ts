import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CALL_STATES } from '../domain/types.js';
import { engineMetrics } from '../engine/engine-metrics.js';
import type { Runtime } from '../runtime.js';
import { readDiskSpace } from '../storage/disk-space.js';
import { activeCallsByWorkspace, liveCallCountsByWorkspace } from '../storage/metrics-repo.js';
import { webhookMetrics } from '../webhooks/webhook-metrics.js';

// Prometheus metrics. Each app has its own registry (tests build many apps in one process); the
// process metrics (CPU, memory, event loop, GC) describe the process, not an app, so they live in
// one process-wide registry created on first use and appended to every app's output.

let processRegistry: Registry | undefined;

export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'outdial_' });
  }
  return processRegistry;
}

/** Whether a scrape may read the metrics: always, unless a token is configured. */
export function metricsAllowed(token: string | undefined, authorization: string | undefined) {
  if (token === undefined) return true;
  const given = Buffer.from(authorization ?? '', 'utf8');
  const wanted = Buffer.from(`Bearer ${token}`, 'utf8');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The answer to a scrape without the configured token, on the API port and a worker's. */
export const METRICS_UNAUTHORIZED = {
  error: 'Unauthorized',
  message: 'GET /metrics needs its bearer token',
} as const;

/** Label for requests that matched no route: never the raw URL, whose ids would explode series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Adds the request duration histogram and `GET /metrics` to `app`. Call it on the root instance
 * (not through `register`, which would scope the hook) before the routes are registered.
 */
export function installMetrics(app: FastifyInstance, rt: Runtime): void {
  const registry = new Registry();
  const duration = new Histogram({
    name: 'outdial_http_request_duration_seconds',
    help: 'HTTP request duration, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const calls = new Gauge({
    name: 'outdial_calls',
    help: 'Calls of queued and processing batches, by workspace and state (progress counters)',
    labelNames: ['workspace_id', 'state'] as const,
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'outdial_queue_depth',
    help: 'Waiting calls (due now or scheduled, retries included), by workspace',
    labelNames: ['workspace_id'] as const,
    registers: [registry],
  });
  const active = new Gauge({
    name: 'outdial_active_calls',
    help: 'Calls being dialed right now, by workspace (exact count)',
    labelNames: ['workspace_id'] as const,
    registers: [registry],
  });
  const databaseUp = new Gauge({
    name: 'outdial_database_up',
    help: '1 when the last scrape could read the database, else 0',
    registers: [registry],
  });

  const diskFree = new Gauge({
    name: 'outdial_data_dir_free_bytes',
    help: "Free bytes on the disk of the embedded database's data directory (absent on PostgreSQL)",
    labelNames: ['path'] as const,
    registers: [registry],
  });
  const diskMinFree = new Gauge({
    name: 'outdial_data_dir_min_free_bytes',
    help: 'Bytes kept free on that disk: uploads that would leave less are refused (507)',
    labelNames: ['path'] as const,
    registers: [registry],
  });
  const readDisk = async () => {
    // Labelled, so that without a local disk (PostgreSQL, memory://) there is no series at all
    // rather than a 0 an alert would read as a full disk.
    diskFree.reset();
    diskMinFree.reset();
    const space = await readDiskSpace(rt.config).catch((err) => {
      rt.log.warn({ err }, 'metrics: data directory disk unreadable');
      return undefined;
    });
    if (space === undefined) return;
    diskFree.set({ path: space.path }, space.freeBytes);
    diskMinFree.set({ path: space.path }, space.minFreeBytes);
  };

  // Read at scrape time, so the numbers are as fresh as the scrape and cost nothing in between.
  const readDatabase = async () => {
    calls.reset();
    queueDepth.reset();
    active.reset();
    try {
      const [live, running] = await Promise.all([
        liveCallCountsByWorkspace(rt.db),
        activeCallsByWorkspace(rt.db),
      ]);
      for (const row of live) {
        for (const state of CALL_STATES) {
          calls.set({ workspace_id: row.workspaceId, state }, row[state]);
        }
        queueDepth.set({ workspace_id: row.workspaceId }, row.waiting);
      }
      for (const row of running) active.set({ workspace_id: row.workspaceId }, row.active);
      databaseUp.set(1);
    } catch (err) {
      // The HTTP and process metrics are still worth serving while the database is away.
      rt.log.warn({ err }, 'metrics: database unreadable');
      databaseUp.set(0);
    }
  };

  app.addHook('onResponse', async (req, reply) => {
    duration.observe(
      {
        method: req.method,
        route: req.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', { schema: { produces: ['text/plain'] } }, async (req, reply) => {
    if (!metricsAllowed(rt.config.metricsToken, req.headers.authorization)) {
      return reply.code(401).send(METRICS_UNAUTHORIZED);
    }
    await Promise.all([readDatabase(), readDisk()]);
    const text =
      (await registry.metrics()) +
      (await engineMetrics(rt).registry.metrics()) +
      (await webhookMetrics(rt).registry.metrics()) +
      (await processMetrics().metrics());
    return reply.type(registry.contentType).send(text);
  });
}
