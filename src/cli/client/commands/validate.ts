// `outdial validate contacts.csv`: §11's row report, checked as `batch start` would check the file,
// with nothing stored.
import type { ValidateAnswer } from '../api-types.js';
import { columnMapField } from '../column-map-flag.js';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { batchesPath } from '../http-client.js';
import { jsonLine } from '../output.js';
import { validationReport } from '../row-issues-view.js';
import { uploadForm } from '../upload-form.js';

export interface ValidateOptions {
  agent?: string;
  defaultCountry?: string;
  columnMap?: string;
  strictVariables?: boolean;
}

/** Exit 0 when the file is valid (warnings allowed), 3 when rows have errors. */
export async function validateFile(
  { client, out }: CommandContext,
  file: string,
  o: ValidateOptions,
): Promise<ExitCode> {
  const form = await uploadForm(file, {
    agentId: o.agent,
    defaultCountry: o.defaultCountry,
    columnMap: o.columnMap === undefined ? undefined : columnMapField(o.columnMap),
    strictVariables: o.strictVariables ? 'true' : undefined,
  });
  const answer = await client.json<ValidateAnswer>('POST', `${batchesPath()}/validate`, {
    body: form,
    timeout: false,
  });
  out.out(out.human ? validationReport(file, answer.body) : jsonLine(answer.text));
  return answer.body.valid ? EXIT.ok : EXIT.someFailed;
}
