import { type Static, Type } from 'typebox';

// ext `GET /batch-calls/{batchId}/activity`: what the dashboard charts. Counts of the batch's
// finished calls by outcome, by failure reason, and by when they finished.

const Counts = (description: string) =>
  Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description });

export const ActivityBucket = Type.Object({
  start: Type.Integer({ description: 'start of the interval (epoch ms)' }),
  completed: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  cancelled: Type.Integer({ minimum: 0 }),
});

export const BatchActivityBody = Type.Object({
  batchId: Type.String(),
  outcomes: Counts(
    'completed calls by result.outcome: every outcome, 0 when none (unknown: ended without ' +
      "the agent's report)",
  ),
  failures: Counts(
    'failed calls by why their last attempt ended (busy, no_answer, unreachable, ' +
      'carrier_blocked, provider_error, unknown, …); only reasons that occurred',
  ),
  cancelled: Type.Integer({ minimum: 0, description: 'cancelled calls' }),
  from: Type.Optional(
    Type.Integer({
      description:
        'start of the first interval: the first dial (epoch ms); absent until a call ends',
    }),
  ),
  bucketMs: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'length of each interval (ms): a round step giving at most 60 intervals',
    }),
  ),
  buckets: Type.Array(ActivityBucket, {
    description: 'calls that ended in each interval, every interval from `from` to the last end',
  }),
});
export type BatchActivityBody = Static<typeof BatchActivityBody>;
