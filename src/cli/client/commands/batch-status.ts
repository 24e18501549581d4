import type { BatchStatusAnswer } from '../api-types.js';
import { batchStatusView } from '../batch-view.js';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { followBatch } from '../follow.js';
import { batchesPath } from '../http-client.js';
import { jsonLine } from '../output.js';

/** `outdial batch status ID [--follow]`: §2's answer, or the batch followed to its end. */
export async function batchStatus(
  { client, out }: CommandContext,
  batchId: string,
  o: { follow?: boolean },
): Promise<ExitCode> {
  if (o.follow) return followBatch(client, batchId, out);
  const answer = await client.get<BatchStatusAnswer>(batchesPath(batchId));
  out.out(out.human ? batchStatusView(answer.body, out.columns) : jsonLine(answer.text));
  return EXIT.ok;
}
