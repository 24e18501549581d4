// The answers the client reads, typed from the server's own schemas (type-only imports: nothing
// of the server is loaded). Statuses are widened to string: a newer server may answer one this
// client does not know yet (`paused`), which must read as "still running", never as a crash.

import type { CallListItem, CallsListBody } from '../../http/schemas/batch-calls.js';
import type { BatchListBody, BatchListItem } from '../../http/schemas/batch-list.js';
import type { BatchStatusBody, RecentCall } from '../../http/schemas/batch-status.js';
import type { BatchCancelledBody } from '../../http/schemas/cancel.js';
import type { ValidateBody } from '../../http/schemas/csv-tools.js';

type Widened<T> = Omit<T, 'status'> & { status: string };

export type RowIssue = ValidateBody['errors'][number];

export type BatchStatusAnswer = Omit<Widened<BatchStatusBody>, 'progress'> & {
  progress: Omit<BatchStatusBody['progress'], 'recent_calls'> & {
    recent_calls: Array<Widened<RecentCall>>;
  };
};

export type BatchListAnswer = Omit<BatchListBody, 'batches'> & {
  batches: Array<Widened<BatchListItem>>;
};

export type CallsAnswer = Omit<CallsListBody, 'calls'> & { calls: Array<Widened<CallListItem>> };

export type CancelAnswer = BatchCancelledBody;

export type ValidateAnswer = ValidateBody;

/** §1's 200, with its ext fields. */
export interface BatchCreatedAnswer {
  batchId: string;
  totalCalls: number;
  status: string;
  message: string;
  scheduledAt?: number;
  skippedRows?: RowIssue[];
  skippedCount?: number;
  warnings?: RowIssue[];
}
