import type { Logger } from 'pino';
import type { Runtime } from '../runtime.js';
import { isConnectionError } from '../storage/db.js';
import {
  type AttemptEnding,
  type AttemptHandle,
  type FinishOutcome,
  finishAttempts,
} from './finish.js';

// Group commit for attempt ends. A runner hands its attempt's end here and waits; whatever ends
// arrive while one finishing transaction runs are finished together by the next one. An idle
// engine pays no added latency (a lone end is committed at once); a busy one commits hundreds of
// ends per transaction instead of one, which is what its throughput rests on (WAL flushes and
// round trips per call, not CPU, were the limit).
//
// A result that happened must not be lost to a database restart: a group that fails is retried
// with a growing pause until it commits or the engine's grace period runs out. A group that fails
// for another reason is split into single ends retried on their own, so one bad item cannot hold
// the others back (and if it never commits, its lease expires and the reaper settles it).

export type QueuedFinish = FinishOutcome | { status: 'abandoned' };

interface Pending {
  handle: AttemptHandle;
  ending: AttemptEnding;
  resolve(outcome: QueuedFinish): void;
}

/** Ends per transaction: bounds how long one finishing transaction holds its call rows. */
export const MAX_FINISH_GROUP = 250;

export class FinishQueue {
  readonly #rt: Runtime;
  readonly #log: Logger;
  readonly #abandon: AbortSignal;
  #pending: Pending[] = [];
  #flushing = false;

  constructor(rt: Runtime, log: Logger, abandon: AbortSignal) {
    this.#rt = rt;
    this.#log = log;
    this.#abandon = abandon;
  }

  /** Resolves once the end is committed ('finished'), refused ('lost') or given up ('abandoned'). */
  finish(handle: AttemptHandle, ending: AttemptEnding): Promise<QueuedFinish> {
    return new Promise((resolve) => {
      this.#pending.push({ handle, ending, resolve });
      if (!this.#flushing) {
        this.#flushing = true;
        // A microtask later, so the ends produced in this same turn share the first transaction.
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const group = this.#pending.splice(0, MAX_FINISH_GROUP);
        await this.#commit(group);
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #commit(group: Pending[]): Promise<void> {
    const rt = this.#rt;
    for (let pause = 250; ; pause = Math.min(pause * 2, 5_000)) {
      try {
        const outcomes = await finishAttempts(
          rt,
          group.map((p) => ({ handle: p.handle, ending: p.ending })),
        );
        for (const [i, p] of group.entries()) p.resolve(outcomes[i]!);
        return;
      } catch (err) {
        const connection = isConnectionError(err);
        if (!connection && group.length > 1) {
          this.#log.warn(
            { err, size: group.length },
            'finishing a group failed; finishing one by one',
          );
          // Each on its own and off the main line: an item that keeps failing must not stall the
          // ends queued behind it.
          for (const p of group) void this.#commit([p]);
          return;
        }
        this.#log[connection ? 'warn' : 'error'](
          { err, callIds: group.map((p) => p.handle.callId) },
          'could not record call results; retrying',
        );
        if (!this.#abandon.aborted) await rt.clock.sleep(pause, this.#abandon);
        if (this.#abandon.aborted) {
          for (const p of group) p.resolve({ status: 'abandoned' });
          return;
        }
      }
    }
  }
}
