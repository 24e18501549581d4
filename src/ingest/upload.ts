// A multipart CSV upload (§1, and validate §11 / preview §12): the `file` part is streamed straight
// into the CSV reader while the request arrives; every other part is a text field. Fields may come
// before or after the file (curl -F keeps the user's order), so nothing here depends on a field:
// rows stay raw until all parts are read, and the phone column is decided afterwards
// (contact-columns.ts). The one exception helps, never hurts: a header that more than one
// delimiter could split is settled by a columnMap field that came before the file.
import { createHash, type Hash } from 'node:crypto';
import { pipeline, type Readable, Transform } from 'node:stream';
import { AppError, badRequest, payloadTooLarge } from '../domain/errors.js';
import { type CsvTable, readCsv } from './csv-reader.js';
import { isPhoneColumnName, PHONE_COLUMN } from './phone-column.js';

/** The part of @fastify/multipart's part objects this reader uses. */
export interface UploadPart {
  type: 'file' | 'field';
  fieldname: string;
  value?: unknown;
  file?: Readable & { truncated?: boolean };
}

export interface CsvUpload {
  /** Text fields by name (a repeated field keeps its last value). */
  fields: Record<string, unknown>;
  /** Absent when no `file` part was sent. */
  table?: CsvTable;
  /** SHA-256 (hex) of the file's bytes; only when asked for and a file was read. */
  fileSha256?: string;
}

export interface ReadUploadOptions {
  /** Hash the file's bytes as they stream by (the request identity of an Idempotency-Key). */
  hashFile?: boolean;
}

export const FILE_FIELD = 'file';

const megabytes = (bytes: number) =>
  bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;

function tooLarge(maxBytes: number): AppError {
  return payloadTooLarge(`The file is larger than the upload limit of ${megabytes(maxBytes)}`);
}

/** Errors of the multipart layer itself, in the contract's flat shape. */
function multipartError(err: unknown, maxBytes: number): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes);
  if (code === 'FST_FILES_LIMIT') {
    return badRequest('Too many files', `Upload exactly one file, in the "${FILE_FIELD}" field`);
  }
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') {
    return badRequest('Too many fields', 'The form has more fields than this endpoint accepts');
  }
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return err;
  return badRequest('Malformed multipart body', (err as Error).message ?? String(err));
}

/**
 * The file's bytes, unchanged, fed to `hash` on their way to the CSV reader. pipeline() ties the
 * two streams' errors together, so a size-limit abort of the file still reaches the reader and a
 * reader failure still stops the file.
 */
function hashedStream(file: Readable, hash: Hash): Readable {
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return pipeline(file, tap, () => {});
}

/** The phone column a columnMap field names, if one arrived and reads as JSON. */
function mappedPhone(fields: Record<string, unknown>): string | undefined {
  let map = fields['columnMap'];
  try {
    if (typeof map === 'string') map = JSON.parse(map);
  } catch {
    return undefined;
  }
  const phone = (map as Record<string, unknown> | null)?.[PHONE_COLUMN];
  return typeof phone === 'string' ? phone.trim() : undefined;
}

async function readFilePart(
  file: Readable & { truncated?: boolean },
  maxBytes: number,
  fields: Record<string, unknown>,
  hash?: Hash,
) {
  // busboy stops passing bytes at the limit and flags the stream; stop parsing there too, and
  // report the size rather than whatever the cut-off CSV looks like.
  const onLimit = () => file.destroy(tooLarge(maxBytes));
  if (file.truncated) throw tooLarge(maxBytes);
  file.once('limit', onLimit);
  try {
    const phone = mappedPhone(fields);
    const isPhoneColumn = (name: string) =>
      phone === undefined ? isPhoneColumnName(name) : name === phone;
    const table = await readCsv(hash ? hashedStream(file, hash) : file, { isPhoneColumn });
    if (file.truncated) throw tooLarge(maxBytes);
    return table;
  } catch (err) {
    if (file.truncated) throw tooLarge(maxBytes);
    throw multipartError(err, maxBytes);
  } finally {
    file.off('limit', onLimit);
  }
}

async function discard(file: Readable): Promise<void> {
  for await (const _ of file) {
    // An unread part would stall the multipart iterator.
  }
}

/**
 * Reads every part of the upload. Throws AppError for a malformed body or file (400) or a file
 * over `maxBytes` (413); the caller should then stop reading the request.
 */
export async function readCsvUpload(
  parts: AsyncIterable<UploadPart>,
  maxBytes: number,
  opts: ReadUploadOptions = {},
): Promise<CsvUpload> {
  const fields: Record<string, unknown> = {};
  let table: CsvTable | undefined;
  const hash = opts.hashFile ? createHash('sha256') : undefined;
  const it = parts[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<UploadPart>;
    try {
      next = await it.next();
    } catch (err) {
      throw multipartError(err, maxBytes);
    }
    if (next.done) break;
    const part = next.value;
    if (part.type === 'file' && part.file) {
      if (part.fieldname === FILE_FIELD && table === undefined) {
        table = await readFilePart(part.file, maxBytes, fields, hash);
      } else {
        await discard(part.file);
      }
    } else {
      fields[part.fieldname] = part.value;
    }
  }
  if (table === undefined) return { fields };
  return hash ? { fields, table, fileSha256: hash.digest('hex') } : { fields, table };
}

/**
 * The identity of a multipart request for Idempotency-Key: every text field (by name, so part
 * order does not matter) and the file's bytes. Needs `hashFile`. A multipart body's boundary is
 * random per send, so hashing the raw body would make every retry look like a new request.
 */
export function uploadIdentity(upload: CsvUpload): string {
  const fields = Object.keys(upload.fields)
    .sort()
    .map((k) => [k, upload.fields[k]]);
  return createHash('sha256')
    .update(`multipart\n${JSON.stringify(fields)}\n${upload.fileSha256 ?? '-'}`)
    .digest('hex');
}
