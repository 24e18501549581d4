import type { FastifyInstance } from 'fastify';
import { estimateBatchFromUpload } from '../../ingest/batch-estimate.js';
import type { Runtime } from '../../runtime.js';
import { EstimateBody } from '../schemas/batch-estimate.js';
import { ErrorBody } from '../schemas/error-bodies.js';
import { acceptAnyBody, readUploadRequest, uploadErrorHandler } from './batch-create.js';

/**
 * Ext: `POST /batch-calls/estimate`, the upload and options of §1 → how long that batch would
 * run. Registered as a static path, which the router always prefers to `/:batchId`.
 */
export async function batchEstimateRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  acceptAnyBody(app);
  app.post(
    '/estimate',
    {
      bodyLimit: rt.config.maxUploadBytes,
      errorHandler: uploadErrorHandler,
      schema: {
        consumes: ['multipart/form-data', 'application/json'],
        response: { 200: EstimateBody, 400: ErrorBody, 413: ErrorBody },
      },
    },
    async (req, reply) => {
      const { upload } = await readUploadRequest(req, reply, rt.config.maxUploadBytes);
      return estimateBatchFromUpload(rt, req.workspaceId, upload);
    },
  );
}
