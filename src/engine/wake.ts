import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { Db } from '../storage/db.js';

// Wake-ups: "work may be due" (a new batch, a freed slot). On PostgreSQL a NOTIFY reaches the
// dispatchers of every process; in-process subscribers are called directly. Nothing depends on a
// wake-up arriving: dispatchers also poll (config.pollMs).

export const WAKE_CHANNEL = 'outdial_work';

export interface WakeSignal {
  wake(): void;
  /** Calls `fn` on every wake-up; resolves to the unsubscribe function. */
  subscribe(fn: () => void): Promise<() => Promise<void>>;
}

// Every signal built on the same database shares its in-process subscribers, so the API's signal
// (rt.wake) reaches an engine that built its own.
const localSubscribers = new WeakMap<Db, Set<() => void>>();

export function createWakeSignal(db: Db, log?: Logger): WakeSignal {
  let subscribers = localSubscribers.get(db);
  if (!subscribers) {
    subscribers = new Set();
    localSubscribers.set(db, subscribers);
  }
  const local = subscribers;
  // At most one NOTIFY in flight, and one more queued behind it: a burst of finishes becomes two.
  let sending = false;
  let queued = false;
  const notifyOthers = () => {
    if (db.kind !== 'postgres') return;
    if (sending) {
      queued = true;
      return;
    }
    sending = true;
    db.notify(WAKE_CHANNEL)
      .catch((err) => log?.debug({ err }, 'wake NOTIFY failed; dispatchers will poll'))
      .finally(() => {
        sending = false;
        if (queued) {
          queued = false;
          notifyOthers();
        }
      });
  };
  const callOne = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      log?.error({ err }, 'wake subscriber failed');
    }
  };
  const callAll = () => {
    for (const fn of [...local]) callOne(fn);
  };
  return {
    wake() {
      callAll();
      notifyOthers();
    },
    async subscribe(fn) {
      local.add(fn);
      let unlisten: (() => Promise<void>) | undefined;
      if (db.kind === 'postgres') {
        try {
          unlisten = await db.listen(WAKE_CHANNEL, () => callOne(fn));
        } catch (err) {
          log?.warn({ err }, 'LISTEN failed; dispatchers will poll');
        }
      }
      return async () => {
        local.delete(fn);
        await unlisten?.().catch(() => {});
      };
    },
  };
}

/** The dispatcher's idle wait: ends at the first wake-up, after `ms`, or when `stop` aborts. */
export class Waiter {
  private rung = false;
  private ring: (() => void) | undefined;

  notify(): void {
    this.rung = true;
    this.ring?.();
  }

  async wait(clock: Clock, ms: number, stop: AbortSignal): Promise<void> {
    if (this.rung || stop.aborted) {
      this.rung = false;
      return;
    }
    const done = new AbortController();
    const onStop = () => done.abort();
    stop.addEventListener('abort', onStop, { once: true });
    this.ring = () => done.abort();
    try {
      await clock.sleep(ms, done.signal);
    } finally {
      this.ring = undefined;
      stop.removeEventListener('abort', onStop);
      done.abort();
      this.rung = false;
    }
  }
}
