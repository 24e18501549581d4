import type { Logger } from 'pino';
import type { AttemptEvent } from '../domain/attempt-event.js';
import { GroupLinger } from '../domain/group-linger.js';
import type { AttemptEventSink } from '../providers/provider.js';
import type { Runtime } from '../runtime.js';
import { isConnectionError } from '../storage/db.js';
import { txWithRetry } from '../storage/transaction-retry.js';
import {
  type RecordContext,
  type RecordOutcome,
  recordEvents,
} from '../storage/transitions/events.js';

// The recording path's front door, with group commit: events that arrive while one recording
// transaction runs are recorded together by the next, so a busy engine pays one transaction (and
// one WAL flush) per group instead of per event, and an idle one records a lone event at once.
// When events of several calls came in during a commit (they arrive faster than groups commit, as
// at a steady 1,000 calls/s), the next group waits a moment (OUTDIAL_RECORD_LINGER_MS) for more:
// without it, such a load commits groups of four or five calls, each costing the same ten
// statements as a group of fifty. The simulator hands its events here; so do the carriers' HTTP
// callback routes.
//
// What a carrier reported must not be lost to a database restart: a group that fails for a lost
// connection is retried with a growing pause until it commits or the recorder is closed. A group
// that fails for another reason is split into single events retried on their own, so one bad
// event cannot hold the others back (if it never records, recovery settles its attempt).

/** What recording needs from the runtime, read when a group is recorded. */
export function recordContext(rt: Runtime): RecordContext {
  return {
    now: rt.clock.now(),
    retry: rt.config,
    reportGraceMs: rt.config.agentReportGraceMs,
    times: {
      ringTimeoutMs: rt.config.ringTimeoutMs,
      maxCallMs: rt.config.maxCallMs,
      marginMs: rt.config.recoveryMarginMs,
    },
  };
}

export type Recorded = RecordOutcome | { attemptId: string; status: 'abandoned' };

interface Pending {
  event: AttemptEvent;
  resolve(outcome: Recorded): void;
}

/**
 * Attempts per transaction: bounds how long one recording transaction holds its rows. Counted in
 * attempts, not events: an attempt's ringing, answer and end arriving together cost one write.
 */
export const MAX_RECORD_GROUP = 250;

/**
 * The next group: every pending event of the first `max` attempts named, in arrival order (an
 * attempt's acceptance queued behind other attempts' ends still joins its own end), and the rest.
 */
function nextGroup(pending: readonly Pending[], max: number): [Pending[], Pending[]] {
  const attempts = new Set<string>();
  const group: Pending[] = [];
  const rest: Pending[] = [];
  for (const p of pending) {
    const id = p.event.attemptId;
    if (attempts.has(id) || attempts.size < max) {
      attempts.add(id);
      group.push(p);
    } else rest.push(p);
  }
  return [group, rest];
}

const attemptOf = (p: Pending) => p.event.attemptId;

export class EventRecorder implements AttemptEventSink {
  readonly #rt: Runtime;
  readonly #log: Logger;
  readonly #onRecorded: (outcomes: readonly RecordOutcome[]) => void;
  readonly #closing = new AbortController();
  #pending: Pending[] = [];
  #flushing: Promise<void> | undefined;
  /** Single events retried off the main line after their group failed. */
  readonly #apart = new Set<Promise<void>>();
  #inFlight = 0;
  /** The next group's wait for more, keyed by attempt. */
  readonly #linger = new GroupLinger();

  /** `onRecorded` hears every committed group's outcomes (capacity freed, retries scheduled). */
  constructor(rt: Runtime, log: Logger, onRecorded: (outcomes: readonly RecordOutcome[]) => void) {
    this.#rt = rt;
    this.#log = log;
    this.#onRecorded = onRecorded;
  }

  /** Resolves once the event is recorded, found stale ('ignored'), or given up ('abandoned'). */
  record(event: AttemptEvent): Promise<Recorded> {
    if (this.#closing.signal.aborted) {
      return Promise.resolve({ attemptId: event.attemptId, status: 'abandoned' });
    }
    return new Promise((resolve) => {
      this.#pending.push({ event, resolve });
      this.#linger.add(event.attemptId);
      // A microtask later, so the events produced in this same turn share the first transaction.
      this.#flushing ??= Promise.resolve().then(() => this.#drain());
    });
  }

  /** Events not committed yet (queued or in a transaction). */
  get backlog(): number {
    return this.#pending.length + this.#inFlight;
  }

  /** Waits until everything recorded so far is committed (or given up). */
  async flush(): Promise<void> {
    while (this.#flushing || this.#apart.size > 0) {
      await Promise.all([this.#flushing, ...this.#apart]);
    }
  }

  /** Stops retrying: what is not committed by now resolves 'abandoned'. */
  async close(): Promise<void> {
    this.#closing.abort();
    this.#linger.end();
    await this.flush();
  }

  async #drain(): Promise<void> {
    try {
      for (let first = true; this.#pending.length > 0; first = false) {
        if (!first && !this.#closing.signal.aborted) {
          await this.#linger.wait(this.#rt.config.recordLingerMs, this.#pending, attemptOf);
        }
        const [group, rest] = nextGroup(this.#pending, MAX_RECORD_GROUP);
        this.#pending = rest;
        this.#inFlight += group.length;
        try {
          await this.#commit(group);
        } finally {
          this.#inFlight -= group.length;
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #commit(group: Pending[]): Promise<void> {
    const rt = this.#rt;
    for (let pause = 250; ; pause = Math.min(pause * 2, 5_000)) {
      try {
        const outcomes = await txWithRetry(rt.db, (q) =>
          recordEvents(
            q,
            group.map((p) => p.event),
            recordContext(rt),
          ),
        );
        const distinct = [...outcomes.values()];
        for (const p of group) p.resolve(outcomes.get(p.event.attemptId)!);
        try {
          this.#onRecorded(distinct);
        } catch (err) {
          this.#log.error({ err }, 'handling recorded attempt events failed');
        }
        return;
      } catch (err) {
        const connection = isConnectionError(err);
        if (!connection && group.length > 1) {
          this.#log.warn({ err, size: group.length }, 'recording a group failed; one by one');
          // Each on its own and off the main line: an event that keeps failing must not stall
          // the others. (Events of one attempt may now commit out of order, which recording
          // them is built for.)
          for (const p of group) {
            this.#inFlight++;
            const apart: Promise<void> = this.#commit([p]).finally(() => {
              this.#inFlight--;
              this.#apart.delete(apart);
            });
            this.#apart.add(apart);
          }
          return;
        }
        this.#log[connection ? 'warn' : 'error'](
          { err, attemptIds: group.map((p) => p.event.attemptId) },
          'could not record attempt events; retrying',
        );
        if (!this.#closing.signal.aborted) await rt.clock.sleep(pause, this.#closing.signal);
        if (this.#closing.signal.aborted) {
          for (const p of group) p.resolve({ attemptId: p.event.attemptId, status: 'abandoned' });
          return;
        }
      }
    }
  }
}
