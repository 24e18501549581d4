import { type Static, Type } from 'typebox';

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
