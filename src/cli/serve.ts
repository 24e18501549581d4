import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config.js';
import { newId } from '../domain/ids.js';
import { type Engine, startEngine } from '../engine/engine.js';
import { telephonyProviders } from '../http/telephony-providers.js';
import { resolveKeySecret } from '../security/key-secret.js';
import { DatabaseFailedError } from '../storage/db.js';
import { watchDiskSpace } from '../storage/disk-space.js';
import { startDeliveryWorker } from '../webhooks/delivery-worker.js';
import { type AdminSocket, serveAdminSocket } from './admin-socket-server.js';
import { bootstrap, firstRunBanner } from './bootstrap.js';
import {
  DATABASE_FAILED_EXIT_CODE,
  exitOnDatabaseFailure,
  logDatabaseFailure,
} from './database-failure.js';
import { applyHeapGrowth } from './heap-growth.js';
import { ensurePortFree, listenFailure, type PortSetting } from './listen-failure.js';
import { startMetricsServer } from './metrics-server.js';
import {
  createOutput,
  createProcessRuntime,
  describeDatabase,
  type ProcessRuntime,
} from './process-runtime.js';
import { onShutdownSignal } from './shutdown.js';

export interface ServeOptions {
  workers: number;
  api: boolean;
}

interface Listeners {
  app: FastifyInstance | undefined;
  metricsServer: Server | undefined;
  adminSocket: AdminSocket | undefined;
}

const portOf = (s: Server) => {
  const a = s.address();
  return typeof a === 'object' && a ? a.port : undefined;
};

/** The port this process listens on for HTTP: the API's, or a worker's metrics port. */
function portSetting(opts: ServeOptions, host: string, api: number, metrics?: number) {
  const setting = (port: number, variable: PortSetting['variable'], command: string) =>
    ({ host, port, variable, command }) satisfies PortSetting;
  if (opts.api) return setting(api, 'PORT', 'npm start');
  return metrics === undefined
    ? undefined
    : setting(metrics, 'OUTDIAL_METRICS_PORT', 'npx outdial worker');
}

/** Opens every listener of the process, or none: on failure, those already open are closed. */
async function listen(rt: ProcessRuntime, opts: ServeOptions, port?: PortSetting) {
  const { config, db, log } = rt;
  const l: Listeners = { app: undefined, metricsServer: undefined, adminSocket: undefined };
  try {
    if (config.database.kind === 'pglite-dir') {
      const ctx = { db, secrets: config, now: () => rt.clock.now() };
      l.adminSocket = await serveAdminSocket(ctx, config.database.dataDir, log);
    }
    if (opts.api) {
      // Loaded only here: a worker-only process never holds Fastify, the routes and the API
      // description in memory.
      const { buildApp } = await import('../http/app.js');
      l.app = await buildApp(rt);
      await l.app.listen({ host: config.host, port: config.port });
    } else if (config.metricsPort !== undefined) {
      // The API port already serves /metrics; a worker-only process needs a port of its own.
      l.metricsServer = await startMetricsServer(rt, config.metricsPort);
    }
    return l;
  } catch (err) {
    await l.app?.close();
    await l.adminSocket?.close();
    throw (port && listenFailure(err, port)) ?? err;
  }
}

/** `outdial serve` (API and workers) and `outdial worker` (workers only). */
export async function runServer(opts: ServeOptions): Promise<void> {
  const config = loadConfig();
  applyHeapGrowth(config.heapGrowthPercent);
  const { log, print } = createOutput(config);
  const port = portSetting(opts, config.host, config.port, config.metricsPort);
  // A taken port stops the start before anything is opened or created.
  if (port) await ensurePortFree(port);
  const rt = await createProcessRuntime(config, log).catch(async (err: unknown) => {
    // The embedded database failed while it opened (recovery on a full disk): said and exited
    // as a failure at run time is, so that a service manager tries again.
    if (!(err instanceof DatabaseFailedError)) throw err;
    await logDatabaseFailure(err.failure, config, log);
    process.exit(DATABASE_FAILED_EXIT_CODE);
  });
  // From here on a failed database ends the process (database-failure.ts); until the server
  // runs, there is nothing to stop but the database.
  let stopAfterFailure = () => rt.db.close();
  void rt.db
    .whenFailed?.()
    .then((failure) => exitOnDatabaseFailure(failure, config, log, () => stopAfterFailure()));
  try {
    stopAfterFailure = await start(rt, opts, port, print);
  } catch (err) {
    // The failure's own path logs it and exits; the start only has to wait for that.
    if (err instanceof DatabaseFailedError) return new Promise<void>(() => {});
    throw err;
  }
}

/**
 * Listens, bootstraps and starts the engines. Returns the stop after a failed database; the
 * stop on a signal is installed here.
 */
async function start(
  rt: ProcessRuntime,
  opts: ServeOptions,
  port: PortSetting | undefined,
  print: (text: string) => void,
): Promise<() => Promise<void>> {
  const { config, log } = rt;
  // OUTDIAL_BOOTSTRAP_* credentials are the caller's already: they exist before /readyz says so.
  const scripted = config.bootstrap.workspaceId !== undefined;
  let l: Listeners;
  try {
    // A wrong OUTDIAL_KEY_SECRET stops the process here, before it listens.
    if (opts.api) await resolveKeySecret(rt.db, config);
    if (opts.api && scripted) await bootstrap(rt.db, config, rt.clock.now());
    l = await listen(rt, opts, port);
  } catch (err) {
    await rt.db.close();
    throw err;
  }
  // Only once the port is bound: the first start's key is shown once, by a server that serves.
  const firstRun =
    opts.api && !scripted ? await bootstrap(rt.db, config, rt.clock.now()) : undefined;

  const engines: Engine[] = [];
  for (let i = 0; i < opts.workers; i++) {
    engines.push(
      await startEngine(rt, {
        workerId: newId('key', rt.clock.now()).replace('key_', 'wrk_'),
        providers: telephonyProviders(rt),
      }),
    );
  }
  // Webhooks go out wherever calls are dispatched, on a loop of their own.
  const webhooks =
    opts.workers > 0
      ? startDeliveryWorker(rt, { owner: newId('key', rt.clock.now()).replace('key_', 'whw_') })
      : undefined;

  const { app, metricsServer, adminSocket } = l;
  const apiPort = app ? portOf(app.server) : undefined;
  const baseUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${apiPort}`;
  log.info(
    {
      url: app ? baseUrl : undefined,
      metricsPort: metricsServer ? portOf(metricsServer) : undefined,
      adminSocket: adminSocket?.file,
      workers: opts.workers,
      database: describeDatabase(config),
    },
    app ? `Outdial listening on ${baseUrl}` : 'Outdial worker running',
  );
  // After the log lines of the start, so it is the last thing on the screen.
  if (firstRun) print(`${firstRunBanner(firstRun, baseUrl)}\n`);

  const unwatchDisk = watchDiskSpace(config, log);
  let closing: Promise<void> | undefined;
  const closeListeners = () => {
    closing ??= (async () => {
      unwatchDisk();
      await app?.close();
      metricsServer?.close();
      await adminSocket?.close();
    })();
    return closing;
  };
  onShutdownSignal(
    log,
    async () => {
      // Stop taking requests first, then let the calls in progress end, then close the database.
      await closeListeners();
      await Promise.all([...engines.map((e) => e.stop(config.shutdownGraceMs)), webhooks?.stop()]);
      await rt.db.close();
    },
    {
      activeCalls: () => engines.reduce((n, e) => n + e.activeCalls(), 0),
      graceMs: config.shutdownGraceMs,
    },
  );
  // After a failure the engines are not stopped: nothing of their calls can be recorded any
  // more, and the calls in progress are left as a crash leaves them, to the next start. The API
  // stops accepting connections but is not closed: while a closing app drains, the framework
  // answers with a 503 body of its own, and every answer until the exit must be the documented
  // "Database unavailable" that the routes give at once.
  return async () => {
    unwatchDisk();
    app?.server.close();
    app?.server.closeIdleConnections();
    metricsServer?.close();
    await adminSocket?.close();
    await rt.db.close();
  };
}
