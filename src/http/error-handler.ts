import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import { DatabaseFailedError, isConnectionError, isDiskFull } from '../storage/db.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  411: 'Length Required',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  507: 'Insufficient Storage',
};

/** Seconds a client should wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_S = 5;

export const DATABASE_UNAVAILABLE_BODY = {
  error: 'Database unavailable',
  message: 'The database cannot be reached; retry shortly',
} as const;

/** PostgreSQL's disk_full on any statement: the same body as the upload pre-check's 507. */
export const DATABASE_DISK_FULL_BODY = {
  error: 'Insufficient storage',
  message:
    "The database server's disk is full: nothing of this request was stored. Retry once space " +
    'has been freed there',
} as const;

const FAILED_EMBEDDED: Record<DatabaseFailedError['failure']['reason'], string> = {
  disk_full: 'its disk is full',
  io_error: 'its disk failed',
  crashed: 'it crashed',
};

/** The 503 of a database that cannot serve now, saying why when that helps the client wait. */
function unavailableBody(err: unknown): { error: string; message: string } {
  if (err instanceof DatabaseFailedError) {
    return {
      error: DATABASE_UNAVAILABLE_BODY.error,
      message:
        `The embedded database stopped (${FAILED_EMBEDDED[err.failure.reason]}) and the server ` +
        'is stopping to be restarted: nothing of this request was stored. Retry once it is back',
    };
  }
  const code = (err as { code?: unknown }).code;
  if (code === '53200') {
    return {
      ...DATABASE_UNAVAILABLE_BODY,
      message: 'The database server is out of memory; retry shortly',
    };
  }
  if (typeof code === 'string' && code.startsWith('53')) {
    return {
      ...DATABASE_UNAVAILABLE_BODY,
      message: 'The database server is out of resources (connections, memory); retry shortly',
    };
  }
  return DATABASE_UNAVAILABLE_BODY;
}

export const INTERNAL_ERROR_BODY = {
  error: 'Internal Server Error',
  message: 'An unexpected error occurred',
} as const;

/** Upload routes (§1, §11, §12) take their JSON `recipients` body in place of the CSV file. */
export const isUploadRoute = (req: FastifyRequest) => {
  const consumes = (req.routeOptions.schema as { consumes?: unknown } | undefined)?.consumes;
  return Array.isArray(consumes) && consumes.includes('multipart/form-data');
};

/** Fastify's and its plugins' own 4xx errors, in the flat `{error, message, code?}` shape. */
function clientErrorBody(
  err: FastifyError,
  status: number,
  req: FastifyRequest,
): Record<string, string> {
  const message = err.message;
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: 'Unsupported Media Type', message, code: 'unsupported_media_type' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        error: isUploadRoute(req) ? 'File too large' : 'Payload Too Large',
        message: `The request body is larger than the limit of ${req.routeOptions.bodyLimit} bytes`,
        code: 'payload_too_large',
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { error: 'Bad Request', message: 'The body is not valid JSON', code: 'invalid_json' };
  }
  // Multipart size limits that did not go through the upload reader.
  if (status === 413) return { error: 'File too large', message };
  return { error: REASONS[status] ?? 'Bad Request', message };
}

/**
 * The one error handler: domain errors render their documented body; framework 4xx errors get the
 * flat `{error, message}` shape; a lost, overloaded or failed database is a 503 worth retrying, and
 * one whose disk is full a 507 (nothing was stored); anything else is a 500
 * whose details (stack, SQL, driver text) stay in the log.
 */
export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    reply.code(err.statusCode).headers(err.headers);
    // Pre-serialised when the body is not flat (the 429's nested `error`), so that a route's
    // response schema for a neighbouring status can never reshape it.
    return typeof err.body.error === 'string'
      ? reply.send(err.body)
      : reply.type('application/json; charset=utf-8').send(JSON.stringify(err.body));
  }
  if (isDiskFull(err)) {
    req.log.warn({ err }, 'database disk full');
    return reply.code(507).send(DATABASE_DISK_FULL_BODY);
  }
  if (isConnectionError(err)) {
    req.log.warn({ err }, 'database unavailable');
    return reply
      .code(503)
      .header('retry-after', String(DATABASE_RETRY_AFTER_S))
      .send(unavailableBody(err));
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as FastifyError;
  if (e.validation) {
    return reply
      .code(400)
      .send({ error: 'Bad Request', message: e.message, code: 'invalid_request' });
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500)
    return reply.code(status).send(clientErrorBody(e, status, req));
  req.log.error({ err }, 'unhandled error');
  if (status > 500 && status < 600 && REASONS[status]) {
    return reply.code(status).send({ ...INTERNAL_ERROR_BODY, error: REASONS[status] });
  }
  return reply.code(500).send(INTERNAL_ERROR_BODY);
}
