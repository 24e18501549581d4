// Baseline of the dispatch figures: graphile-worker 0.17 running no-op jobs on the same
// PostgreSQL server, in a database of its own (its schema never meets ours), configured as its
// performance docs advise: a local queue fetching jobs in batches, completions batched.
import path from 'node:path';
import { Logger, makeWorkerUtils, runMigrations } from 'graphile-worker';
import pg from 'pg';
import { ROOT } from './child-process.js';
import { BENCH_APP, noteActivity, sampleActivity } from './db-activity.js';
import { note } from './figures.js';
import { createRunDatabase } from './postgres.js';
import { cpuMeter, formatCpu } from './proc-cpu.js';
import { startNodeWorker } from './worker-process.js';

const SCHEMA = 'graphile_worker';
// Its own perf test's settings (website/docs/performance.md): 4 processes of 24 concurrent jobs,
// localQueue 500, batch delays 0. On two cores 2–4 processes do equally well and 1 does half as
// well: one pool's job fetches then spend twice the database CPU per job (measured).
export const GRAPHILE = { processes: 4, concurrency: 24, localQueue: 500 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error') process.stderr.write(`bench: graphile-worker: ${message}\n`);
});

/**
 * Adds `jobs` no-op jobs in one transaction to idle, started workers and measures from its commit
 * until the queue is empty (polled every `pollMs`). Returns { jobsPerSecond, seconds }.
 */
export async function runGraphileBaseline({ jobs, pollMs }) {
  const database = await createRunDatabase();
  const options = { connectionString: database.url, schema: SCHEMA, logger: quietLogger };
  await runMigrations(options);
  const workers = [];
  // The bench's own session (adding jobs, polling) is left out of the activity samples.
  const pgPool = new pg.Pool({
    connectionString: database.url,
    application_name: BENCH_APP,
    max: 1,
  });
  // The run's database is dropped under these sessions on Ctrl-C: not a crash.
  pgPool.on('error', () => {});
  pgPool.on('connect', (client) => client.on('error', () => {}));
  const utils = await makeWorkerUtils({ schema: SCHEMA, logger: quietLogger, pgPool });
  try {
    for (let i = 0; i < GRAPHILE.processes; i++) {
      workers.push(
        await startNodeWorker({
          label: 'graphile-worker',
          args: [path.join(ROOT, 'bench/graphile-worker-process.js')],
          env: {
            DATABASE_URL: database.url,
            GW_SCHEMA: SCHEMA,
            GW_CONCURRENCY: String(GRAPHILE.concurrency),
            GW_LOCAL_QUEUE: String(GRAPHILE.localQueue),
          },
          ready: /^ready$/,
        }),
      );
    }
    // Started and idle: their first fetch found nothing.
    await sleep(1000);
    const specs = Array.from({ length: jobs }, () => ({ identifier: 'noop', payload: {} }));
    // add_jobs is one statement (its own transaction) and NOTIFYs the workers as it commits.
    await utils.addJobs(specs);
    const started = performance.now();
    const workerCpu = cpuMeter(workers.map((w) => w.pid));
    const activity = await sampleActivity(database.url, database.name);
    const seconds = await utils.withPgClient(async (client) => {
      for (;;) {
        // Along the primary key: the dead entries of completed jobs are skipped once marked, so
        // the poll stays cheap as the table empties (a sequential scan would read them all).
        const { rows } = await client.query(
          `SELECT id FROM ${SCHEMA}._private_jobs ORDER BY id LIMIT 1`,
        );
        if (rows.length === 0) return (performance.now() - started) / 1000;
        await sleep(pollMs);
      }
    });
    const cpu = workerCpu();
    const a = await activity();
    note(
      `dispatch_baseline: ${jobs} jobs in ${seconds.toFixed(2)} s; CPU: worker ${formatCpu(cpu)}, ` +
        `PostgreSQL backends ${formatCpu(a.backendCpu)}; machine ${(100 * a.machineBusy).toFixed(0)} % busy`,
    );
    noteActivity('dispatch_baseline', a, 5);
    return { jobsPerSecond: jobs / seconds, seconds };
  } finally {
    for (const w of workers) await w.stop();
    await utils.release();
    await pgPool.end();
  }
}
