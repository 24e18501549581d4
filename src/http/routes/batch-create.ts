import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { badRequest } from '../../domain/errors.js';
import { createBatchFromUpload } from '../../ingest/batch-creation.js';
import { readCsvUpload, type UploadPart } from '../../ingest/upload.js';
import type { Runtime } from '../../runtime.js';
import { ErrorBody } from '../schemas/error-bodies.js';

const RowIssueSchema = Type.Object({
  row: Type.Integer({ description: '1-based line number in the file' }),
  column: Type.Optional(Type.String()),
  value: Type.Optional(Type.String()),
  message: Type.String(),
});

const BatchCreatedBody = Type.Object({
  batchId: Type.String(),
  totalCalls: Type.Integer(),
  status: Type.Literal('queued'),
  message: Type.String(),
  scheduledAt: Type.Optional(Type.Integer({ description: 'ext: epoch ms' })),
  skippedRows: Type.Optional(
    Type.Array(RowIssueSchema, { description: 'ext: the first 100 rows left out' }),
  ),
  skippedCount: Type.Optional(Type.Integer({ description: 'ext: rows left out in all' })),
  warnings: Type.Optional(
    Type.Array(RowIssueSchema, { description: 'ext: the first 100 numbers likely to fail' }),
  ),
});

/**
 * A rejected upload may leave part of the request unread; without this the connection would
 * hold those bytes and a keep-alive client would wait on it.
 */
function abandonBody(req: FastifyRequest, reply: FastifyReply): void {
  if (req.raw.readableEnded) return;
  reply.header('connection', 'close');
  req.raw.resume();
}

/** §1 Start a batch: `POST /batch-calls` with a multipart CSV upload. */
export async function batchCreateRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;

  // Other bodies (text/csv, urlencoded, …) reach the handler, which answers in the contract's
  // shape instead of Fastify's 415. JSON keeps its parser: a `recipients` body will use it.
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  app.post(
    '/',
    {
      schema: {
        consumes: ['multipart/form-data'],
        response: { 200: BatchCreatedBody, 400: ErrorBody, 413: ErrorBody },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) {
        throw badRequest(
          'Expected multipart/form-data',
          'Upload the CSV as multipart/form-data with a "file" field and an "agentId" field',
        );
      }
      let upload: Awaited<ReturnType<typeof readCsvUpload>>;
      try {
        upload = await readCsvUpload(
          req.parts() as AsyncIterable<UploadPart>,
          rt.config.maxUploadBytes,
        );
      } catch (err) {
        abandonBody(req, reply);
        throw err;
      }
      return createBatchFromUpload(rt, req.workspaceId, upload);
    },
  );
}
