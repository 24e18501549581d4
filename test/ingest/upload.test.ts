import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { readCsvUpload, type UploadPart } from '../../src/ingest/upload.js';

const field = (fieldname: string, value: string): UploadPart => ({
  type: 'field',
  fieldname,
  value,
});
const file = (fieldname: string, content: string): UploadPart => ({
  type: 'file',
  fieldname,
  file: Readable.from([Buffer.from(content)]),
});

async function* parts(list: Array<UploadPart | Error>) {
  for (const p of list) {
    if (p instanceof Error) throw p;
    yield p;
  }
}

async function failure(list: Array<UploadPart | Error>) {
  try {
    await readCsvUpload(parts(list), 1024);
  } catch (err) {
    if (err instanceof AppError) return { status: err.statusCode, ...err.body };
    throw err;
  }
  throw new Error('expected a rejection');
}

const codeError = (code: string, statusCode: number, message = code) =>
  Object.assign(new Error(message), { code, statusCode });

describe('readCsvUpload', () => {
  it('reads the file wherever it is among the fields; other file parts are skipped', async () => {
    const up = await readCsvUpload(
      parts([
        field('agentId', 'agent_1'),
        file('attachment', 'not,a\ncsv'),
        file('file', 'phone_number,n\n+1,a\n'),
        field('defaultCountry', 'US'),
        field('agentId', 'agent_2'),
      ]),
      1024,
    );
    expect(up.fields).toEqual({ agentId: 'agent_2', defaultCountry: 'US' });
    expect(up.table?.header).toEqual(['phone_number', 'n']);
    expect(up.table?.rows).toEqual(['+1\u0000a']);
  });

  it('a columnMap sent before the file settles a header several delimiters could split', async () => {
    const csv = 'Name, First;Handy\nSmith, J;+4915112345678\n';
    const before = await readCsvUpload(
      parts([field('columnMap', '{"phone_number":"Handy"}'), file('file', csv)]),
      1024,
    );
    expect(before.table?.header).toEqual(['Name, First', 'Handy']);
    expect(
      await failure([file('file', csv), field('columnMap', '{"phone_number":"Handy"}')]),
    ).toMatchObject({
      status: 400,
      error: 'Ambiguous delimiter',
    });
  });

  it('no file part: no table (the caller answers "No file uploaded")', async () => {
    const up = await readCsvUpload(parts([field('file', 'phone_number\n+1\n')]), 1024);
    expect(up).toEqual({ fields: { file: 'phone_number\n+1\n' } });
  });

  it('maps multipart-layer errors to the contract’s flat bodies', async () => {
    expect(await failure([codeError('FST_REQ_FILE_TOO_LARGE', 413)])).toEqual({
      status: 413,
      error: 'File too large',
      message: 'The file is larger than the upload limit of 1024 bytes',
    });
    expect(await failure([codeError('FST_FILES_LIMIT', 413)])).toEqual({
      status: 400,
      error: 'Too many files',
      message: 'Upload exactly one file, in the "file" field',
    });
    expect(await failure([codeError('FST_FIELDS_LIMIT', 413)])).toEqual({
      status: 400,
      error: 'Too many fields',
      message: 'The form has more fields than this endpoint accepts',
    });
    expect(await failure([new Error('Unexpected end of form')])).toEqual({
      status: 400,
      error: 'Malformed multipart body',
      message: 'Unexpected end of form',
    });
  });

  it('a file flagged truncated by the multipart layer is a 413, not a CSV error', async () => {
    const cut = Object.assign(Readable.from([Buffer.from('phone_number,n\n+1,"unclos')]), {
      truncated: true,
    });
    expect(await failure([{ type: 'file', fieldname: 'file', file: cut }])).toEqual({
      status: 413,
      error: 'File too large',
      message: 'The file is larger than the upload limit of 1024 bytes',
    });
  });
});
