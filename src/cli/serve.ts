import type { Server } from 'node:http';
import { loadConfig } from '../config.js';
import { newId } from '../domain/ids.js';
import { type Engine, startEngine } from '../engine/engine.js';
import { buildApp } from '../http/app.js';
import { bootstrap, firstRunBanner } from './bootstrap.js';
import { startMetricsServer } from './metrics-server.js';
import { createLogger, createProcessRuntime, describeDatabase } from './process-runtime.js';
import { onShutdownSignal } from './shutdown.js';

export interface ServeOptions {
  workers: number;
  api: boolean;
}

const metricsPortOf = (s: Server) => {
  const a = s.address();
  return typeof a === 'object' && a ? a.port : undefined;
};

/** `outdial serve` (API and workers) and `outdial worker` (workers only). */
export async function runServer(opts: ServeOptions): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config);
  const rt = await createProcessRuntime(config, log);
  const firstRun = opts.api ? await bootstrap(rt.db, config, rt.clock.now()) : undefined;

  const engines: Engine[] = [];
  for (let i = 0; i < opts.workers; i++) {
    engines.push(
      await startEngine(rt, { workerId: newId('key', rt.clock.now()).replace('key_', 'wrk_') }),
    );
  }
  const app = opts.api ? await buildApp(rt) : undefined;
  if (app) await app.listen({ host: config.host, port: config.port });
  // The API port already serves /metrics; a worker-only process needs a port of its own.
  const metricsServer =
    !app && config.metricsPort !== undefined
      ? await startMetricsServer(rt, config.metricsPort)
      : undefined;

  const address = app?.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const baseUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  if (firstRun) process.stdout.write(`${firstRunBanner(firstRun, baseUrl)}\n`);
  log.info(
    {
      url: app ? baseUrl : undefined,
      metricsPort: metricsServer ? metricsPortOf(metricsServer) : undefined,
      workers: opts.workers,
      database: describeDatabase(config),
    },
    app ? `Outdial listening on ${baseUrl}` : 'Outdial worker running',
  );

  onShutdownSignal(log, async () => {
    // Stop taking requests first, then let the calls in progress end, then close the database.
    await app?.close();
    metricsServer?.close();
    await Promise.all(engines.map((e) => e.stop(config.shutdownGraceMs)));
    await rt.db.close();
  });
}
