import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
};

/**
 * The one error handler: domain errors render their documented body; framework 4xx errors get
 * the flat `{error, message}` shape; anything else is a 500 whose details stay in the log.
 */
export function errorHandler(
  err: FastifyError | AppError,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  if (err instanceof AppError) {
    return reply.code(err.statusCode).headers(err.headers).send(err.body);
  }
  if (err.validation) {
    return reply
      .code(400)
      .send({ error: 'Bad Request', message: err.message, code: 'invalid_request' });
  }
  const status = err.statusCode ?? 500;
  if (status === 413) {
    return reply.code(413).send({ error: 'File too large', message: err.message });
  }
  if (status >= 400 && status < 500) {
    return reply
      .code(status)
      .send({ error: REASONS[status] ?? 'Bad Request', message: err.message });
  }
  req.log.error({ err }, 'unhandled error');
  return reply
    .code(500)
    .send({ error: 'Internal Server Error', message: 'An unexpected error occurred' });
}
