import { describe, expect, it } from 'vitest';
import { describeEachDb } from '../support/databases.js';
import { createTestApp, multipart, seedTenant } from '../support/http.js';
import { useUploadSuite } from './upload-harness.js';

// §1 rejected uploads: the exact status and body, and nothing stored afterwards (no batch, no
// call, no progress row, no wake-up).

describeEachDb('POST /v1/api/batch-calls rejections (contract §1)', (backend) => {
  const s = useUploadSuite(backend);

  describe('rejects bad uploads with the exact body and stores nothing', () => {
    const cases: Array<
      [
        string,
        () => Record<string, string>,
        string | Buffer | undefined,
        number,
        Record<string, unknown>,
      ]
    > = [];
    const agent = () => ({ agentId: s.tenant.agentId });
    cases.push(
      ['empty file', agent, '', 400, { error: 'Empty CSV', message: 'The file has no header row' }],
      [
        'only blank lines',
        agent,
        '\n\r\n\n',
        400,
        { error: 'Empty CSV', message: 'The file has no header row' },
      ],
      [
        'header only',
        agent,
        'phone_number,first_name\n',
        400,
        { error: 'CSV has no data rows', message: 'The file has a header row but no contacts' },
      ],
      [
        'no phone column',
        agent,
        'name,Handy\n+15005550001,A\n',
        400,
        {
          error: 'Missing phone_number column',
          message:
            'The CSV header must have a "phone_number" column (found: name, Handy). Also accepted, in any ' +
            'case or punctuation: Phone Number, phone, Phone, mobile, Mobile Phone, telephone, ' +
            'contact_number, number; or name the phone column with columnMap, e.g. columnMap={"phone_number":"name"}',
        },
      ],
      [
        'several phone columns',
        agent,
        'Name;Phone;Mobile\nA;+15005550001;+15005550002\n',
        400,
        {
          error: 'Ambiguous phone column',
          message:
            'Several columns could hold the number to dial: "Phone", "Mobile". Name the one to dial ' +
            'with columnMap, e.g. columnMap={"phone_number":"Phone"}',
        },
      ],
      [
        'a columnMap naming a column the file does not have',
        () => ({ agentId: s.tenant.agentId, columnMap: '{"phone_number":"Mobile"}' }),
        'phone_number,name\n+15005550001,A\n',
        400,
        {
          error: 'Invalid columnMap',
          message:
            'columnMap maps "phone_number" to "Mobile", which is not a column of the file (columns: "phone_number", "name")',
        },
      ],
      [
        'a columnMap that is not JSON',
        () => ({ agentId: s.tenant.agentId, columnMap: 'phone_number=Mobile' }),
        'phone_number,name\n+15005550001,A\n',
        400,
        { error: 'Invalid columnMap', message: 'columnMap must be a JSON string' },
      ],
      [
        'strictVariables not a boolean',
        () => ({ agentId: s.tenant.agentId, strictVariables: 'yes' }),
        'phone_number\n+15005550001\n',
        400,
        { error: 'Invalid strictVariables', message: 'strictVariables must be "true" or "false"' },
      ],
      [
        'unclosed quote',
        agent,
        'phone_number,name\n+15005550001,A\n+15005550002,"B\nC\n',
        400,
        { error: 'Malformed CSV', message: 'Unclosed quote in the row starting at line 3' },
      ],
      [
        'UTF-8 mixed with Windows-1252',
        agent,
        Buffer.concat([
          Buffer.from('phone_number,name\n+15005550001,José\n+15005550002,Jos'),
          Buffer.from([0xe9]),
          Buffer.from('\n'),
        ]),
        400,
        {
          error: 'Invalid file encoding',
          message:
            'The file mixes UTF-8 with another encoding (such as Windows-1252): save it again as CSV UTF-8',
        },
      ],
      [
        'UTF-16 without its byte-order mark',
        agent,
        Buffer.from('phone_number\n+15005550001\n', 'utf16le'),
        400,
        {
          error: 'Invalid file encoding',
          message:
            'The file contains NUL bytes: it is not CSV text. Save it as CSV UTF-8 (or as UTF-16 "Unicode Text" with its byte-order mark)',
        },
      ],
      [
        'an old Excel workbook (.xls)',
        agent,
        Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]),
        400,
        { error: 'Unsupported file type', message: 'This is an Excel workbook: save it as CSV' },
      ],
      [
        'duplicate header names',
        agent,
        'phone_number,name, name\n+15005550001,A,B\n',
        400,
        {
          error: 'Duplicate column name',
          message: 'Column "name" appears twice in the header (columns 2 and 3)',
        },
      ],
      [
        'empty header name',
        agent,
        'phone_number,,x\n+15005550001,A,B\n',
        400,
        { error: 'Invalid CSV header', message: 'Column 2 of the header has no name' },
      ],
      [
        'more than 500 columns',
        agent,
        `phone_number,${Array.from({ length: 500 }, (_, i) => `c${i}`).join(',')}\n+15005550001${',x'.repeat(500)}\n`,
        400,
        {
          error: 'Too many columns',
          message: 'The header has 501 columns; at most 500 are allowed',
        },
      ],
      [
        'a cell over 64 KB',
        agent,
        `phone_number,note\n+15005550001,a\n+15005550002,"${'x'.repeat(64 * 1024 + 1)}"\n`,
        400,
        {
          error: 'Malformed CSV',
          message:
            'A field in the row starting at line 3 is longer than 65536 bytes (often an unbalanced quote that swallowed the following lines)',
        },
      ],
      [
        'no file part',
        agent,
        undefined,
        400,
        { error: 'No file uploaded', message: 'Send the CSV as the multipart field "file"' },
      ],
      [
        'no agentId',
        () => ({}),
        'phone_number\n+15005550001\n',
        400,
        { error: 'Missing agentId', message: 'The agentId field is required' },
      ],
      [
        'unknown agent',
        () => ({ agentId: 'agent_nope' }),
        'phone_number\n+15005550001\n',
        400,
        { error: 'Agent not found', message: 'No agent with id agent_nope in this workspace' },
      ],
      [
        'scheduledAt in the past',
        () => ({ agentId: s.tenant.agentId, scheduledAt: '2026-01-05T14:59:59Z' }),
        'phone_number\n+15005550001\n',
        400,
        {
          error: 'Invalid scheduledAt',
          message:
            'scheduledAt 2026-01-05T14:59:59Z is in the past (now is 2026-01-05T15:00:00.000Z)',
        },
      ],
      [
        'scheduledAt unparsable',
        () => ({ agentId: s.tenant.agentId, scheduledAt: 'tomorrow' }),
        'phone_number\n+15005550001\n',
        400,
        {
          error: 'Invalid scheduledAt',
          message:
            'scheduledAt must be an ISO-8601 date-time in UTC, e.g. 2026-01-05T09:00:00Z; got "tomorrow"',
        },
      ],
      [
        'smartCallbackConfig not JSON',
        () => ({ agentId: s.tenant.agentId, smartCallbackConfig: '{enabled:true' }),
        'phone_number\n+15005550001\n',
        400,
        {
          error: 'Invalid smartCallbackConfig',
          message: 'smartCallbackConfig must be a JSON string',
        },
      ],
      [
        'smartCallbackConfig out of range',
        () => ({
          agentId: s.tenant.agentId,
          smartCallbackConfig: '{"enabled":true,"maxAttempts":11,"gaps":[]}',
        }),
        'phone_number\n+15005550001\n',
        400,
        {
          error: 'Invalid smartCallbackConfig',
          message: 'maxAttempts must be an integer from 1 to 10',
        },
      ],
      [
        'smartCallbackConfig gap out of range',
        () => ({
          agentId: s.tenant.agentId,
          smartCallbackConfig: '{"enabled":true,"maxAttempts":3,"gaps":[{"days":0,"hours":24}]}',
        }),
        'phone_number\n+15005550001\n',
        400,
        {
          error: 'Invalid smartCallbackConfig',
          message: 'gaps[0] must be {"days": 0-30, "hours": 0-23}',
        },
      ],
      [
        'callingWindow not JSON',
        () => ({ agentId: s.tenant.agentId, callingWindow: 'weekdays' }),
        'phone_number\n+15005550001\n',
        400,
        { error: 'Invalid callingWindow', message: 'callingWindow must be a JSON string' },
      ],
      [
        'callingWindow out of range',
        () => ({
          agentId: s.tenant.agentId,
          callingWindow: '{"timezone":"Europe/Paris","days":[1,8],"start":"09:00","end":"20:00"}',
        }),
        'phone_number\n+15005550001\n',
        400,
        {
          error: 'Invalid callingWindow',
          message: 'days must be a non-empty list of distinct weekdays 1 (Monday) to 7',
        },
      ],
      [
        'maxConcurrency 0',
        () => ({ agentId: s.tenant.agentId, maxConcurrency: '0' }),
        'phone_number\n+15005550001\n',
        400,
        { error: 'Invalid maxConcurrency', message: 'maxConcurrency must be an integer >= 1' },
      ],
      [
        'unknown defaultCountry',
        () => ({ agentId: s.tenant.agentId, defaultCountry: 'XX' }),
        'phone_number\n5550001\n',
        400,
        {
          error: 'Invalid defaultCountry',
          message:
            'defaultCountry must be a two-letter ISO country code such as US or GB; got "XX"',
        },
      ],
    );
    for (const [name, fields, file, status, body] of cases) {
      it(name, async () => {
        await s.expectRejected(await s.post(fields(), file), status, body);
      });
    }
  });

  it('rejects a non-multipart body (urlencoded, text/csv) with 400', async () => {
    const expected = {
      error: 'Expected multipart/form-data',
      message: 'Upload the CSV as multipart/form-data with a "file" field and an "agentId" field',
    };
    for (const [type, payload] of [
      ['application/x-www-form-urlencoded', `agentId=${s.tenant.agentId}`],
      ['text/csv', 'phone_number\n+15005550001\n'],
    ] as const) {
      const res = await s.h.app.inject({
        method: 'POST',
        url: '/v1/api/batch-calls',
        payload,
        headers: { ...s.tenant.headers, 'content-type': type },
      });
      await s.expectRejected(res, 400, expected);
    }
  });

  it('413 for a file over the upload limit, nothing stored', async () => {
    const small = await createTestApp(s.t.db, { maxUploadBytes: 1024 });
    const csv = `phone_number,note\n${Array.from({ length: 60 }, (_, i) => `+1500555${String(i).padStart(4, '0')},hello`).join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(1024);
    const body = multipart({ agentId: s.tenant.agentId }, { content: csv });
    const res = await small.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      payload: body.payload,
      headers: { ...s.tenant.headers, ...body.headers },
    });
    await small.app.close();
    await s.expectRejected(res, 413, {
      error: 'File too large',
      message: 'The file is larger than the upload limit of 1024 bytes',
    });
    expect(small.wakes).toBe(0);
  });

  it('400 Agent not found for an agent of another workspace', async () => {
    const other = await seedTenant(s.t.db, s.h.clock.now(), 'Other');
    await s.expectRejected(
      await s.post({ agentId: other.agentId }, 'phone_number\n+15005550001\n'),
      400,
      { error: 'Agent not found', message: `No agent with id ${other.agentId} in this workspace` },
    );
  });
});
