import { type Static, Type } from 'typebox';
import { BATCH_STATUSES, CALL_STATES } from '../../domain/types.js';
import { stringEnum } from './string-enum.js';

// §2 and §3 of the contract. Optional fields are absent (never null) when they do not apply;
// completedTime is the one field that is null instead.

const epochMs = (description: string) => Type.Integer({ description: `${description} (epoch ms)` });

export const BatchStatusValue = stringEnum(BATCH_STATUSES);
export const CallStateValue = stringEnum(CALL_STATES);

export const BatchParams = Type.Object({ batchId: Type.String() });

/** A finished call in `recent_calls`; which of the optional fields appear depends on `status`. */
export const RecentCall = Type.Object(
  {
    jobId: Type.String(),
    status: stringEnum(['completed', 'failed', 'cancelled'] as const),
    phone_number: Type.String(),
    completedAt: Type.Optional(epochMs('completed only')),
    duration: Type.Optional(Type.Number({ description: 'completed only: talk time (s)' })),
    failedAt: Type.Optional(epochMs('failed only')),
    cancelledAt: Type.Optional(epochMs('cancelled only')),
    error: Type.Optional(Type.String({ description: 'failed and cancelled' })),
  },
  {
    description:
      'completed: {jobId,status,phone_number,completedAt,duration}; failed: {…,failedAt,error}; ' +
      'cancelled: {…,cancelledAt,error?}',
  },
);
export type RecentCall = Static<typeof RecentCall>;

const progressFields = {
  waiting: Type.Integer(),
  active: Type.Integer(),
  completed: Type.Integer(),
  failed: Type.Integer(),
  cancelled: Type.Integer({ description: 'ext' }),
  total: Type.Integer(),
  startTime: Type.Optional(epochMs('first dial; absent before it')),
  lastCompletedTime: Type.Optional(epochMs('latest terminal job; absent before the first')),
  completedTime: Type.Union([epochMs('when the batch became complete'), Type.Null()]),
  averageCallDuration: Type.Number({
    description: 'mean duration of completed jobs (s), 0 if none',
  }),
  recent_calls: Type.Array(RecentCall, { description: 'the 10 most recent terminal jobs' }),
};

export const BatchProgress = Type.Object(progressFields);
export type BatchProgress = Static<typeof BatchProgress>;

/** §2 `GET /batch-calls/{batchId}`. */
export const BatchStatusBody = Type.Object({
  id: Type.String(),
  status: BatchStatusValue,
  isComplete: Type.Boolean(),
  totalCalls: Type.Integer(),
  progress: BatchProgress,
  timestamp: epochMs('server time of this answer'),
  name: Type.Optional(Type.String({ description: 'ext' })),
  agentId: Type.String({ description: 'ext' }),
  createdAt: epochMs('ext'),
  scheduledAt: Type.Optional(epochMs('ext')),
  pausedAt: Type.Optional(epochMs('ext: while paused, since when')),
  pausedReason: Type.Optional(
    Type.String({
      description: 'ext: while paused, why ("paused by request", "workspace paused", …)',
    }),
  ),
});
export type BatchStatusBody = Static<typeof BatchStatusBody>;

/** §3 `GET /batch-calls/{batchId}/status`: the progress object flattened, with status. */
export const BatchProgressBody = Type.Object({
  status: BatchStatusValue,
  isComplete: Type.Boolean(),
  ...progressFields,
});
export type BatchProgressBody = Static<typeof BatchProgressBody>;
