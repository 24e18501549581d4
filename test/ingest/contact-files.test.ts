import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeEachDb } from '../support/databases.js';
import { orderedMultipart, storedCalls, useUploadSuite } from './upload-harness.js';

// Contact files saved by real tools (test/fixtures/contacts/README.md), uploaded through the app:
// what is stored, what §4 shows as metadata, and the §9 export's bytes (accents survive).

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/contacts/${name}`, import.meta.url));

describeEachDb('contact files as tools save them (§1, §4, §9)', (backend) => {
  const s = useUploadSuite(backend);

  async function upload(name: string, fields: Record<string, string> = {}) {
    const res = await s.post({ agentId: s.tenant.agentId, ...fields }, fixture(name));
    expect([res.statusCode, res.json()]).toEqual([
      200,
      expect.objectContaining({ status: 'queued' }),
    ]);
    return res.json() as { batchId: string; totalCalls: number; warnings?: unknown[] };
  }

  const get = (url: string) =>
    s.h.app.inject({ method: 'GET', url: `/v1/api/batch-calls/${url}`, headers: s.tenant.headers });

  /** The §9 export with its job ids replaced by their row number, as bytes. */
  async function exportBytes(batchId: string): Promise<Buffer> {
    const res = await get(`${batchId}/export-results`);
    expect(res.statusCode).toBe(200);
    let text = res.rawPayload.toString('utf8');
    for (const c of await storedCalls(s.t.db, batchId)) {
      text = text.replace(/call_[0-9a-z]{26}/, `row${c.line}`);
    }
    return Buffer.from(text);
  }

  const EXPORT_HEAD =
    'job_id,phone_number,status,attempts,start_time,end_time,duration,outcome,error,transcript';

  it('Excel "CSV UTF-8" (BOM, CRLF): variables and export keep every accent', async () => {
    const { batchId, totalCalls, warnings } = await upload('excel-csv-utf8.csv');
    expect([totalCalls, warnings]).toEqual([3, undefined]);
    const calls = await storedCalls(s.t.db, batchId);
    expect(calls.map((c) => [c.line, c.phone_number, c.variables])).toEqual([
      [
        2,
        '+15005550001',
        { first_name: 'José', last_name: 'García', appointment_date: '2026-02-03' },
      ],
      [
        3,
        '+15005550002',
        { first_name: 'Zoë', last_name: 'Müller', appointment_date: '2026-02-04' },
      ],
      [
        4,
        '+15005550003',
        { first_name: 'Søren', last_name: "O'Brien, Jr.", appointment_date: '2026-02-05' },
      ],
    ]);
    expect(await exportBytes(batchId)).toEqual(
      Buffer.from(
        `${EXPORT_HEAD},first_name,last_name,appointment_date\r\n` +
          'row2,+15005550001,waiting,0,,,,,,,José,García,2026-02-03\r\n' +
          'row3,+15005550002,waiting,0,,,,,,,Zoë,Müller,2026-02-04\r\n' +
          'row4,+15005550003,waiting,0,,,,,,,Søren,"O\'Brien, Jr.",2026-02-05\r\n',
        'utf8',
      ),
    );
  });

  it('Excel "CSV (Comma delimited)" in Windows-1252: é ü ñ read right, exported as UTF-8', async () => {
    const { batchId } = await upload('excel-csv-windows1252.csv');
    const calls = await storedCalls(s.t.db, batchId);
    expect(calls.map((c) => [c.variables['first_name'], c.variables['last_name']])).toEqual([
      ['José', 'Peña'],
      ['Jürgen', 'Müller'],
      ['Françoise', 'Núñez'],
    ]);
    const bytes = await exportBytes(batchId);
    expect(bytes.toString('utf8').split('\r\n')[3]).toBe(
      'row4,+15005550003,waiting,0,,,,,,,Françoise,Núñez,2026-02-05',
    );
    // "ç" is C3 A7 in the export, where the upload had E7.
    expect(bytes.includes(Buffer.from([0x46, 0x72, 0x61, 0x6e, 0xc3, 0xa7]))).toBe(true);
  });

  it('Excel with a German locale (semicolons, Windows-1252): columnMap names the phone and renames', async () => {
    const res = await s.post({ agentId: s.tenant.agentId }, fixture('excel-semicolon-de.csv'));
    await s.expectRejected(res, 400, {
      error: 'Missing phone_number column',
      message: expect.stringContaining('(found: Vorname, Nachname, Handy, Termin, Notiz)'),
    });
    const columnMap = JSON.stringify({
      phone_number: 'Handy',
      first_name: 'Vorname',
      last_name: 'Nachname',
      appointment_date: 'Termin',
    });
    const { batchId, warnings } = await upload('excel-semicolon-de.csv', { columnMap });
    expect(warnings).toBeUndefined();
    const calls = await storedCalls(s.t.db, batchId);
    expect(calls.map((c) => [c.phone_number, c.variables])).toEqual([
      [
        '+4915112345678',
        {
          first_name: 'Jürgen',
          last_name: 'Müller',
          appointment_date: '03.02.2026',
          Notiz: 'Rückruf, bitte',
        },
      ],
      [
        '+4915112345679',
        { first_name: 'Björn', last_name: 'Weiß', appointment_date: '04.02.2026', Notiz: 'a;b' },
      ],
    ]);
    const [batch] = await s.t.db.query<{ columns: string[] }>(
      'SELECT columns FROM batches WHERE id = $1',
      [batchId],
    );
    expect(batch!.columns).toEqual([
      'first_name',
      'last_name',
      'phone_number',
      'appointment_date',
      'Notiz',
    ]);
    expect((await exportBytes(batchId)).toString('utf8').split('\r\n').slice(0, 2)).toEqual([
      `${EXPORT_HEAD},first_name,last_name,appointment_date,Notiz`,
      'row2,+4915112345678,waiting,0,,,,,,,Jürgen,Müller,03.02.2026,"Rückruf, bitte"',
    ]);
  });

  it('Excel "Unicode Text" (UTF-16 LE, tabs) and a UTF-16 BE file', async () => {
    const le = await upload('excel-unicode-text.txt');
    expect((await storedCalls(s.t.db, le.batchId)).map((c) => c.variables)).toEqual([
      { first_name: 'José', last_name: 'García', note: 'say "hola"' },
      { first_name: 'Zoë', last_name: '東京', note: 'two\nlines' },
    ]);
    const be = await upload('utf16be.csv');
    expect((await storedCalls(s.t.db, be.batchId)).map((c) => c.variables)).toEqual([
      { first_name: 'Ñandú' },
      { first_name: 'Ærøskøbing' },
    ]);
  });

  it('a CRM export keeps its own headers in metadata and the export; {first_name} finds "First Name"', async () => {
    const { batchId, totalCalls } = await upload('crm-export.csv');
    expect(totalCalls).toBe(2);
    const list = (await get(`${batchId}/calls?limit=10`)).json();
    expect(
      list.calls.map((c: { phone_number: string; metadata: unknown }) => [
        c.phone_number,
        c.metadata,
      ]),
    ).toEqual([
      [
        '+15005550001',
        {
          'First Name': 'José',
          'Last Name': 'García',
          Email: 'jose@example.com',
          'Lead Status': 'Open',
        },
      ],
      [
        '+15005550002',
        {
          'First Name': 'Zoë',
          'Last Name': 'Müller',
          Email: 'zoe@example.com',
          'Lead Status': 'Working - Contacted',
        },
      ],
    ]);
    // The metadata's key order is the file's.
    expect(Object.keys(list.calls[0].metadata)).toEqual([
      'First Name',
      'Last Name',
      'Email',
      'Lead Status',
    ]);
    expect((await exportBytes(batchId)).toString('utf8').split('\r\n').slice(0, 2)).toEqual([
      `${EXPORT_HEAD},First Name,Last Name,Email,Lead Status`,
      'row2,+15005550001,waiting,0,,,,,,,José,García,jose@example.com,Open',
    ]);
  });

  it('Google Sheets (no BOM, no final line break, a quoted line break) and a TSV export', async () => {
    const sheets = await upload('google-sheets.csv');
    expect((await storedCalls(s.t.db, sheets.batchId)).map((c) => [c.line, c.variables])).toEqual([
      [2, { 'First Name': 'José', Notes: 'Prefers mornings\nAsk for José' }],
      [4, { 'First Name': 'Zoë', Notes: '' }],
    ]);
    const tsv = await upload('contacts.tsv');
    expect(
      (await storedCalls(s.t.db, tsv.batchId)).map((c) => [c.phone_number, c.variables]),
    ).toEqual([
      ['+15005550001', { name: 'José, Jr.', city: 'São Paulo' }],
      ['+15005550002', { name: 'Zoë', city: 'Zürich' }],
    ]);
  });

  it('a header no single delimiter splits: 400 naming them; a columnMap before the file reads it', async () => {
    await s.expectRejected(
      await s.post({ agentId: s.tenant.agentId }, fixture('ambiguous-header.csv')),
      400,
      {
        error: 'Ambiguous delimiter',
        message:
          'The header row can be split by comma and semicolon, and none of them gives a phone column: ' +
          'save the file with a single delimiter, or name the phone column with columnMap (sent before the file)',
      },
    );
    const body = orderedMultipart([
      ['agentId', s.tenant.agentId],
      ['columnMap', '{"phone_number":"Handy"}'],
      { file: fixture('ambiguous-header.csv') },
    ]);
    const res = await s.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      payload: body.payload,
      headers: { ...s.tenant.headers, ...body.headers },
    });
    expect(res.statusCode).toBe(200);
    expect((await storedCalls(s.t.db, res.json().batchId)).map((c) => c.variables)).toEqual([
      { 'Name, First': 'Smith, John' },
    ]);
  });

  it('an .xlsx workbook is refused with the exact body, by upload and by validate', async () => {
    const expected = {
      error: 'Unsupported file type',
      message: 'This is an Excel workbook: save it as CSV',
    };
    await s.expectRejected(
      await s.post({ agentId: s.tenant.agentId }, fixture('workbook.xlsx')),
      400,
      expected,
    );
    await s.expectRejected(
      await s.post({}, fixture('workbook.xlsx'), '/v1/api/batch-calls/validate'),
      400,
      expected,
    );
  });
});
