import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { badRequest } from '../../domain/errors.js';
import { createBatchFromUpload, createBatchIdempotently } from '../../ingest/batch-creation.js';
import { recipientsIdentity, recipientsUpload } from '../../ingest/recipients.js';
import {
  type CsvUpload,
  readCsvUpload,
  type UploadPart,
  uploadIdentity,
} from '../../ingest/upload.js';
import type { Runtime } from '../../runtime.js';
import { errorHandler } from '../error-handler.js';
import { RowIssue } from '../schemas/csv-tools.js';
import { ErrorBody } from '../schemas/error-bodies.js';

const BatchCreatedBody = Type.Object({
  batchId: Type.String(),
  totalCalls: Type.Integer(),
  status: Type.Literal('queued'),
  message: Type.String(),
  scheduledAt: Type.Optional(Type.Integer({ description: 'ext: epoch ms' })),
  skippedRows: Type.Optional(
    Type.Array(RowIssue, { description: 'ext: the first 100 rows left out' }),
  ),
  skippedCount: Type.Optional(Type.Integer({ description: 'ext: rows left out in all' })),
  warnings: Type.Optional(
    Type.Array(RowIssue, {
      description:
        "ext: the first 100 warnings: numbers likely to fail, numbers read with a dropped +, the agent's " +
        'variables no column provides (row 1) and empty cells of those it does',
    }),
  ),
  suppressedRows: Type.Optional(
    Type.Array(
      Type.Object({
        row: Type.Integer(),
        phone_number: Type.String(),
        reason: Type.Literal('On the do-not-call list'),
      }),
      {
        description:
          'ext: the first 100 rows not created because their number is on the do-not-call list ' +
          '(totalCalls counts only the calls created)',
      },
    ),
  ),
  suppressedCount: Type.Optional(
    Type.Integer({ description: 'ext: rows not created for the do-not-call list, in all' }),
  ),
});

/**
 * A rejected upload may leave part of the request unread; without this the connection would
 * hold those bytes and a keep-alive client would wait on it.
 */
export function abandonBody(req: FastifyRequest, reply: FastifyReply): void {
  if (req.raw.readableEnded) return;
  reply.header('connection', 'close');
  req.raw.resume();
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** The Idempotency-Key header (ext), if sent; 1–255 characters. */
export function idempotencyKey(req: FastifyRequest): string | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw.join(', ') : raw;
  if (key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw badRequest(
      'Invalid Idempotency-Key',
      `The Idempotency-Key header must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} characters long`,
    );
  }
  return key;
}

/** idempotencyKey, refusing a bad header before the body is read (which is then abandoned). */
export function idempotencyKeyBeforeBody(
  req: FastifyRequest,
  reply: FastifyReply,
): string | undefined {
  try {
    return idempotencyKey(req);
  } catch (err) {
    abandonBody(req, reply);
    throw err;
  }
}

const isJson = (req: FastifyRequest) =>
  (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';

const expectedMultipart = () =>
  badRequest(
    'Expected multipart/form-data',
    'Upload the CSV as multipart/form-data with a "file" field and an "agentId" field',
  );

export interface UploadRequest {
  upload: CsvUpload;
  /** SHA-256 of everything the request sent; only when `identify` was asked for. */
  identity?: string;
}

/**
 * The contacts of a §1 / §11 / §12 request: a multipart upload (streamed, its file hashed on the
 * way when `identify`), or a JSON body with `recipients` (ext). Any other body is a 400. On error
 * the rest of the body is abandoned.
 */
export async function readUploadRequest(
  req: FastifyRequest,
  reply: FastifyReply,
  maxBytes: number,
  identify = false,
): Promise<UploadRequest> {
  try {
    if (req.isMultipart()) {
      const parts = req.parts() as AsyncIterable<UploadPart>;
      const upload = await readCsvUpload(parts, maxBytes, { hashFile: identify });
      return identify ? { upload, identity: uploadIdentity(upload) } : { upload };
    }
    if (isJson(req)) {
      const upload = recipientsUpload(req.body);
      return identify ? { upload, identity: recipientsIdentity(req.body) } : { upload };
    }
    throw expectedMultipart();
  } catch (err) {
    abandonBody(req, reply);
    throw err;
  }
}

/** Other bodies (text/csv, urlencoded, …) reach the handler, which answers in the contract's
 * shape instead of Fastify's 415. JSON keeps its parser, for `recipients` bodies. */
export function acceptAnyBody(app: FastifyInstance): void {
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
}

/**
 * The upload routes' error handler. A Content-Type that is not a media type at all ("json", ";")
 * fails before any parser, even the catch-all above, with Fastify's 415; it gets §1's 400 like
 * every other body that is not multipart or JSON. Everything else goes to the app's handler.
 */
export function uploadErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err.code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return errorHandler(err, req, reply);
  abandonBody(req, reply);
  return errorHandler(expectedMultipart(), req, reply);
}

/**
 * §1 Start a batch: `POST /batch-calls` with a multipart CSV upload, or (ext) a JSON body whose
 * `recipients` list stands for the CSV rows (see ingest/recipients.ts). Both go through the same
 * validation and storage; the optional Idempotency-Key header (ext) applies to both.
 */
export async function batchCreateRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  acceptAnyBody(app);

  app.post(
    '/',
    {
      // The JSON body carries up to 100,000 recipients; the app's 1 MB default is for the rest.
      // A multipart upload is streamed and held to the multipart file-size limit instead.
      bodyLimit: rt.config.maxUploadBytes,
      errorHandler: uploadErrorHandler,
      schema: {
        consumes: ['multipart/form-data', 'application/json'],
        response: {
          200: BatchCreatedBody,
          400: ErrorBody,
          409: ErrorBody,
          413: ErrorBody,
          507: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const key = idempotencyKeyBeforeBody(req, reply);
      const max = rt.config.maxUploadBytes;
      const { upload, identity } = await readUploadRequest(req, reply, max, key !== undefined);
      if (key === undefined) return createBatchFromUpload(rt, req.workspaceId, upload);

      const idem = { key, requestHash: identity! };
      const out = await createBatchIdempotently(rt, req.workspaceId, upload, idem);
      if (out.replayed) reply.header('idempotent-replayed', 'true');
      // Only 200s are remembered (see createBatchIdempotently): a status the schema lists.
      return reply.code(out.statusCode as 200).send(out.body);
    },
  );
}
