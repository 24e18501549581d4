// One dispatch measurement on PostgreSQL: `outdial worker` processes started and idle, then a
// batch committed in one transaction and the workers woken as the API wakes them (NOTIFY on the
// engine's channel); timed from the commit until every call is terminal.
import { WAKE_CHANNEL } from '../dist/engine/wake.js';
import { readProgress } from '../dist/storage/progress-repo.js';
import { noteActivity, sampleActivity } from './db-activity.js';
import { commitBatch, dropBatch } from './dispatch-setup.js';
import { note } from './figures.js';
import { cpuMeter, formatCpu } from './proc-cpu.js';
import { resetPeakRss, sampleRss, statusMb } from './proc-memory.js';
import { startNodeWorker } from './worker-process.js';

// The simulated call takes no time at all: the ring and talk times of the simulator's plans
// (seconds to minutes) divided by this round to 0 ms.
export const SIM_SPEED = 1e9;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The environment of every `outdial worker` of a dispatch run. */
export function workerEnvironment(url) {
  return {
    DATABASE_URL: url,
    OUTDIAL_SIM_SPEED: String(SIM_SPEED),
    // No retries: a busy or unanswered call would otherwise wait minutes for its next attempt.
    // Every call is then exactly one attempt, and terminal after it.
    OUTDIAL_MAX_ATTEMPTS: '1',
    LOG_LEVEL: 'info',
  };
}

async function startWorkers(url, count, extraEnv = {}) {
  const workers = [];
  for (let i = 0; i < count; i++) {
    workers.push(
      await startNodeWorker({
        label: `outdial worker ${i + 1}`,
        args: ['bin/outdial.js', 'worker'],
        env: { ...workerEnvironment(url), ...extraEnv },
        ready: /Outdial worker running/,
      }),
    );
  }
  return workers;
}

/** Polls the batch's progress (a sum over its few shard rows) until nothing waits or runs. */
async function untilSettled(db, batchId, pollMs, started, timeoutMs) {
  for (;;) {
    const p = await readProgress(db, batchId);
    if (p.waiting + p.active === 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`batch not settled after ${timeoutMs} ms: ${JSON.stringify(p)}`);
    }
    await sleep(pollMs);
  }
}

/**
 * How many calls a claim took, on average: an attempt id starts with the claim's clock reading
 * (ms, src/domain/ids.ts) and a worker's claims are sequential, so (worker, id time) ≈ one claim.
 */
async function noteClaims(db, label, batchId) {
  const [r] = await db.query(
    `SELECT count(*)::int AS attempts, count(DISTINCT (worker_id, left(id, 14)))::int AS claims
       FROM call_attempts WHERE batch_id = $1`,
    [batchId],
  );
  note(
    `${label}: ${r.claims} claims, ${(r.attempts / Math.max(1, r.claims)).toFixed(1)} calls per claim`,
  );
}

/**
 * Runs `calls` calls through `workers` worker processes. Returns calls/s and attempts/s (terminal
 * calls and attempt rows over the seconds from commit to settled), the seconds, the final states,
 * and for the first worker its idle RSS and the peak RSS during the run (MB).
 *
 * `alongside(settled)`, if given, starts as the batch is committed and gets a promise that
 * resolves when every call is terminal; what it resolves to is returned as `alongside`.
 */
export async function runDispatch({
  db,
  url,
  name,
  workspace,
  label,
  workers: count,
  calls,
  pollMs,
  alongside,
  env,
}) {
  const workers = await startWorkers(url, count, env);
  let batchId;
  try {
    // Started, reaped, subscribed, and their first claim found nothing.
    await sleep(1000);
    const pid = workers[0].pid;
    const idleRss = statusMb(pid, 'VmRSS');
    if (!resetPeakRss(pid)) note(`${label}: cannot reset VmHWM; the peak includes start-up`);
    const stopRss = sampleRss(pid, 50);

    batchId = await commitBatch(db, workspace, calls);
    const started = performance.now();
    await db.notify(WAKE_CHANNEL);
    const workerCpu = cpuMeter(workers.map((w) => w.pid));
    const activity = await sampleActivity(url, name);
    let settle;
    const settled = new Promise((resolve) => {
      settle = resolve;
    });
    const beside = alongside?.(settled);

    let seconds;
    try {
      seconds = await untilSettled(db, batchId, pollMs, started, 30 * 60_000);
    } catch (err) {
      settle();
      await beside?.catch(() => {});
      throw err;
    }
    settle();
    const besideResult = await beside;
    const cpu = workerCpu();
    const a = await activity();
    const peakRss = statusMb(pid, 'VmHWM');
    const sampledRss = stopRss();
    for (const w of workers) {
      if (w.exited()) throw new Error(`${w.label} exited during the run:\n${w.output()}`);
    }

    const [{ attempts }] = await db.query(
      'SELECT count(*)::int AS attempts FROM call_attempts WHERE batch_id = $1',
      [batchId],
    );
    const states = Object.fromEntries(
      (
        await db.query(
          'SELECT state, count(*)::int AS n FROM calls WHERE batch_id = $1 GROUP BY state',
          [batchId],
        )
      ).map((r) => [r.state, r.n]),
    );
    note(
      `${label}: ${calls} calls in ${seconds.toFixed(2)} s = ${Math.round(calls / seconds)} calls/s, ` +
        `${attempts} attempts (${Math.round(attempts / seconds)}/s); states ${JSON.stringify(states)}`,
    );
    note(
      `${label}: CPU: workers ${formatCpu(cpu)}, PostgreSQL backends ${formatCpu(a.backendCpu)} ` +
        `in ${seconds.toFixed(1)} s; machine ${(100 * a.machineBusy).toFixed(0)} % busy (all work on it)`,
    );
    await noteClaims(db, label, batchId);
    note(
      `${label}: worker 1 RSS idle ${idleRss.toFixed(1)} MB, peak ${peakRss.toFixed(1)} MB ` +
        `(sampled every 50 ms: ${sampledRss.toFixed(1)} MB)`,
    );
    noteActivity(label, a);
    return {
      seconds,
      callsPerSecond: calls / seconds,
      attemptsPerSecond: attempts / seconds,
      states,
      idleRss,
      peakRss,
      alongside: besideResult,
    };
  } finally {
    for (const w of workers) await w.stop();
    if (batchId) await dropBatch(db, batchId);
  }
}
