import type { Logger } from 'pino';
import { TimerQueue } from '../domain/timer-queue.js';
import type { PlaceResult, TelephonyProvider } from '../providers/provider.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { Runtime } from '../runtime.js';
import { isConnectionError } from '../storage/db.js';
import { txWithRetry } from '../storage/transaction-retry.js';
import { markPlacing } from '../storage/transitions/placing.js';
import { releaseAttempts } from '../storage/transitions/release.js';
import type { ClaimedAttempt } from './claim.js';
import { engineMetrics } from './engine-metrics.js';
import type { EventRecorder } from './event-recorder.js';

// From claimed to the carrier: holds this engine's claimed attempts until their start slots, moves
// them to placing in one transaction per group (committed before any of their requests leaves),
// sends each request at its slot, and hands the carriers' answers to the recording path. Once a
// carrier has accepted a call the engine holds nothing for it: no promise, no timer, no lease.
//
// An attempt is moved to placing PLACING_LOOKAHEAD_MS - PLACING_GROUP_MS before its slot, together
// with every other whose slot falls within PLACING_GROUP_MS after its own: at a steady pace the
// placing transactions come one per PLACING_GROUP_MS, not one per start (measured at 1,000 starts
// a second: a transaction for every one or two starts).

/** The most an attempt is moved to placing ahead of its slot. */
export const PLACING_LOOKAHEAD_MS = 100;
/** The slots one placing transaction takes at a steady pace. */
export const PLACING_GROUP_MS = 50;

export interface PlacerContext {
  rt: Runtime;
  workerId: string;
  providers: ProviderRegistry;
  recorder: EventRecorder;
  log: Logger;
  /**
   * Claimed calls were handed back: capacity and work are free for others. `dueAt`: when calls
   * the carrier asked to be asked later come due again (their retry is claimed then, not at the
   * next poll).
   */
  onReleased(dueAt?: number): void;
}

export function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** The ids every log line about an attempt carries: `jobId` is the API's name for a call. */
export const attemptLogIds = (a: ClaimedAttempt) => ({
  jobId: a.callId,
  attemptId: a.attemptId,
  batchId: a.batchId,
  workspaceId: a.workspaceId,
});

export class Placer {
  readonly #ctx: PlacerContext;
  readonly #slots: TimerQueue<ClaimedAttempt>;
  /** Placing, waiting for their slot to send. */
  readonly #sendAt: TimerQueue<{ a: ClaimedAttempt; leaseUntil: number }>;
  /** Due, waiting for the next placing transaction. */
  #due: ClaimedAttempt[] = [];
  /** The placing transaction (with its retries) in progress, if any. */
  #committing: Promise<void> | undefined;
  #committingSize = 0;
  /** Requests sent, carrier's answer not back yet. */
  readonly #sending = new Set<Promise<void>>();
  readonly #stop = new AbortController();

  constructor(ctx: PlacerContext) {
    this.#ctx = ctx;
    this.#slots = new TimerQueue(ctx.rt.clock, (a) => this.#onDue(a), {
      windowMs: PLACING_GROUP_MS,
    });
    this.#sendAt = new TimerQueue(ctx.rt.clock, (x) => this.#send(x.a, x.leaseUntil));
  }

  /** Attempts held between claim and the carrier's answer (claimed + placing). */
  held(): number {
    return (
      this.#slots.size +
      this.#due.length +
      this.#committingSize +
      this.#sendAt.size +
      this.#sending.size
    );
  }

  /** Takes newly claimed attempts; each is placed at its start slot. */
  add(attempts: readonly ClaimedAttempt[]): void {
    for (const a of attempts) {
      this.#slots.add(a.startedAt - (PLACING_LOOKAHEAD_MS - PLACING_GROUP_MS), a);
    }
  }

  #onDue(a: ClaimedAttempt): void {
    this.#due.push(a);
    // A microtask later, so the attempts due at this moment share one transaction.
    this.#committing ??= Promise.resolve().then(() => this.#commitDue());
  }

  async #commitDue(): Promise<void> {
    try {
      while (this.#due.length > 0) {
        const group = this.#due;
        this.#due = [];
        this.#committingSize = group.length;
        await this.#place(group);
        this.#committingSize = 0;
      }
    } finally {
      this.#committingSize = 0;
      this.#committing = undefined;
    }
  }

  /** Commits placing for `group`, then sends each request (a group may wait out an outage). */
  async #place(group: ClaimedAttempt[]): Promise<void> {
    const { rt, log } = this.#ctx;
    const missing = group.filter((a) => !this.#ctx.providers.get(a.provider));
    for (const a of missing) {
      void this.#ctx.recorder.record({
        attemptId: a.attemptId,
        kind: 'ended',
        ending: {
          kind: 'unplaced',
          at: rt.clock.now(),
          error: `Telephony provider "${a.provider}" is not configured`,
        },
      });
    }
    const sendable = group.filter((a) => this.#ctx.providers.get(a.provider));
    for (let pause = rt.config.pollMs; sendable.length > 0; pause = Math.min(pause * 2, 5_000)) {
      const leaseUntil = rt.clock.now() + rt.config.leaseMs;
      try {
        const moved = new Set(
          await txWithRetry(rt.db, (q) =>
            markPlacing(q, {
              attemptIds: sendable.map((a) => a.attemptId),
              owner: this.#ctx.workerId,
              leaseUntil,
            }),
          ),
        );
        const now = rt.clock.now();
        const refused: ClaimedAttempt[] = [];
        for (const a of sendable) {
          if (moved.has(a.attemptId)) {
            if (a.startedAt <= now) this.#send(a, leaseUntil);
            else this.#sendAt.add(a.startedAt, { a, leaseUntil });
          } else refused.push(a);
        }
        if (refused.length > 0) await this.#handBack(refused);
        return;
      } catch (err) {
        log[isConnectionError(err) ? 'warn' : 'error'](
          { err, attempts: sendable.length },
          'could not mark attempts placing; retrying (they are not sent until it commits)',
        );
        if (this.#stop.signal.aborted) return;
        await rt.clock.sleep(pause, this.#stop.signal);
        if (this.#stop.signal.aborted) return;
      }
    }
  }

  /**
   * Attempts that did not move to placing: released meanwhile (a pause, or recovery after this
   * engine stalled past its lease), or still claimed by this engine because their batch was paused.
   * Those still held are handed back at once rather than left to their lease. Never sent.
   */
  async #handBack(refused: ClaimedAttempt[]): Promise<void> {
    const { rt, log } = this.#ctx;
    for (const a of refused)
      log.debug(attemptLogIds(a), 'claimed attempt not placed (paused or taken back)');
    try {
      const released = await txWithRetry(rt.db, (q) =>
        releaseAttempts(q, {
          attemptIds: refused.map((a) => a.attemptId),
          owner: this.#ctx.workerId,
          now: rt.clock.now(),
          claimedOnly: true,
        }),
      );
      if (released.length > 0) this.#ctx.onReleased();
    } catch (err) {
      log.warn(
        { err, attempts: refused.length },
        'could not hand back unplaced attempts; left to their lease',
      );
    }
  }

  #send(a: ClaimedAttempt, leaseUntil: number): void {
    const { rt, log, recorder } = this.#ctx;
    // A worker stalled past its lease may have lost the attempt to recovery: sending it now could
    // call the person twice.
    if (rt.clock.now() >= leaseUntil) {
      log.warn(attemptLogIds(a), 'lease ran out before the request left; left to recovery');
      return;
    }
    const provider = this.#ctx.providers.get(a.provider) as TelephonyProvider;
    log.debug(attemptLogIds(a), 'placing');
    const asked = performance.now();
    const sent: Promise<void> = provider
      .place(a)
      .then(
        (r: PlaceResult) => {
          const at = rt.clock.now();
          if (r.accepted) {
            void recorder.record({
              attemptId: a.attemptId,
              kind: 'accepted',
              at,
              providerCallId: r.providerCallId,
              ...(r.endsBy === undefined ? {} : { endsBy: r.endsBy }),
            });
          } else if ('retryAfterMs' in r) {
            this.#releaseForLater(a, at + r.retryAfterMs, r.error);
          } else {
            void recorder.record({
              attemptId: a.attemptId,
              kind: 'ended',
              ending: {
                kind: 'carrier',
                end: {
                  reason: r.reason,
                  endedAt: at,
                  errorMessage: r.error,
                  ...(r.sipCode === undefined ? {} : { sipCode: r.sipCode }),
                },
              },
            });
          }
        },
        (err: unknown) => {
          // The request's fate is unknown: recovery looks the attempt up, it is never resent.
          log.warn({ err, ...attemptLogIds(a) }, 'placing a call failed; left to recovery');
        },
      )
      .finally(() => {
        engineMetrics(rt)
          .providerDuration.labels(provider.name, 'place')
          .observe((performance.now() - asked) / 1000);
        this.#sending.delete(sent);
      });
    this.#sending.add(sent);
  }

  /** The carrier asked to be asked later: the attempt was never made, its call waits again. */
  #releaseForLater(a: ClaimedAttempt, runAt: number, why: string): void {
    const { rt, log } = this.#ctx;
    txWithRetry(rt.db, (q) =>
      releaseAttempts(q, {
        attemptIds: [a.attemptId],
        owner: this.#ctx.workerId,
        now: rt.clock.now(),
        runAt,
      }),
    ).then(
      (released) => {
        log.info({ ...attemptLogIds(a), why, runAt }, 'carrier asked to call later; released');
        if (released.length > 0) this.#ctx.onReleased(runAt);
      },
      (err: unknown) => {
        // Still placing under this worker's lease; recovery asks the carrier, which has no call.
        log.warn(
          { err, ...attemptLogIds(a) },
          'could not release an attempt the carrier held back',
        );
      },
    );
  }

  /**
   * Stops placing: claimed attempts whose slot has not come are handed back (never sent, not
   * spent); attempts already placing are sent and their answers awaited, until `grace` aborts.
   */
  async stop(grace: AbortSignal): Promise<void> {
    const { rt, log } = this.#ctx;
    const unsent = this.#slots.close();
    if (unsent.length > 0) {
      try {
        const released = await txWithRetry(rt.db, (q) =>
          releaseAttempts(q, {
            attemptIds: unsent.map((a) => a.attemptId),
            owner: this.#ctx.workerId,
            now: rt.clock.now(),
          }),
        );
        if (released.length > 0) this.#ctx.onReleased();
      } catch (err) {
        // Their leases expire; recovery releases them then (they were never sent either way).
        log.warn({ err, attempts: unsent.length }, 'could not hand back claimed attempts');
      }
    }
    // Attempts already placing are sent at their slots, at most a lookahead from now.
    const done = (async () => {
      while (this.#committing || this.#sendAt.size > 0 || this.#sending.size > 0) {
        const inFlight = [...(this.#committing ? [this.#committing] : []), ...this.#sending];
        // Only waiting for slots: a timer, never a promise that is already settled (looping on
        // those would starve the very timers that send them).
        const tick = rt.clock.sleep(PLACING_LOOKAHEAD_MS, grace);
        await (inFlight.length > 0 ? Promise.race([Promise.all(inFlight), tick]) : tick);
        if (grace.aborted) return;
      }
    })();
    await Promise.race([done, whenAborted(grace)]);
    this.#stop.abort();
    // Past the grace period: what was not sent stays placing; recovery settles it.
    this.#sendAt.close();
  }
}
