import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Clock } from './domain/clock.js';
import type { Db } from './storage/db.js';

/** What every part of a running process shares. Built once by the CLI (or by a test). */
export interface Runtime {
  config: Config;
  db: Db;
  clock: Clock;
  log: Logger;
  /** Tells dispatchers (in this process and, on PostgreSQL, in others) that work may be due. */
  wake(): void;
}
