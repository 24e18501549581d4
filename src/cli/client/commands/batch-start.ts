// `outdial batch start contacts.csv --agent ID`: upload the file as §1 takes it, then print what
// was created, or follow the batch to its end.
import type { BatchCreatedAnswer } from '../api-types.js';
import { batchCreatedView } from '../batch-view.js';
import { UsageError } from '../client-error.js';
import { columnMapField } from '../column-map-flag.js';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { followBatch } from '../follow.js';
import { batchesPath } from '../http-client.js';
import { jsonLine } from '../output.js';
import { uploadForm } from '../upload-form.js';

export interface StartOptions {
  agent: string;
  name?: string;
  schedule?: string;
  skipInvalidRows?: boolean;
  defaultCountry?: string;
  columnMap?: string;
  maxConcurrency?: number;
  callingWindow?: string;
  smartCallback?: string;
  strictVariables?: boolean;
  idempotencyKey?: string;
  follow?: boolean;
}

/** A header value as HTTP carries it: visible ASCII and inner spaces. */
const HEADER_TEXT = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function idempotencyHeader(key: string | undefined): Record<string, string> {
  if (key === undefined) return {};
  if (!HEADER_TEXT.test(key)) {
    throw new UsageError(
      '--idempotency-key must be printable ASCII without leading or trailing spaces',
    );
  }
  return { 'idempotency-key': key };
}

export async function batchStart(
  { client, out }: CommandContext,
  file: string,
  o: StartOptions,
): Promise<ExitCode> {
  const headers = idempotencyHeader(o.idempotencyKey);
  const form = await uploadForm(file, {
    agentId: o.agent,
    name: o.name,
    scheduledAt: o.schedule,
    skipInvalidRows: o.skipInvalidRows ? 'true' : undefined,
    defaultCountry: o.defaultCountry,
    columnMap: o.columnMap === undefined ? undefined : columnMapField(o.columnMap),
    maxConcurrency: o.maxConcurrency?.toString(),
    callingWindow: o.callingWindow,
    smartCallbackConfig: o.smartCallback,
    strictVariables: o.strictVariables ? 'true' : undefined,
  });
  const answer = await client.json<BatchCreatedAnswer>('POST', batchesPath(), {
    body: form,
    headers,
    timeout: false,
  });
  const replayed = answer.headers.get('idempotent-replayed') === 'true';
  if (!o.follow) {
    out.out(
      out.human
        ? batchCreatedView(answer.body, { replayed, following: false })
        : jsonLine(answer.text),
    );
    return EXIT.ok;
  }
  if (!out.json) out.out(batchCreatedView(answer.body, { replayed, following: true }));
  return followBatch(client, answer.body.batchId, out);
}
