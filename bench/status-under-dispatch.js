// Figure `status_get_under_dispatch`: `status_get`'s load (one call's status, §5, requests rotating
// over the 10,000 jobs of one batch) with 200 keep-alive connections while 3 `outdial worker`
// processes dispatch another workspace's batch on the same database at a steady 1,000 calls/s (its
// `callsPerSecond`; ten times a large contact centre), against the same load on the same server
// with nothing dispatching, measured just before and just after. Then, for the record,
// `status_get_under_dispatch_flat_out`: the same with the dispatch unpaced, as fast as it goes.
import { openDatabase } from '../dist/storage/open-database.js';
import { runDispatch } from './dispatch-run.js';
import { benchSessionUrl, createDispatchWorkspace, UNLIMITED } from './dispatch-setup.js';
import { emitFigure, note } from './figures.js';
import { interleavedLoad, loadUntil } from './load.js';
import { startStatusTarget } from './status-get.js';

const CONNECTIONS = 200;
const WORKERS = 3;
const POLL_MS = 10;
const STEADY_RATE = 1_000;

/** One idle measurement: warm-up, then `seconds` of load. Returns requests and seconds. */
async function idleLoad(target, { seconds, warmupSeconds }) {
  const { idle } = await interleavedLoad(
    { idle: target },
    { connections: CONNECTIONS, seconds, rounds: 1, warmupSeconds },
  );
  return { total: idle.total, seconds: idle.total / idle.rps, p99: idle.p99 };
}

/** One figure: idle, the load during a dispatch paced at `rate` calls/s, idle again. */
async function underDispatch({
  db,
  database,
  target,
  figure,
  rate,
  calls,
  idleSeconds,
  warmupSeconds,
}) {
  note(
    `${figure}: ${CONNECTIONS} connections; idle ${idleSeconds} s before and after ${WORKERS} ` +
      `workers dispatch ${calls} calls${rate === UNLIMITED ? ', unpaced' : ` at ${rate} calls/s`}`,
  );
  const before = await idleLoad(target, { seconds: idleSeconds, warmupSeconds });
  const run = await runDispatch({
    db,
    url: database.url,
    name: database.name,
    workspace: await createDispatchWorkspace(db, Date.now(), rate),
    label: figure,
    workers: WORKERS,
    calls,
    pollMs: POLL_MS,
    alongside: (settled) => loadUntil(target, { connections: CONNECTIONS, until: settled }),
  });
  const after = await idleLoad(target, { seconds: idleSeconds, warmupSeconds });
  const busy = run.alongside;
  const idleRps = (before.total + after.total) / (before.seconds + after.seconds);
  note(
    `${figure}: idle ${Math.round(before.total / before.seconds)} req/s before, ` +
      `${Math.round(after.total / after.seconds)} after (p99 ${before.p99.toFixed(1)} / ` +
      `${after.p99.toFixed(1)} ms); during the dispatch ${Math.round(busy.rps)} req/s ` +
      `(p50 ${busy.p50.toFixed(1)} ms, p99 ${busy.p99.toFixed(1)} ms, ${busy.total} requests in ` +
      `${busy.seconds.toFixed(1)} s); dispatch ${Math.round(run.callsPerSecond)} calls/s under load`,
  );
  emitFigure({ bench: figure, value: busy.rps, unit: 'req/s', baseline: idleRps });
}

export async function runStatusUnderDispatch({ quick, database }) {
  const idleSeconds = quick ? 3 : 10;
  const warmupSeconds = quick ? 1 : 2;
  const { outdial, batchId, target } = await startStatusTarget(database);
  const db = await openDatabase(
    { kind: 'postgres', url: benchSessionUrl(database.url) },
    { poolSize: 2 },
  );
  try {
    note(`status_get_under_dispatch: status of the jobs of batch ${batchId}`);
    const common = { db, database, target, idleSeconds, warmupSeconds };
    await underDispatch({
      ...common,
      figure: 'status_get_under_dispatch',
      rate: STEADY_RATE,
      // 30 s of steady dispatch (10 s with --quick).
      calls: (quick ? 10 : 30) * STEADY_RATE,
    });
    await underDispatch({
      ...common,
      figure: 'status_get_under_dispatch_flat_out',
      rate: UNLIMITED,
      calls: quick ? 20_000 : 50_000,
    });
  } finally {
    await db.close();
    await outdial.stop();
  }
}
