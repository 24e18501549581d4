// The dispatch baseline's worker: one graphile-worker pool running a no-op task, configured as its
// performance docs advise (local queue, batched completions and failures). Prints "ready" once
// started. Env: DATABASE_URL, GW_SCHEMA, GW_CONCURRENCY, GW_LOCAL_QUEUE.
import { Logger, run } from 'graphile-worker';

const concurrency = Number(process.env.GW_CONCURRENCY);

// Warnings and errors only: info lines per start/stop are not what is measured.
const logger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') process.stderr.write(`${level}: ${message}\n`);
});

const runner = await run({
  noHandleSignals: true,
  logger,
  taskList: { noop: async () => {} },
  preset: {
    worker: {
      connectionString: process.env.DATABASE_URL,
      schema: process.env.GW_SCHEMA,
      concurrentJobs: concurrency,
      // As their perf test: one connection more than jobs run at once.
      maxPoolSize: concurrency + 1,
      localQueue: { size: Number(process.env.GW_LOCAL_QUEUE) },
      completeJobBatchDelay: 0,
      failJobBatchDelay: 0,
    },
  },
});
process.stdout.write('ready\n');

const stop = async () => {
  await runner.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
