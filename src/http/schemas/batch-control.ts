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
