import { type BatchCallKey, type CallRecord, findBatchCalls } from '../storage/calls-read-repo.js';
import type { Queryable } from '../storage/db.js';

interface Waiter {
  key: BatchCallKey;
  resolve: (call: CallRecord | undefined) => void;
  reject: (err: unknown) => void;
}

/** Reads past this many wait for the next statement: one statement's ids stay a small array. */
const MAX_PER_STATEMENT = 256;

/**
 * Status polling is the API's hottest path: a client polls each job of its batch, many at once.
 * The reads that arrive together share one statement. A read is queued, and the queue goes to
 * the database once the event loop has taken in what arrived with it (setImmediate): under load
 * one round trip, one socket write and one plan answer many requests; a read arriving alone
 * waits only for the end of that turn of the loop.
 */
export class CoalescedCallReads {
  private queue: Waiter[] = [];
  private scheduled = false;

  constructor(private readonly db: Queryable) {}

  find(key: BatchCallKey): Promise<CallRecord | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.queue;
    this.queue = [];
    for (let i = 0; i < all.length; i += MAX_PER_STATEMENT) {
      const part = all.slice(i, i + MAX_PER_STATEMENT);
      findBatchCalls(
        this.db,
        part.map((w) => w.key),
      ).then(
        (calls) => {
          for (let j = 0; j < part.length; j++) part[j]?.resolve(calls[j]);
        },
        (err: unknown) => {
          for (const w of part) w.reject(err);
        },
      );
    }
  }
}
