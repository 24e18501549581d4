import { type Static, Type } from 'typebox';
import { badRequest } from '../../domain/errors.js';

/**
 * The largest page a list answers: far beyond any real list (a batch holds at most 100,000
 * calls), and it keeps `(page - 1) * limit` an exact integer that PostgreSQL takes as an OFFSET.
 */
export const PAGE_MAX = 10_000_000;

/**
 * Ajv lets "Infinity", "-Infinity" and "1e400" through an integer query parameter with bounds: it
 * coerces the string after its type check and skips range checks for non-finite numbers. Such a
 * page or limit is answered as the schema would have answered it (400), before any query.
 */
export function checkPaging(q: { page: number; limit: number }, limitMax: number): void {
  const invalid = (message: string) =>
    badRequest('Bad Request', message, { code: 'invalid_request' });
  if (!Number.isFinite(q.page) || q.page > PAGE_MAX) {
    throw invalid(`querystring/page must be <= ${PAGE_MAX}`);
  }
  if (!Number.isFinite(q.limit) || q.limit > limitMax) {
    throw invalid(`querystring/limit must be <= ${limitMax}`);
  }
}

/** The `pagination` object of the list endpoints (§4, §13). */
export const Pagination = (totalMeans: string) =>
  Type.Object({
    page: Type.Integer(),
    limit: Type.Integer(),
    total: Type.Integer({ description: totalMeans }),
    totalPages: Type.Integer(),
    hasNext: Type.Boolean(),
    hasPrev: Type.Boolean(),
  });
export type Pagination = Static<ReturnType<typeof Pagination>>;

export function paginate(page: number, limit: number, total: number): Pagination {
  const totalPages = Math.ceil(total / limit);
  return { page, limit, total, totalPages, hasNext: page < totalPages, hasPrev: page > 1 };
}
