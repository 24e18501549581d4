// Domain errors carry the HTTP status and flat body the contract documents, so the one error
// handler can render them without knowing each case.

export type ErrorBody = Record<string, unknown> & { error: unknown };

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.error === 'string' ? body.error : `HTTP ${statusCode}`);
  }
}

export const badRequest = (error: string, message?: string, extra: Record<string, unknown> = {}) =>
  new AppError(400, { error, ...(message === undefined ? {} : { message }), ...extra });

export const unauthorized = (message: string) =>
  new AppError(401, { error: 'Unauthorized', message });

export const forbidden = (message: string) => new AppError(403, { error: 'Forbidden', message });

export const notFound = (body: ErrorBody) => new AppError(404, body);

export const conflict = (error: string, message?: string) =>
  new AppError(409, { error, ...(message === undefined ? {} : { message }) });

/** §2–§9: an unknown batch, or one of another workspace. */
export const batchNotFound = (id: string) =>
  notFound({ error: 'Batch not found', message: `No batch with id ${id}`, id });

/** §5, §7: an unknown job, or one of another batch or workspace. */
export const callNotFound = () => notFound({ status: 'not_found', error: 'Call not found' });

export const payloadTooLarge = (message: string) =>
  new AppError(413, { error: 'File too large', message });

/** Not enough disk space to store the request (507): nothing of it was stored. */
export const insufficientStorage = (message: string) =>
  new AppError(507, { error: 'Insufficient storage', message });
