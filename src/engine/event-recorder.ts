import type { Logger } from 'pino';
import type { AttemptEvent } from '../domain/attempt-event.js';
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

/** From this many attempts pending, the next group is taken at once. */
export const LINGER_BELOW = 64;

/**
 * Whether the next group waits before it is taken, given how many attempts have events pending
 * once a group committed. Events of several attempts came in meanwhile: more are on their way, so
 * wait for them, unless there are enough for a large group already. One attempt's events (a
 * caller that records an event and waits for it, or a lone call) never wait.
 */
export function lingerBeforeNext(pendingAttempts: number): boolean {
  return pendingAttempts >= 2 && pendingAttempts < LINGER_BELOW;
}

/** The attempts the pending events name, counted up to `atMost`. */
function attemptsOf(pending: readonly Pending[], atMost: number): Set<string> {
  const ids = new Set<string>();
  for (const p of pending) {
    ids.add(p.event.attemptId);
    if (ids.size >= atMost) break;
  }
  return ids;
}

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
  /** While the next group waits for more: the attempts pending, and what ends the wait. */
  #lingering: { attempts: Set<string>; end(): void } | undefined;

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
      if (this.#lingering) {
        this.#lingering.attempts.add(event.attemptId);
        if (this.#lingering.attempts.size >= LINGER_BELOW) this.#lingering.end();
      }
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
    await this.flush();
  }

  async #drain(): Promise<void> {
    try {
      for (let first = true; this.#pending.length > 0; first = false) {
        if (!first) await this.#linger();
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

  /**
   * Waits up to the configured linger when lingerBeforeNext says so, less once enough attempts
   * are pending or the recorder closes. Wall-clock time, not the runtime's clock: this paces
   * database writes, decides nothing about calls, and a test's stopped clock would never end it.
   */
  async #linger(): Promise<void> {
    const ms = this.#rt.config.recordLingerMs;
    if (ms <= 0 || this.#closing.signal.aborted) return;
    const attempts = attemptsOf(this.#pending, LINGER_BELOW);
    if (!lingerBeforeNext(attempts.size)) return;
    const closing = this.#closing.signal;
    await new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        closing.removeEventListener('abort', end);
        this.#lingering = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      closing.addEventListener('abort', end);
      this.#lingering = { attempts, end };
    });
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
