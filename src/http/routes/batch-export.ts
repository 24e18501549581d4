import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { batchNotFound } from '../../domain/errors.js';
import { resultsCsv } from '../../export/results-stream.js';
import { isStorableText } from '../../ingest/storable-text.js';
import type { Runtime } from '../../runtime.js';
import { findWorkspaceBatch } from '../../storage/batch-read-repo.js';
import { BatchParams } from '../schemas/batch-status.js';
import { BatchNotFoundBody } from '../schemas/error-bodies.js';

const CSV_TYPE = 'text/csv; charset=utf-8';

/**
 * §9: the results CSV, streamed. The body is pulled page by page as the client reads (backpressure
 * through the socket); a client that goes away destroys the stream, which ends the generator after
 * the page query in flight, so nothing keeps running for nobody.
 */
export async function batchExportRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  // Not through the TypeBox provider: the 200 body is a stream, which its reply type cannot say.
  app.get<{ Params: { batchId: string } }>(
    '/:batchId/export-results',
    {
      schema: {
        params: BatchParams,
        response: {
          200: {
            description:
              'job_id,phone_number,status,attempts,start_time,end_time,duration,outcome,error,' +
              'transcript, then the batch’s original CSV columns; one row per job in CSV order',
            content: { 'text/csv': { schema: Type.String() } },
          },
          404: BatchNotFoundBody,
        },
      },
    },
    async (req, reply) => {
      const { batchId } = req.params;
      // An id PostgreSQL cannot even compare (ingest/storable-text.ts) names no batch.
      const batch =
        isStorableText(batchId) && (await findWorkspaceBatch(rt.db, req.workspaceId, batchId));
      if (!batch) throw batchNotFound(batchId);
      // Not objectMode: the stream buffers up to highWaterMark bytes, i.e. about one page.
      const body = Readable.from(resultsCsv(rt.db, batch), { objectMode: false });
      body.on('error', (err) => req.log.warn({ err, batchId: batch.id }, 'results export ended'));
      return reply
        .header('content-type', CSV_TYPE)
        .header('content-disposition', `attachment; filename="${batch.id}-results.csv"`)
        .send(body);
    },
  );
}
