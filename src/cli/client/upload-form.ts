// The multipart body of an upload, as `curl -F field=value -F file=@contacts.csv` sends it: the
// fields first (a columnMap before the file lets the server settle an ambiguous header), then the
// file, read from disk while it is sent rather than loaded whole.
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './client-error.js';

export type UploadFields = Record<string, string | undefined>;

/** Checks the file can be sent: it exists and is a file. */
async function readableFile(file: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
  if (!info.isFile()) throw new UsageError(`cannot read ${file}: not a file`);
}

export async function uploadForm(file: string, fields: UploadFields): Promise<FormData> {
  await readableFile(file);
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) form.set(name, value);
  }
  // A Blob backed by the file: fetch streams it from disk and knows its length up front.
  form.set('file', await openAsBlob(file), path.basename(file));
  return form;
}
