import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { badRequest, batchNotFound, callNotFound } from '../../domain/errors.js';
import { isKnownCountry } from '../../domain/phone.js';
import { type PhoneSearch, parsePhoneSearch } from '../../domain/phone-search.js';
import type { Batch } from '../../domain/types.js';
import { isStorableText } from '../../ingest/storable-text.js';
import type { Runtime } from '../../runtime.js';
import { findWorkspaceBatch, recentTerminalCalls } from '../../storage/batch-read-repo.js';
import { listCallAttempts } from '../../storage/call-attempts-read-repo.js';
import { countCalls, listCallsPage } from '../../storage/calls-read-repo.js';
import { readProgress } from '../../storage/progress-repo.js';
import {
  presentBatchProgress,
  presentBatchStatus,
  RECENT_CALLS_LIMIT,
} from '../../storage/views/batch-view.js';
import {
  presentAttempt,
  presentCallDetail,
  presentCallItem,
} from '../../storage/views/call-view.js';
import { BatchColumnsCache } from '../batch-columns-cache.js';
import { CoalescedCallReads } from '../coalesced-call-reads.js';
import {
  CALLS_LIMIT_DEFAULT,
  CALLS_LIMIT_MAX,
  CALLS_PAGE_DEFAULT,
  CallDetailBody,
  CallParams,
  CallQuery,
  CallsListBody,
  CallsQuery,
} from '../schemas/batch-calls.js';
import { BatchParams, BatchProgressBody, BatchStatusBody } from '../schemas/batch-status.js';
import { BatchNotFoundBody, CallNotFoundBody, ErrorBody } from '../schemas/error-bodies.js';
import { checkPaging, paginate } from '../schemas/pagination.js';

/** §2–§5: reading a batch, its progress and its calls. Every lookup is scoped to the workspace. */
export async function batchReadRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const columnsCache = new BatchColumnsCache();
  const callReads = new CoalescedCallReads(rt.db);

  // An id PostgreSQL cannot even compare (ingest/storable-text.ts) names nothing.
  const loadBatch = async (workspaceId: string, batchId: string): Promise<Batch> => {
    const batch =
      isStorableText(batchId) && (await findWorkspaceBatch(rt.db, workspaceId, batchId));
    if (!batch) throw batchNotFound(batchId);
    return batch;
  };

  const loadProgress = (batch: Batch) =>
    Promise.all([
      readProgress(rt.db, batch.id),
      recentTerminalCalls(rt.db, batch.id, RECENT_CALLS_LIMIT),
    ]);

  r.get(
    '/:batchId',
    {
      schema: {
        params: BatchParams,
        response: { 200: BatchStatusBody, 400: ErrorBody, 404: BatchNotFoundBody },
      },
    },
    async (req) => {
      const batch = await loadBatch(req.workspaceId, req.params.batchId);
      const [progress, recent] = await loadProgress(batch);
      return presentBatchStatus(batch, progress, recent, rt.clock.now());
    },
  );

  r.get(
    '/:batchId/status',
    {
      schema: {
        params: BatchParams,
        response: { 200: BatchProgressBody, 400: ErrorBody, 404: BatchNotFoundBody },
      },
    },
    async (req) => {
      const batch = await loadBatch(req.workspaceId, req.params.batchId);
      const [progress, recent] = await loadProgress(batch);
      return presentBatchProgress(batch, progress, recent);
    },
  );

  r.get(
    '/:batchId/calls',
    {
      schema: {
        params: BatchParams,
        querystring: CallsQuery,
        response: { 200: CallsListBody, 400: ErrorBody, 404: BatchNotFoundBody },
      },
    },
    async (req) => {
      const page = req.query.page ?? CALLS_PAGE_DEFAULT;
      const limit = req.query.limit ?? CALLS_LIMIT_DEFAULT;
      checkPaging({ page, limit }, CALLS_LIMIT_MAX);
      const status = req.query.status ?? 'all';
      const batch = await loadBatch(req.workspaceId, req.params.batchId);
      const phone = req.query.phone === undefined ? undefined : phoneSearch(batch, req.query.phone);
      const filter = {
        ...(status === 'all' ? {} : { state: status }),
        ...(phone === undefined ? {} : { phone }),
      };
      const progress = await readProgress(rt.db, batch.id);
      // The counters give an unsearched total in O(1); a search counts its matches.
      const total =
        phone !== undefined
          ? await countCalls(rt.db, batch.id, filter)
          : status === 'all'
            ? batch.totalCalls
            : progress[status];
      const offset = (page - 1) * limit;
      const rows =
        offset < total ? await listCallsPage(rt.db, batch.id, { ...filter, limit, offset }) : [];
      return {
        calls: rows.map((c) => presentCallItem(c, batch.columns)),
        pagination: paginate(page, limit, total),
        summary: {
          total: batch.totalCalls,
          waiting: progress.waiting,
          active: progress.active,
          completed: progress.completed,
          failed: progress.failed,
          cancelled: progress.cancelled,
        },
      };
    },
  );

  r.get(
    '/:batchId/calls/:jobId',
    {
      schema: {
        params: CallParams,
        querystring: CallQuery,
        response: { 200: CallDetailBody, 400: ErrorBody, 404: CallNotFoundBody },
      },
    },
    async (req) => {
      const { batchId, jobId } = req.params;
      if (!isStorableText(batchId) || !isStorableText(jobId)) throw callNotFound();
      // Both lookups at once: the call row and (usually cached) the batch's columns.
      const [call, columns] = await Promise.all([
        callReads.find({ workspaceId: req.workspaceId, batchId, callId: jobId }),
        columnsCache.get(rt.db, req.workspaceId, batchId),
      ]);
      if (!call || !columns) throw callNotFound();
      const detail = presentCallDetail(call, columns, rt.clock.now());
      if (req.query.include !== 'attempts') return detail;
      const attempts = await listCallAttempts(rt.db, call.id);
      return { ...detail, attemptHistory: attempts.map(presentAttempt) };
    },
  );
}

/** The `phone` filter read against the batch's defaultCountry, or a 400 saying what is wrong. */
function phoneSearch(batch: Batch, raw: string): PhoneSearch {
  const country = batch.config.defaultCountry?.toUpperCase();
  const parsed = parsePhoneSearch(
    raw,
    country !== undefined && isKnownCountry(country) ? country : undefined,
  );
  if (!parsed.ok) throw badRequest('Bad Request', parsed.message, { code: 'invalid_request' });
  return parsed.search;
}
