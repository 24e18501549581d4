import { type Static, Type } from 'typebox';
import { CALL_STATES, OUTCOMES } from '../../domain/types.js';
import { CallStateValue } from './batch-status.js';
import { PAGE_MAX, Pagination } from './pagination.js';
import { stringEnum } from './string-enum.js';

// §4 and §5 of the contract. Fields that do not apply to a call's state are absent, never null.

export const CALL_STATUS_FILTERS = ['all', ...CALL_STATES] as const;
export type CallStatusFilter = (typeof CALL_STATUS_FILTERS)[number];

export const CALLS_PAGE_DEFAULT = 1;
export const CALLS_LIMIT_DEFAULT = 20;
export const CALLS_LIMIT_MAX = 100;

export const CallsQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_MAX, default: CALLS_PAGE_DEFAULT })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: CALLS_LIMIT_MAX, default: CALLS_LIMIT_DEFAULT }),
  ),
  status: Type.Optional(stringEnum(CALL_STATUS_FILTERS, { default: 'all' })),
});

export const CallParams = Type.Object({ batchId: Type.String(), jobId: Type.String() });

/** The CSV row's variables: every column but phone_number, in file order. */
const Metadata = Type.Record(Type.String(), Type.String());

const epochMs = (description: string) => Type.Integer({ description: `${description} (epoch ms)` });

const callFields = {
  jobId: Type.String(),
  status: CallStateValue,
  phone_number: Type.String({ description: 'E.164' }),
  startTime: Type.Optional(epochMs('first attempt start; absent before it')),
  endTime: Type.Optional(epochMs('completed, failed, or cancelled after a start')),
  duration: Type.Optional(Type.Number({ description: 'completed only: talk time (s)' })),
  error: Type.Optional(Type.String({ description: 'failed and cancelled' })),
};

const attempts = Type.Integer({ description: 'ext: attempts made so far' });

/** One item of §4's `calls`. */
export const CallListItem = Type.Object({ ...callFields, metadata: Metadata, attempts });
export type CallListItem = Static<typeof CallListItem>;

export const CallsListBody = Type.Object({
  calls: Type.Array(CallListItem),
  pagination: Pagination('calls matching the status filter'),
  summary: Type.Object({
    total: Type.Integer(),
    waiting: Type.Integer(),
    active: Type.Integer(),
    completed: Type.Integer(),
    failed: Type.Integer(),
    cancelled: Type.Integer(),
  }),
});
export type CallsListBody = Static<typeof CallsListBody>;

export const CallResult = Type.Object({
  callId: Type.String({ description: 'the completing attempt (att_…)' }),
  transcript: Type.String({ description: 'one line per turn: "Agent: …" / "Customer: …"' }),
  outcome: stringEnum(OUTCOMES),
  metadata: Metadata,
});

/** §5 `GET /batch-calls/{batchId}/calls/{jobId}`. */
export const CallDetailBody = Type.Object({
  ...callFields,
  result: Type.Optional(CallResult),
  attempts,
  nextAttemptAt: Type.Optional(epochMs('ext: waiting with a retry scheduled')),
});
export type CallDetailBody = Static<typeof CallDetailBody>;
