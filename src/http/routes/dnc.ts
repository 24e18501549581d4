import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { addToDnc, listDnc, readDncEntry, removeFromDnc } from '../../control/do-not-call.js';
import { badRequest } from '../../domain/errors.js';
import { dncNumbersFromJson, dncNumbersFromUpload } from '../../ingest/dnc-numbers.js';
import { readCsvUpload, type UploadPart } from '../../ingest/upload.js';
import type { Runtime } from '../../runtime.js';
import { CALLS_LIMIT_MAX } from '../schemas/batch-calls.js';
import {
  DncAddedBody,
  DncEntryBody,
  DncListBody,
  DncListQuery,
  DncNotListedBody,
  DncPhoneParams,
  DncRemovedBody,
} from '../schemas/dnc.js';
import { ErrorBody } from '../schemas/error-bodies.js';
import { checkPaging, paginate } from '../schemas/pagination.js';
import { abandonBody, acceptAnyBody, uploadErrorHandler } from './batch-create.js';

const PUNCTUATION = /[\s\-\u2010-\u2015\u2212.()]/g;

/** Ext §18: the do-not-call list (control/do-not-call.ts). */
export async function dncRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  acceptAnyBody(app);

  r.get(
    '/',
    { schema: { querystring: DncListQuery, response: { 200: DncListBody, 400: ErrorBody } } },
    async (req) => {
      const page = req.query.page ?? 1;
      const limit = req.query.limit ?? 50;
      checkPaging({ page, limit }, CALLS_LIMIT_MAX);
      let digits: string | undefined;
      if (req.query.phone !== undefined) {
        digits = req.query.phone.replace(PUNCTUATION, '').replace(/^(\+|00)/, '');
        if (!/^\d+$/.test(digits)) {
          throw badRequest(
            'Invalid phone',
            'phone must be digits, optionally with +, spaces, dashes, dots and parentheses',
          );
        }
      }
      const { entries, total } = await listDnc(rt, req.workspaceId, {
        ...(digits === undefined ? {} : { digits }),
        page,
        limit,
      });
      return { entries, pagination: paginate(page, limit, total) };
    },
  );

  r.post(
    '/',
    {
      bodyLimit: rt.config.maxUploadBytes,
      errorHandler: uploadErrorHandler,
      schema: {
        consumes: ['multipart/form-data', 'application/json'],
        response: { 200: DncAddedBody, 400: ErrorBody, 413: ErrorBody },
      },
    },
    async (req, reply) => {
      let list: ReturnType<typeof dncNumbersFromJson>;
      try {
        if (req.isMultipart()) {
          const upload = await readCsvUpload(
            req.parts() as AsyncIterable<UploadPart>,
            rt.config.maxUploadBytes,
          );
          list = dncNumbersFromUpload(upload);
        } else {
          const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          if (type !== 'application/json') {
            throw badRequest(
              'Expected JSON or multipart/form-data',
              'Send {"phoneNumbers":[…]} as JSON, or a CSV with a phone_number column as the multipart field "file"',
            );
          }
          list = dncNumbersFromJson(req.body);
        }
      } catch (err) {
        abandonBody(req, reply);
        throw err;
      }
      return addToDnc(rt, req.workspaceId, list);
    },
  );

  r.get(
    '/:phone',
    {
      schema: {
        params: DncPhoneParams,
        response: { 200: DncEntryBody, 400: ErrorBody, 404: DncNotListedBody },
      },
    },
    async (req) => readDncEntry(rt, req.workspaceId, req.params.phone),
  );

  r.delete(
    '/:phone',
    {
      schema: {
        params: DncPhoneParams,
        response: { 200: DncRemovedBody, 400: ErrorBody, 404: DncNotListedBody },
      },
    },
    async (req) => removeFromDnc(rt, req.workspaceId, req.params.phone),
  );
}
