import { type Static, Type } from 'typebox';

// Ext §17 pause/resume of a batch and §19 "stop everything" of a workspace.

/** `POST /batch-calls/{batchId}/pause`. */
export const BatchPausedBody = Type.Object({
  batchId: Type.String(),
  status: Type.Literal('paused'),
  message: Type.String(),
});
export type BatchPausedBody = Static<typeof BatchPausedBody>;

/** `POST /batch-calls/{batchId}/resume`. */
export const BatchResumedBody = Type.Object({
  batchId: Type.String(),
  status: Type.Union([Type.Literal('processing'), Type.Literal('queued')], {
    description: 'queued: the batch has not started a call yet',
  }),
  message: Type.String(),
});
export type BatchResumedBody = Static<typeof BatchResumedBody>;

/** `POST /workspace/pause` and `/workspace/resume`. */
export const WorkspacePausedBody = Type.Object({
  paused: Type.Boolean({ description: 'whether the workspace is paused now' }),
});
export type WorkspacePausedBody = Static<typeof WorkspacePausedBody>;

/** `POST /batch-calls/{batchId}/retry` (JSON, everything optional). */
export const BatchRetryBody = Type.Object(
  {
    reasons: Type.Optional(
      Type.Array(Type.String({ maxLength: 40 }), {
        maxItems: 20,
        description:
          'last-attempt reasons to retry: busy, no_answer, voicemail (also completed jobs whose ' +
          'outcome was voicemail), provider_error, unreachable, carrier_blocked, unknown; ' +
          'default busy, no_answer, provider_error, unknown',
      }),
    ),
    jobIds: Type.Optional(
      Type.Array(Type.String({ maxLength: 200 }), {
        maxItems: 10_000,
        description: 'only these jobs of the batch (each must be one, else 400)',
      }),
    ),
  },
  { additionalProperties: true },
);

export const BatchRetriedBody = Type.Object({
  batchId: Type.String(),
  retriedCalls: Type.Integer({
    description: 'jobs back to waiting, each with a fresh attempt budget',
  }),
  status: Type.String({
    description: 'the batch status now (a completed batch reopens: processing)',
  }),
});
