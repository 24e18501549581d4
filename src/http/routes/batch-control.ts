import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { pauseBatch, resumeBatch } from '../../control/batch-control.js';
import { RETRY_MAX_JOB_IDS, type RetryRequest, retryBatch } from '../../control/batch-retry.js';
import { badRequest, batchNotFound } from '../../domain/errors.js';
import { isStorableText } from '../../ingest/storable-text.js';
import type { Runtime } from '../../runtime.js';
import { BatchPausedBody, BatchResumedBody, BatchRetriedBody } from '../schemas/batch-control.js';
import { BatchParams } from '../schemas/batch-status.js';
import { BatchNotFoundBody, ErrorBody } from '../schemas/error-bodies.js';

/** Ext §17: pause and resume a batch (control/batch-control.ts). */
export async function batchControlRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/:batchId/pause',
    {
      schema: {
        params: BatchParams,
        response: { 200: BatchPausedBody, 404: BatchNotFoundBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const { batchId } = req.params;
      if (!isStorableText(batchId)) throw batchNotFound(batchId);
      return pauseBatch(rt, req.workspaceId, batchId);
    },
  );

  r.post(
    '/:batchId/resume',
    {
      schema: {
        params: BatchParams,
        response: { 200: BatchResumedBody, 404: BatchNotFoundBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const { batchId } = req.params;
      if (!isStorableText(batchId)) throw batchNotFound(batchId);
      return resumeBatch(rt, req.workspaceId, batchId);
    },
  );

  r.post(
    '/:batchId/retry',
    {
      schema: {
        params: BatchParams,
        // The body is optional (none: the default reasons), so it is checked here, not by a schema.
        consumes: ['application/json'],
        response: {
          200: BatchRetriedBody,
          400: ErrorBody,
          404: BatchNotFoundBody,
          409: ErrorBody,
          413: ErrorBody,
          415: ErrorBody,
        },
      },
    },
    async (req) => {
      const { batchId } = req.params;
      if (!isStorableText(batchId)) throw batchNotFound(batchId);
      return retryBatch(rt, req.workspaceId, batchId, retryRequestOf(req.body));
    },
  );
}

const isTextList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The retry body: absent or an object whose reasons and jobIds, when given, are lists of text. */
function retryRequestOf(body: unknown): RetryRequest {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(
      'Invalid body',
      'Send a JSON object with "reasons" and/or "jobIds", or no body',
    );
  }
  const { reasons, jobIds } = body as Record<string, unknown>;
  if (reasons !== undefined && !isTextList(reasons)) {
    throw badRequest('Invalid reasons', 'reasons must be a list of reason names');
  }
  if (jobIds !== undefined && (!isTextList(jobIds) || jobIds.length > RETRY_MAX_JOB_IDS)) {
    throw badRequest(
      'Invalid jobIds',
      `jobIds must be a list of at most ${RETRY_MAX_JOB_IDS} job ids`,
    );
  }
  // An id PostgreSQL cannot even compare is no job of the batch: 400 like any other.
  if (jobIds?.some((id) => !isStorableText(id))) {
    throw badRequest('Invalid jobIds', 'Not jobs of this batch: an id that is not text');
  }
  return {
    ...(reasons === undefined ? {} : { reasons }),
    ...(jobIds === undefined ? {} : { jobIds }),
  };
}
