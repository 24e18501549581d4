import { createServer, type Server } from 'node:http';
import { engineMetrics } from '../engine/engine-metrics.js';
import { METRICS_UNAUTHORIZED, metricsAllowed, processMetrics } from '../http/metrics.js';
import type { Runtime } from '../runtime.js';
import { webhookMetrics } from '../webhooks/webhook-metrics.js';

// `outdial worker` has no API port, yet its engines are what dial: this small listener gives
// Prometheus their metrics (and a liveness probe) on OUTDIAL_METRICS_PORT. Plain node:http keeps
// a worker free of the API's routes and hooks.

export async function startMetricsServer(rt: Runtime, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Not Found', message: 'Only GET /metrics and /healthz' }));
      return;
    }
    if (!metricsAllowed(rt.config.metricsToken, req.headers.authorization)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(METRICS_UNAUTHORIZED));
      return;
    }
    const registry = engineMetrics(rt).registry;
    Promise.all([
      registry.metrics(),
      webhookMetrics(rt).registry.metrics(),
      processMetrics().metrics(),
    ])
      .then(([engine, webhooks, proc]) => {
        res.writeHead(200, { 'content-type': registry.contentType }).end(engine + webhooks + proc);
      })
      .catch((err) => {
        rt.log.warn({ err }, 'metrics: could not render');
        res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, rt.config.host, () => resolve());
  });
  return server;
}
