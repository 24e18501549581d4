import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { cancelBatch, cancelCall, cancelPhone } from '../../cancel/cancellation.js';
import { batchNotFound, callNotFound } from '../../domain/errors.js';
import { isStorableText } from '../../ingest/storable-text.js';
import type { Runtime } from '../../runtime.js';
import { BatchParams } from '../schemas/batch-status.js';
import {
  BatchCancelledBody,
  CallCancelledBody,
  CancelCallParams,
  CancelContactParams,
  ContactCancelledBody,
  ContactNotFoundBody,
} from '../schemas/cancel.js';
import { BatchNotFoundBody, CallNotFoundBody, ErrorBody } from '../schemas/error-bodies.js';

/**
 * §6–§8: cancels. Every lookup is scoped to the workspace; see cancel/cancellation.ts. An id
 * PostgreSQL cannot even compare (ingest/storable-text.ts) names nothing: 404 without a query.
 */
export async function batchCancelRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.delete(
    '/:batchId',
    {
      schema: {
        params: BatchParams,
        response: { 200: BatchCancelledBody, 404: BatchNotFoundBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const { batchId } = req.params;
      if (!isStorableText(batchId)) throw batchNotFound(batchId);
      return cancelBatch(rt, req.workspaceId, batchId);
    },
  );

  r.delete(
    '/:batchId/calls/:jobId',
    {
      schema: {
        params: CancelCallParams,
        response: { 200: CallCancelledBody, 404: CallNotFoundBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const { batchId, jobId } = req.params;
      if (!isStorableText(batchId) || !isStorableText(jobId)) throw callNotFound();
      return cancelCall(rt, req.workspaceId, batchId, jobId);
    },
  );

  r.delete(
    '/:batchId/contacts/:phone',
    {
      schema: {
        params: CancelContactParams,
        response: {
          200: ContactCancelledBody,
          400: ErrorBody,
          404: Type.Union([BatchNotFoundBody, ContactNotFoundBody]),
          409: ErrorBody,
        },
      },
    },
    async (req) => {
      const { batchId, phone } = req.params;
      // The number is normalised before it is looked up, so only the batch id needs this.
      if (!isStorableText(batchId)) throw batchNotFound(batchId);
      return cancelPhone(rt, req.workspaceId, batchId, phone);
    },
  );
}
