import { type Static, Type } from 'typebox';
import { BATCH_STATUSES } from '../../domain/types.js';
import { CALLS_LIMIT_DEFAULT, CALLS_LIMIT_MAX, CALLS_PAGE_DEFAULT } from './batch-calls.js';
import { BatchStatusValue } from './batch-status.js';
import { PAGE_MAX, Pagination } from './pagination.js';
import { stringEnum } from './string-enum.js';

// §13 (ext) `GET /batch-calls`: paged like §4, newest batch first.

export const BATCH_STATUS_FILTERS = ['all', ...BATCH_STATUSES] as const;

export const BatchListQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_MAX, default: CALLS_PAGE_DEFAULT })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: CALLS_LIMIT_MAX, default: CALLS_LIMIT_DEFAULT }),
  ),
  status: Type.Optional(stringEnum(BATCH_STATUS_FILTERS, { default: 'all' })),
});

export const BatchListItem = Type.Object({
  id: Type.String(),
  name: Type.Optional(Type.String()),
  status: BatchStatusValue,
  isComplete: Type.Boolean({
    description: 'true once completed, failed, or cancelled with no call still active',
  }),
  totalCalls: Type.Integer(),
  createdAt: Type.Integer({ description: 'epoch ms' }),
  scheduledAt: Type.Optional(Type.Integer({ description: 'epoch ms' })),
  agentId: Type.String(),
  pausedReason: Type.Optional(
    Type.String({
      description: 'ext: while paused, why ("paused by request", "workspace paused", …)',
    }),
  ),
});
export type BatchListItem = Static<typeof BatchListItem>;

export const BatchListBody = Type.Object({
  batches: Type.Array(BatchListItem),
  pagination: Pagination('batches matching the status filter'),
});
export type BatchListBody = Static<typeof BatchListBody>;
