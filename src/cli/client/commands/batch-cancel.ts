import type { CancelAnswer } from '../api-types.js';
import { batchCancelledView } from '../batch-view.js';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { batchesPath } from '../http-client.js';
import { jsonLine } from '../output.js';

/** `outdial batch cancel ID`: §6. Waiting calls are never dialed; calls in progress finish. */
export async function batchCancel({ client, out }: CommandContext, batchId: string) {
  const answer = await client.json<CancelAnswer>('DELETE', batchesPath(batchId));
  out.out(out.human ? batchCancelledView(answer.body) : jsonLine(answer.text));
  return EXIT.ok as ExitCode;
}
