import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { systemClock } from '../domain/clock.js';
import { createWakeSignal } from '../engine/wake.js';
import type { Runtime } from '../runtime.js';
import { openDatabase } from '../storage/open-database.js';
import { prettyDestination } from './log-format.js';

/** Whether log lines are for a person: `pretty`, or `auto` with stdout on a terminal. */
export const prettyLogs = (config: Config): boolean =>
  config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);

/** The process's stdout as pino writes it: its log lines, and the plain text printed between them. */
export interface Output {
  log: Logger;
  /** Writes text in order with the log lines (both go through one buffered stream). */
  print(text: string): void;
}

export function createOutput(config: Config): Output {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    // Credentials must never reach the logs, whatever logs a request: request lines name no
    // headers today, and these paths keep it so if that changes.
    redact: {
      paths: [
        'req.headers["x-api-key"]',
        'req.headers.authorization',
        'headers["x-api-key"]',
        'headers.authorization',
        'apiKey',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
  };
  const stdout = pino.destination({ dest: 1, sync: false });
  // Formatted after pino has redacted and serialised each record: the same lines, readable.
  const log = pino(options, prettyLogs(config) ? prettyDestination(stdout) : stdout);
  return { log, print: (text) => stdout.write(text) };
}

export interface ProcessRuntime extends Runtime {
  subscribeWake(fn: () => void): Promise<() => Promise<void>>;
}

/** Opens and migrates the configured database and assembles the runtime of one process. */
export async function createProcessRuntime(config: Config, log: Logger): Promise<ProcessRuntime> {
  const db = await openDatabase(config.database, {
    onError: (err) => log.warn({ err: err.message }, 'database connection error'),
    onRestore: () => log.info('database connection restored'),
  });
  const signal = createWakeSignal(db, log);
  return {
    config,
    db,
    clock: systemClock,
    log,
    wake: () => signal.wake(),
    subscribeWake: (fn) => signal.subscribe(fn),
  };
}

export function describeDatabase(config: Config): string {
  const d = config.database;
  if (d.kind === 'postgres') return `PostgreSQL at ${new URL(d.url).host}`;
  if (d.kind === 'pglite-memory')
    return 'embedded PostgreSQL in memory (data is thrown away on exit)';
  return `embedded PostgreSQL in ${d.dataDir}`;
}
