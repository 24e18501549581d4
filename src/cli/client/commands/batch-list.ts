import type { BatchListAnswer, CallsAnswer } from '../api-types.js';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { batchesPath } from '../http-client.js';
import { batchListView, callsView } from '../list-views.js';
import { jsonLine } from '../output.js';

export interface PageOptions {
  page?: number;
  limit?: number;
  status?: string;
}

/** Only the paging options go into the query (the others hold the key, which never goes in a URL). */
const pageQuery = (o: PageOptions) => ({ page: o.page, limit: o.limit, status: o.status });

/** `outdial batch list`: §13, newest first, a page at a time. */
export async function batchList({ client, out }: CommandContext, o: PageOptions) {
  const answer = await client.get<BatchListAnswer>(batchesPath(), pageQuery(o));
  out.out(out.human ? batchListView(answer.body, out.columns) : jsonLine(answer.text));
  return EXIT.ok as ExitCode;
}

/** `outdial batch calls ID`: §4, in CSV order, a page at a time. */
export async function batchCalls({ client, out }: CommandContext, batchId: string, o: PageOptions) {
  const answer = await client.get<CallsAnswer>(`${batchesPath(batchId)}/calls`, pageQuery(o));
  out.out(out.human ? callsView(answer.body, out.columns) : jsonLine(answer.text));
  return EXIT.ok as ExitCode;
}
