import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { pauseBatch, resumeBatch } from '../../control/batch-control.js';
import { batchNotFound } from '../../domain/errors.js';
import { isStorableText } from '../../ingest/storable-text.js';
import type { Runtime } from '../../runtime.js';
import { BatchPausedBody, BatchResumedBody } from '../schemas/batch-control.js';
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
}
