import type { Queryable } from '../storage/db.js';
import { readExportPage } from '../storage/export-repo.js';
import { extraColumns, headerLine, resultLine } from './results-csv.js';

/** Rows per query: big enough to amortise the round trip, small enough to stay a few MB. */
export const EXPORT_PAGE_ROWS = 1000;

/**
 * The results CSV of a batch as text chunks (the header, then one chunk per page), produced on
 * demand: a consumer that stops pulling (a client gone) stops the queries, and at most the page
 * being read is in memory.
 */
export async function* resultsCsv(
  q: Queryable,
  batch: { id: string; columns: readonly string[] },
  pageRows: number = EXPORT_PAGE_ROWS,
): AsyncGenerator<string> {
  const extras = extraColumns(batch.columns);
  yield headerLine(extras);
  let after = -1;
  for (;;) {
    const page = await readExportPage(q, batch.id, after, pageRows);
    if (page.rows.length > 0) yield page.rows.map((r) => resultLine(r, extras)).join('');
    if (page.lastSeq === undefined || page.rows.length < pageRows) return;
    after = page.lastSeq;
  }
}
