import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import { activeCallCounts, listBatchesPage } from '../../storage/batch-list-repo.js';
import { isBatchComplete } from '../../storage/views/batch-view.js';
import {
  CALLS_LIMIT_DEFAULT,
  CALLS_LIMIT_MAX,
  CALLS_PAGE_DEFAULT,
} from '../schemas/batch-calls.js';
import { BatchListBody, BatchListQuery } from '../schemas/batch-list.js';
import { ErrorBody } from '../schemas/error-bodies.js';
import { checkPaging, paginate } from '../schemas/pagination.js';

/**
 * §13 (ext) `GET /batch-calls`: the workspace's batches, newest first. Two queries per page
 * whatever its size: the page itself, and the active counts of its cancelled batches (the only
 * ones whose isComplete depends on them).
 */
export async function batchListRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/',
    {
      // `/batch-calls/` is a batch id left empty (an unset shell variable), not this list.
      prefixTrailingSlash: 'no-slash',
      schema: { querystring: BatchListQuery, response: { 200: BatchListBody, 400: ErrorBody } },
    },
    async (req): Promise<BatchListBody> => {
      const page = req.query.page ?? CALLS_PAGE_DEFAULT;
      const limit = req.query.limit ?? CALLS_LIMIT_DEFAULT;
      checkPaging({ page, limit }, CALLS_LIMIT_MAX);
      const status = req.query.status === 'all' ? undefined : req.query.status;
      const { rows, total } = await listBatchesPage(rt.db, req.workspaceId, {
        ...(status === undefined ? {} : { status }),
        limit,
        offset: (page - 1) * limit,
      });
      const cancelled = rows.filter((b) => b.status === 'cancelled').map((b) => b.id);
      const active = await activeCallCounts(rt.db, cancelled);
      return {
        batches: rows.map((b) => ({
          id: b.id,
          ...(b.name === undefined ? {} : { name: b.name }),
          status: b.status,
          isComplete: isBatchComplete(b.status, active.get(b.id) ?? 0),
          totalCalls: b.totalCalls,
          createdAt: b.createdAt,
          ...(b.scheduledAt === undefined ? {} : { scheduledAt: b.scheduledAt }),
          agentId: b.agentId,
          ...(b.pausedReason === undefined ? {} : { pausedReason: b.pausedReason }),
        })),
        pagination: paginate(page, limit, total),
      };
    },
  );
}
