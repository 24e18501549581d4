import { getRandomValues } from 'node:crypto';
import type { ProviderFactory } from '../providers/registry.js';
import { defaultProviders } from '../providers/registry.js';
import type { Runtime } from '../runtime.js';
import type { Db } from '../storage/db.js';
import { checkAttemptsAt } from '../storage/recovery-repo.js';
import type { RecordOutcome } from '../storage/transitions/events.js';
import type { CarrierPacing } from './claim.js';
import { dispatchLoop } from './dispatcher.js';
import { DueTimer } from './due-timer.js';
import { engineMetrics } from './engine-metrics.js';
import { EventRecorder, MAX_RECORD_GROUP } from './event-recorder.js';
import { attemptRecovery } from './maintenance/attempt-recovery.js';
import { idempotencyCleanup } from './maintenance/idempotency-cleanup.js';
import { leadMaintenance } from './maintenance/leadership.js';
import { reportGrace } from './maintenance/report-grace.js';
import { webhookRetention } from './maintenance/webhook-retention.js';
import { Placer, whenAborted } from './placer.js';
import { createWakeSignal, Waiter, type WakeSignal } from './wake.js';

// One dispatch engine: a claim loop, the placer that asks carriers to call, the recording path
// its in-process providers report to, and — when it leads — the maintenance tasks, attempt
// recovery among them. Any number of engines (in one process or many) can share a PostgreSQL
// database.

export interface Engine {
  readonly workerId: string;
  /**
   * What a stop would wait for: attempts this engine holds (claimed or being placed) and calls its
   * in-process providers are playing. Calls a remote carrier holds are not counted: they go on
   * whether this process runs or not.
   */
  activeCalls(): number;
  /**
   * Stops claiming, hands back claimed attempts not yet placed, and lets what is in flight finish
   * for up to `graceMs` (default config.shutdownGraceMs): requests being placed, and the calls
   * in progress at in-process providers (the simulator), whose events stop with this process.
   * Past the grace period those calls are left to recovery, which looks them up at once (never
   * dials them again). Does not close the database.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface EngineOptions {
  /** Lease owner name; unique per engine. Default: a random `wrk_…`. */
  workerId?: string;
  /** The providers, built around this engine's recording path. Default: the simulator. */
  providers?: ProviderFactory;
  /** Default: createWakeSignal(rt.db) (shares in-process wake-ups with rt.wake's signal). */
  wake?: WakeSignal;
  /** Attempts this engine may hold between claim and the carrier's answer. Default: config.maxPlacing. */
  maxPlacing?: number;
}

/** Events awaiting their commit past which an engine stops claiming until they are recorded. */
const RECORDER_BACKLOG_LIMIT = 4 * MAX_RECORD_GROUP;

// Engines alive in this process, per database: their leases are never taken for lost here.
const liveEngines = new WeakMap<Db, Set<string>>();

function randomWorkerId(): string {
  const bytes = getRandomValues(new Uint8Array(8));
  return `wrk_${Buffer.from(bytes).toString('hex')}`;
}

export async function startEngine(rt: Runtime, opts: EngineOptions = {}): Promise<Engine> {
  const workerId = opts.workerId ?? randomWorkerId();
  const log = rt.log.child({ workerId });
  const signal = opts.wake ?? createWakeSignal(rt.db, rt.log);
  const maxPlacing = Math.max(1, opts.maxPlacing ?? rt.config.maxPlacing);
  let live = liveEngines.get(rt.db);
  if (!live) {
    live = new Set();
    liveEngines.set(rt.db, live);
  }
  const liveOwners = live;
  const metrics = engineMetrics(rt);

  const stopping = new AbortController();
  const waiter = new Waiter();
  const due = new DueTimer(rt.clock, () => waiter.notify());
  // Workspaces whose last claim here left a concurrency limit full: an end of theirs frees a place
  // a waiting call can take, so every dispatcher hears of it. Any other end wakes only this
  // engine's own loop, and only when it was out of room.
  const capacityBound = new Set<string>();
  let outOfRoom = false;
  const onRecorded = (outcomes: readonly RecordOutcome[]) => {
    let freed = false;
    let ended = false;
    for (const o of outcomes) {
      if (o.status !== 'ended') continue;
      ended = true;
      if (capacityBound.has(o.workspaceId)) freed = true;
      metrics.attempts.inc({ reason: o.reason });
      if (o.call.kind === 'retry') due.at(o.call.runAt);
      log.debug(
        {
          jobId: o.callId,
          attemptId: o.attemptId,
          batchId: o.batchId,
          workspaceId: o.workspaceId,
          reason: o.reason,
        },
        'attempt ended',
      );
    }
    if (freed) signal.wake();
    else if (ended && outOfRoom) waiter.notify();
  };
  const recorder = new EventRecorder(rt, log, onRecorded);
  const providers = (
    opts.providers ??
    defaultProviders({
      clock: rt.clock,
      simSpeed: rt.config.simSpeed,
      simAcceptMs: rt.config.simAcceptMs,
    })
  )(recorder);
  const placer = new Placer({
    rt,
    workerId,
    providers,
    recorder,
    log,
    onReleased: (dueAt) => {
      if (dueAt !== undefined) due.at(dueAt);
      signal.wake();
    },
  });
  const carrierPacing = (name: string): CarrierPacing | undefined => {
    const p = providers.get(name);
    const cps = p?.capabilities.callsPerSecond;
    return p && cps !== undefined
      ? { provider: p.name, account: p.account ?? '', callsPerSecond: cps }
      : undefined;
  };

  liveOwners.add(workerId);
  const untrack = metrics.track({
    held: () => placer.held(),
    limit: maxPlacing,
    localCalls: () =>
      providers
        .all()
        .flatMap((p) => (p.local ? [{ provider: p.name, calls: p.local.inProgress() }] : [])),
  });
  const unsubscribe = await signal.subscribe(() => waiter.notify());

  const maintenance = leadMaintenance(
    {
      rt,
      log,
      providers,
      recorder,
      liveOwners: () => [...liveOwners],
      onFreed: () => signal.wake(),
    },
    [attemptRecovery, reportGrace, idempotencyCleanup, webhookRetention],
    stopping.signal,
  );
  const loop = dispatchLoop({
    rt,
    workerId,
    log,
    waiter,
    stopping: stopping.signal,
    // A worker claims no faster than it records: events waiting to be committed (beyond a few
    // groups' worth) hold the claims back, so a slow database bounds what a worker holds.
    room: () => {
      const room = recorder.backlog > RECORDER_BACKLOG_LIMIT ? 0 : maxPlacing - placer.held();
      outOfRoom = room <= 0;
      return room;
    },
    claimed: (attempts) => placer.add(attempts),
    served: (workspaceId, full) => {
      if (full) capacityBound.add(workspaceId);
      else capacityBound.delete(workspaceId);
    },
    dueAt: (time) => due.at(time),
    carrierPacing,
  });
  log.info({ maxPlacing, providers: providers.names() }, 'dispatch engine started');

  let stopped: Promise<void> | undefined;
  const stop = (graceMs = rt.config.shutdownGraceMs): Promise<void> => {
    stopped ??= (async () => {
      stopping.abort();
      waiter.notify();
      due.clear();
      await loop;
      const grace = new AbortController();
      const graceOver = graceMs > 0 ? rt.clock.sleep(graceMs, grace.signal) : Promise.resolve();
      void graceOver.then(() => grace.abort());
      await placer.stop(grace.signal);
      // The calls this process's providers are playing report only while it runs.
      await Promise.all(providers.all().map((p) => p.local?.idle(grace.signal)));
      await Promise.race([recorder.flush(), whenAborted(grace.signal)]);
      grace.abort();
      const orphaned = providers.all().flatMap((p) => p.local?.close() ?? []);
      await recorder.close();
      if (orphaned.length > 0) {
        // Nobody will report on these: recovery looks them up at once instead of at their deadline.
        await checkAttemptsAt(
          rt.db,
          orphaned.map((attemptId) => ({ attemptId, at: rt.clock.now() })),
        ).catch((err: unknown) =>
          log.warn({ err }, 'could not hand calls in progress to recovery'),
        );
        log.warn(
          { calls: orphaned.length },
          'shutdown grace over with calls in progress; left to recovery',
        );
      }
      await maintenance;
      await unsubscribe();
      untrack();
      liveOwners.delete(workerId);
      log.info('dispatch engine stopped');
    })();
    return stopped;
  };
  const activeCalls = () =>
    placer.held() + providers.all().reduce((n, p) => n + (p.local?.inProgress() ?? 0), 0);
  return { workerId, activeCalls, stop };
}
