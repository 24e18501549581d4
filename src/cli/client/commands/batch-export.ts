// `outdial batch export ID [-o file]`: §9's CSV streamed, byte for byte, to stdout or a file. A
// file appears only once the whole export has arrived: it is written beside the target under a
// temporary name and renamed at the end, so an export cut short leaves nothing half-written.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { networkCode } from '../api-failure.js';
import { ClientError } from '../client-error.js';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { batchesPath } from '../http-client.js';

/** Counts the bytes that pass. */
function byteCounter(): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

/** A file-system failure of the output file, or the server's stream breaking off. */
function writeFailure(err: unknown, target: string): ClientError {
  const fsError = err as NodeJS.ErrnoException;
  if (typeof fsError.code === 'string' && fsError.path !== undefined) {
    return new ClientError(`cannot write ${target}: ${fsError.code}`);
  }
  return new ClientError(
    `the export broke off before its end (${networkCode(err) ?? 'connection lost'}); ` +
      `nothing was written to ${target}`,
  );
}

export async function batchExport(
  { client, out }: CommandContext,
  batchId: string,
  o: { output?: string },
): Promise<ExitCode> {
  const res = await client.send('GET', `${batchesPath(batchId)}/export-results`, {
    headers: { accept: 'text/csv' },
    timeout: false,
  });
  const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  const counter = byteCounter();

  if (o.output === undefined || o.output === '-') {
    try {
      await pipeline(body, counter, process.stdout);
    } catch (err) {
      // The reader stopped early (`| head`): what it wanted, it got.
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') return EXIT.ok;
      throw writeFailure(err, 'stdout');
    }
    return EXIT.ok;
  }

  const target = path.resolve(o.output);
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.part`);
  try {
    await pipeline(body, counter, createWriteStream(partial, { flags: 'wx', mode: 0o644 }));
    await rename(partial, target);
  } catch (err) {
    await rm(partial, { force: true });
    throw writeFailure(err, o.output);
  }
  const written = { batchId, file: target, bytes: counter.bytes };
  out.out(
    out.human
      ? `Wrote ${counter.bytes} bytes of ${batchId}'s results to ${o.output}\n`
      : `${JSON.stringify(written)}\n`,
  );
  return EXIT.ok;
}
