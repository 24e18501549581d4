import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { batchNotFound } from '../../domain/errors.js';
import { isStorableText } from '../../ingest/storable-text.js';
import type { Runtime } from '../../runtime.js';
import { countFinishedCalls, terminalSpan } from '../../storage/batch-activity-repo.js';
import { findWorkspaceBatch } from '../../storage/batch-read-repo.js';
import { bucketSize, presentActivity } from '../presenters/batch-activity.js';
import { BatchActivityBody } from '../schemas/batch-activity.js';
import { BatchParams } from '../schemas/batch-status.js';
import { BatchNotFoundBody, ErrorBody } from '../schemas/error-bodies.js';

/**
 * ext: a batch's finished calls by outcome, failure reason and time, for the dashboard's charts
 * (the contract's progress counts states only). Two reads of the batch's finished calls.
 */
export async function batchActivityRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/:batchId/activity',
    {
      schema: {
        params: BatchParams,
        response: { 200: BatchActivityBody, 400: ErrorBody, 404: BatchNotFoundBody },
      },
    },
    async (req) => {
      const { batchId } = req.params;
      const batch =
        isStorableText(batchId) && (await findWorkspaceBatch(rt.db, req.workspaceId, batchId));
      if (!batch) throw batchNotFound(batchId);
      const span = await terminalSpan(rt.db, batch.id);
      if (!span) return presentActivity(batch.id, undefined, []);
      // From the first dial; a batch cancelled before any dial starts at its first end.
      const from = Math.min(batch.startTime ?? span.first, span.first);
      const bucketMs = bucketSize(span.last - from);
      const buckets = Math.floor((span.last - from) / bucketMs) + 1;
      const counts = await countFinishedCalls(rt.db, batch.id, from, bucketMs);
      return presentActivity(batch.id, { from, bucketMs, buckets }, counts);
    },
  );
}
