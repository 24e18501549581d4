// Figures `in_flight_capacity` and `in_flight_memory`: how many calls in progress one `outdial
// worker` process holds at once, and what they cost it in memory. The calls are the simulator's
// long ones (the reserved 0900–0999 range: about ten minutes each, at real speed), offered all at
// once to a workspace whose limits never bind, so nothing but the worker could stop them starting.
// The count of `in_call` attempts is read from the database until it stops growing, then held
// for a while: `in_flight_capacity` is the lowest count over that hold (baseline: the calls
// offered), `in_flight_memory` the worker's peak RSS (baseline: its idle RSS).
import { WAKE_CHANNEL } from '../dist/engine/wake.js';
import { openDatabase } from '../dist/storage/open-database.js';
import {
  benchSessionUrl,
  commitBatch,
  createDispatchWorkspace,
  dropBatch,
} from './dispatch-setup.js';
import { emitFigure, note } from './figures.js';
import { resetPeakRss, sampleRss, statusMb } from './proc-memory.js';
import { startNodeWorker } from './worker-process.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A reserved number of the simulator's ten-minute calls. */
const longCall = (k) => `+1500555${String(900 + (k % 100)).padStart(4, '0')}`;

async function inCall(db, batchId) {
  const [r] = await db.query(
    "SELECT count(*)::int AS n FROM call_attempts WHERE batch_id = $1 AND state = 'in_call'",
    [batchId],
  );
  return r.n;
}

export async function runInFlightCapacity({ quick, database }) {
  const offered = quick ? 5_000 : 12_000;
  const holdMs = quick ? 5_000 : 20_000;
  const db = await openDatabase(
    { kind: 'postgres', url: benchSessionUrl(database.url) },
    { poolSize: 2 },
  );
  let batchId;
  const worker = await startNodeWorker({
    label: 'outdial worker',
    args: ['bin/outdial.js', 'worker'],
    env: {
      DATABASE_URL: database.url,
      OUTDIAL_SIM_SPEED: '1',
      OUTDIAL_MAX_ATTEMPTS: '1',
      // The ready line is an info line.
      LOG_LEVEL: 'info',
    },
    ready: /Outdial worker running/,
  });
  try {
    const workspace = await createDispatchWorkspace(db);
    await sleep(1000);
    const idle = statusMb(worker.pid, 'VmRSS');
    resetPeakRss(worker.pid);
    const stopRss = sampleRss(worker.pid, 50);
    batchId = await commitBatch(db, workspace, offered, Date.now(), longCall);
    const started = performance.now();
    await db.notify(WAKE_CHANNEL);

    // Until the count stops growing (or reaches what was offered).
    let last = -1;
    let n = 0;
    let steady = 0;
    for (;;) {
      await sleep(500);
      n = await inCall(db, batchId);
      if (n === offered || (n === last && ++steady >= 4)) break;
      if (n !== last) steady = 0;
      last = n;
      if (performance.now() - started > 5 * 60_000) break;
    }
    const rampSeconds = (performance.now() - started) / 1000;
    let low = n;
    const holdUntil = performance.now() + holdMs;
    while (performance.now() < holdUntil) {
      await sleep(500);
      low = Math.min(low, await inCall(db, batchId));
    }
    const peak = Math.max(statusMb(worker.pid, 'VmHWM'), stopRss());
    const now = statusMb(worker.pid, 'VmRSS');
    if (worker.exited()) throw new Error(`the worker exited during the run:\n${worker.output()}`);
    note(
      `in_flight_capacity: ${n} of ${offered} calls in progress ${rampSeconds.toFixed(1)} s after ` +
        `the commit, at least ${low} over the next ${holdMs / 1000} s; worker RSS idle ` +
        `${idle.toFixed(1)} MB, ${now.toFixed(1)} MB holding them, peak ${peak.toFixed(1)} MB`,
    );
    emitFigure({ bench: 'in_flight_capacity', value: low, unit: 'calls', baseline: offered });
    emitFigure({ bench: 'in_flight_memory', value: peak, unit: 'MB', baseline: idle });
  } finally {
    await worker.stop(2_000);
    if (batchId) await dropBatch(db, batchId);
    await db.close();
  }
}
