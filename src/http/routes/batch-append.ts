import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { batchNotFound } from '../../domain/errors.js';
import { appendRecipients, appendRecipientsIdempotently } from '../../ingest/batch-append.js';
import { isStorableText } from '../../ingest/storable-text.js';
import type { Runtime } from '../../runtime.js';
import { findWorkspaceBatch } from '../../storage/batch-read-repo.js';
import { RowIssue } from '../schemas/csv-tools.js';
import { BatchNotFoundBody, ErrorBody } from '../schemas/error-bodies.js';
import {
  abandonBody,
  acceptAnyBody,
  idempotencyKeyBeforeBody,
  readUploadRequest,
  uploadErrorHandler,
} from './batch-create.js';

const RecipientsAppendedBody = Type.Object({
  batchId: Type.String(),
  addedCalls: Type.Integer(),
  totalCalls: Type.Integer({ description: 'the batch’s calls after the append' }),
  skippedRows: Type.Optional(
    Type.Array(RowIssue, {
      description:
        'the first 100 rows left out: invalid (with skipInvalidRows=true), or a number already in the batch',
    }),
  ),
  skippedCount: Type.Optional(Type.Integer()),
  suppressedRows: Type.Optional(
    Type.Array(
      Type.Object({ row: Type.Integer(), phone_number: Type.String(), reason: Type.String() }),
      { description: 'rows whose number is on the do-not-call list' },
    ),
  ),
  suppressedCount: Type.Optional(Type.Integer()),
});

/** Ext §17 append: `POST /batch-calls/{batchId}/recipients`, a CSV or JSON `recipients` as in §1. */
export async function batchAppendRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  acceptAnyBody(app);
  app.post<{ Params: { batchId: string } }>(
    '/:batchId/recipients',
    {
      bodyLimit: rt.config.maxUploadBytes,
      errorHandler: uploadErrorHandler,
      schema: {
        params: Type.Object({ batchId: Type.String() }),
        consumes: ['multipart/form-data', 'application/json'],
        response: {
          200: RecipientsAppendedBody,
          400: ErrorBody,
          404: BatchNotFoundBody,
          409: ErrorBody,
          413: ErrorBody,
          507: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const { batchId } = req.params;
      // An unknown batch is a 404 whatever the body is (read only for a batch that exists).
      if (
        !isStorableText(batchId) ||
        !(await findWorkspaceBatch(rt.db, req.workspaceId, batchId))
      ) {
        abandonBody(req, reply);
        throw batchNotFound(batchId);
      }
      const key = idempotencyKeyBeforeBody(req, reply);
      const max = rt.config.maxUploadBytes;
      const { upload, identity } = await readUploadRequest(req, reply, max, key !== undefined);
      if (key === undefined) return appendRecipients(rt, req.workspaceId, batchId, upload);
      const out = await appendRecipientsIdempotently(rt, req.workspaceId, batchId, upload, {
        key,
        requestHash: identity!,
      });
      if (out.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(out.statusCode as 200).send(out.body);
    },
  );
}
