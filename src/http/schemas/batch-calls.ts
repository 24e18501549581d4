import { type Static, Type } from 'typebox';
import { PHONE_SEARCH_MAX_LENGTH } from '../../domain/phone-search.js';
import { CALL_STATES, RESULT_OUTCOMES } from '../../domain/types.js';
import { WAIT_REASONS } from '../../domain/wait-reason.js';
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
  phone: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: PHONE_SEARCH_MAX_LENGTH,
      description:
        'ext: only calls whose number contains these digits (punctuation and a leading + or 00 ' +
        "ignored), or is this number read as on upload with the batch's defaultCountry; " +
        'pagination.total counts the matches',
    }),
  ),
});

export const CALL_INCLUDES = ['attempts'] as const;

export const CallQuery = Type.Object({
  include: Type.Optional(
    stringEnum(CALL_INCLUDES, { description: 'ext: attempts adds attemptHistory' }),
  ),
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

/** §19 (ext): why a waiting job waits, and when it is next tried (absent while paused). */
const waitFields = {
  nextAttemptAt: Type.Optional(
    epochMs('ext: waiting only, first attempt included; absent while paused'),
  ),
  waitReason: Type.Optional(
    stringEnum(WAIT_REASONS, {
      description:
        'ext, waiting only: queued (due, waiting for capacity or pacing), calling_window, ' +
        'frequency_cap, retry, paused or scheduled',
    }),
  ),
};

/** One item of §4's `calls`. */
export const CallListItem = Type.Object({
  ...callFields,
  metadata: Metadata,
  attempts,
});
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
  outcome: stringEnum(RESULT_OUTCOMES, {
    description:
      'ext value `unknown`: an answered real call whose agent did not report within the grace ' +
      'period (its transcript is empty)',
  }),
  metadata: Metadata,
});

/** One telephony attempt of a call (ext, `?include=attempts`). */
export const AttemptItem = Type.Object({
  attemptId: Type.String({ description: 'att_…' }),
  attempt: Type.Integer({ minimum: 1, description: '1 for the first dial' }),
  startTime: epochMs('when its dial slot was granted'),
  answerTime: Type.Optional(epochMs('answered attempts only')),
  endTime: Type.Optional(epochMs('absent while it runs')),
  duration: Type.Optional(Type.Number({ description: 'start to end (s); absent while it runs' })),
  talkTime: Type.Optional(Type.Number({ description: 'answered attempts only: talk time (s)' })),
  reason: Type.Optional(
    Type.String({
      description:
        'why it ended: answered, busy, no_answer, voicemail, unreachable, carrier_blocked, ' +
        'provider_error, cancelled, agent_unreachable (answered, but the call never reached the ' +
        "user's agent), or unknown (its worker was lost); absent while it runs",
    }),
  ),
  outcome: Type.Optional(stringEnum(RESULT_OUTCOMES)),
  error: Type.Optional(Type.String({ description: "the provider's error, when it gave one" })),
  fromNumber: Type.Optional(
    Type.String({ description: 'the caller ID it went out from (real carriers)' }),
  ),
});
export type AttemptItem = Static<typeof AttemptItem>;

/** §5 `GET /batch-calls/{batchId}/calls/{jobId}`. */
export const CallDetailBody = Type.Object({
  ...callFields,
  result: Type.Optional(CallResult),
  attempts,
  ...waitFields,
  consent: Type.Optional(
    Type.Object(
      {
        source: Type.String({ description: "the row's consent_source" }),
        at: Type.Optional(
          Type.String({ description: "the row's consent_at as an ISO-8601 UTC instant" }),
        ),
      },
      { description: 'ext: the consent the row recorded; absent when none' },
    ),
  ),
  attemptHistory: Type.Optional(
    Type.Array(AttemptItem, {
      description: 'ext, only with ?include=attempts: every attempt, first to last',
    }),
  ),
});
export type CallDetailBody = Static<typeof CallDetailBody>;
