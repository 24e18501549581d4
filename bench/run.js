// `npm run bench [-- --quick] [-- <name>…]`: runs the benchmarks and prints one JSON line per
// figure on stdout (DESIGN §8); progress goes to stderr. Needs PostgreSQL (BENCH_DATABASE_URL,
// default postgres://postgres@127.0.0.1:5432/postgres) and a built dist/ (npm run build).
import { runBatchStatusScaling } from './batch-status-scaling.js';
import { cleanupAll, installSignalHandlers, wasInterrupted } from './cleanup.js';
import { runDispatchBench } from './dispatch.js';
import { runDispatchEmbedded } from './dispatch-embedded.js';
import { runEmbeddedMemory } from './embedded-memory.js';
import { note } from './figures.js';
import { runInFlightCapacity } from './in-flight-capacity.js';
import { runIngest } from './ingest.js';
import { runIngestMemory } from './ingest-memory.js';
import { BenchSetupError, createRunDatabase } from './postgres.js';
import { runStatusGet } from './status-get.js';
import { runStatusUnderDispatch } from './status-under-dispatch.js';

const BENCHES = [
  { name: 'ingest', figures: ['ingest', 'ingest_phone_parse'], run: runIngest },
  { name: 'ingest_memory', figures: ['ingest_memory'], run: runIngestMemory },
  {
    name: 'status_get',
    figures: ['status_get', 'status_get_p99', 'status_get_vs_bare'],
    run: runStatusGet,
  },
  {
    name: 'dispatch',
    figures: [
      'dispatch_baseline',
      'dispatch_1w',
      'dispatch_3w',
      'dispatch_memory',
      'dispatch_with_webhooks',
      'webhook_delivery',
      'webhook_delivery_vs_bare_post',
    ],
    run: runDispatchBench,
  },
  { name: 'dispatch_embedded', figures: ['dispatch_embedded'], run: runDispatchEmbedded },
  {
    name: 'in_flight_capacity',
    figures: ['in_flight_capacity', 'in_flight_memory'],
    run: runInFlightCapacity,
  },
  {
    name: 'embedded_memory',
    figures: ['embedded_memory', 'embedded_memory_first_start'],
    run: runEmbeddedMemory,
  },
  {
    name: 'status_get_under_dispatch',
    figures: ['status_get_under_dispatch', 'status_get_under_dispatch_flat_out'],
    run: runStatusUnderDispatch,
  },
  {
    name: 'batch_status_scaling',
    figures: ['batch_status_scaling', 'batch_status_scaling_p99'],
    run: runBatchStatusScaling,
  },
];

const USAGE = `usage: node bench/run.js [--quick] [name…]
  --quick   smaller sizes and shorter load runs (a few minutes)
  name      run only these benchmarks (a benchmark or figure name): ${BENCHES.map((b) => b.name).join(', ')}`;

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknown = argv.filter((a) => a.startsWith('-') && a !== '--quick');
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (unknown.length > 0) throw new BenchSetupError(`unknown option ${unknown[0]}\n${USAGE}`);
  const selected =
    names.length === 0
      ? BENCHES
      : BENCHES.filter((b) => names.some((n) => n === b.name || b.figures.includes(n)));
  const missing = names.filter((n) => !BENCHES.some((b) => n === b.name || b.figures.includes(n)));
  if (missing.length > 0)
    throw new BenchSetupError(`no benchmark named ${missing.join(', ')}\n${USAGE}`);
  return { quick, selected };
}

async function main() {
  installSignalHandlers();
  const { quick, selected } = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const database = await createRunDatabase();
  for (const b of selected) {
    note(`── ${b.name}${quick ? ' (quick)' : ''}`);
    await b.run({ quick, database });
  }
  note(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

let code = 0;
try {
  await main();
} catch (err) {
  code = wasInterrupted() ? 130 : 1;
  if (!wasInterrupted()) {
    process.stderr.write(
      err instanceof BenchSetupError
        ? `bench: ${err.message}\n`
        : `bench: failed: ${err?.stack ?? err}\n`,
    );
  }
} finally {
  await cleanupAll();
}
process.exit(code);
