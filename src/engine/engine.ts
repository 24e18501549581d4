import { getRandomValues } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ProviderRegistry } from '../providers/registry.js';
import { defaultRegistry } from '../providers/registry.js';
import type { Runtime } from '../runtime.js';
import type { Db } from '../storage/db.js';
import { runCall } from './call-runner.js';
import type { ClaimedCall } from './claim.js';
import { dispatchLoop } from './dispatcher.js';
import { DueTimer } from './due-timer.js';
import { FinishQueue } from './finish-queue.js';
import { reaperLoop, reapLeases } from './lease-reaper.js';
import { createWakeSignal, Waiter, type WakeSignal } from './wake.js';

// One dispatch engine: a claim loop, the runners of the calls it claimed, and a lease reaper.
// Any number of engines (in one process or many) can share a PostgreSQL database.

export interface Engine {
  readonly workerId: string;
  /** Calls this engine has claimed and not yet finished (what a stop would wait for). */
  activeCalls(): number;
  /**
   * Stops claiming, hands back claimed calls not yet dialed, waits up to `graceMs` (default
   * config.shutdownGraceMs) for calls in progress, then stops watching the rest: their leases are
   * expired so a reaper reconciles them (never redials them). Does not close the database.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface EngineOptions {
  /** Lease owner name; unique per engine. Default: a random `wrk_…`. */
  workerId?: string;
  /** Calls this engine runs at once. Default: config.workerConcurrency. */
  concurrency?: number;
  /** Default: the simulator at config.simSpeed on rt.clock. */
  providers?: ProviderRegistry;
  /** Default: createWakeSignal(rt.db) (shares in-process wake-ups with rt.wake's signal). */
  wake?: WakeSignal;
}

// Engines alive in this process, per database: their leases are never reaped here.
const liveEngines = new WeakMap<Db, Set<string>>();

function randomWorkerId(): string {
  const bytes = getRandomValues(new Uint8Array(8));
  return `wrk_${Buffer.from(bytes).toString('hex')}`;
}

export async function startEngine(rt: Runtime, opts: EngineOptions = {}): Promise<Engine> {
  const workerId = opts.workerId ?? randomWorkerId();
  const log = rt.log.child({ workerId });
  const providers =
    opts.providers ?? defaultRegistry({ clock: rt.clock, simSpeed: rt.config.simSpeed });
  const signal = opts.wake ?? createWakeSignal(rt.db, rt.log);
  const concurrency = Math.max(1, opts.concurrency ?? rt.config.workerConcurrency);
  let live = liveEngines.get(rt.db);
  if (!live) {
    live = new Set();
    liveEngines.set(rt.db, live);
  }
  const liveOwners = live;

  const stopping = new AbortController();
  const abandon = new AbortController();
  // Every running call listens to these two: one listener per call is expected, not a leak.
  setMaxListeners(0, stopping.signal, abandon.signal);
  const waiter = new Waiter();
  const due = new DueTimer(rt.clock, () => waiter.notify());
  const runners = new Set<Promise<void>>();
  const reaper = {
    rt,
    // Not a live owner: a call the reaper took over and left in progress is reaped again when
    // that lease expires, by whichever reaper runs then.
    workerId: `${workerId}/reaper`,
    providers,
    log,
    liveOwners: () => [...liveOwners],
    onFreed: () => signal.wake(),
  };

  // PGlite is one process per data directory (lock file): an active call found now was left by
  // a process that died, so it is settled at once instead of a lease period later.
  try {
    await reapLeases(reaper, { everyActive: rt.db.kind === 'pglite' });
  } catch (err) {
    log.warn({ err }, 'start-up lease reaping failed; the reaper loop will retry');
  }
  liveOwners.add(workerId);
  const unsubscribe = await signal.subscribe(() => waiter.notify());

  const runnerCtx = {
    rt,
    workerId,
    providers,
    log,
    stopping: stopping.signal,
    abandon: abandon.signal,
    finishes: new FinishQueue(rt, log, abandon.signal),
  };
  const start = (call: ClaimedCall) => {
    const run: Promise<void> = runCall(runnerCtx, call)
      .then((end) => {
        if (end.kind === 'finished' && end.outcome.status === 'finished') {
          if (end.outcome.runAt !== undefined) due.at(end.outcome.runAt);
          signal.wake();
        } else if (end.kind === 'released') {
          signal.wake();
        }
      })
      .catch((err) => log.error({ err, callId: call.callId }, 'call runner failed'))
      .finally(() => {
        runners.delete(run);
        waiter.notify();
      });
    runners.add(run);
  };

  const loop = dispatchLoop({
    rt,
    workerId,
    concurrency,
    log,
    waiter,
    stopping: stopping.signal,
    running: () => runners.size,
    start,
    dueAt: (time) => due.at(time),
  });
  const reaping = reaperLoop(reaper, stopping.signal);
  log.info({ concurrency, providers: providers.names() }, 'dispatch engine started');

  let stopped: Promise<void> | undefined;
  const stop = (graceMs = rt.config.shutdownGraceMs): Promise<void> => {
    stopped ??= (async () => {
      stopping.abort();
      waiter.notify();
      due.clear();
      await Promise.all([loop, reaping]);
      if (runners.size > 0 && graceMs > 0) {
        const graceOver = new AbortController();
        await Promise.race([
          Promise.allSettled([...runners]),
          rt.clock.sleep(graceMs, graceOver.signal),
        ]);
        graceOver.abort();
      }
      if (runners.size > 0) abandon.abort();
      await Promise.allSettled([...runners]);
      await unsubscribe();
      liveOwners.delete(workerId);
      log.info('dispatch engine stopped');
    })();
    return stopped;
  };
  return { workerId, activeCalls: () => runners.size, stop };
}
