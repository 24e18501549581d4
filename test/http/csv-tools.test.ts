import { expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { insertAgent } from '../../src/storage/agents-repo.js';
import { countRows, useUploadSuite } from '../ingest/upload-harness.js';
import { describeEachDb } from '../support/databases.js';
import { createTestApp, multipart, seedTenant } from '../support/http.js';

// §10 CSV template, §11 validate, §12 preview. Validate and preview store nothing, ever.

const STANDARD = 'phone_number,first_name,last_name,email';
const EXAMPLE = '+15005550001,John,Smith,john.smith@example.com';

describeEachDb('CSV tools (§10, §11, §12)', (backend) => {
  const s = useUploadSuite(backend);

  const template = (query = '') =>
    s.h.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/template${query}`,
      headers: s.tenant.headers,
    });

  const agentWith = (greeting: string, prompt: string, variables?: string[]) =>
    insertAgent(s.t.db, {
      id: newId('agent'),
      workspaceId: s.tenant.workspaceId,
      name: 'Templated',
      greeting,
      prompt,
      provider: 'simulator',
      smartCallback: false,
      maxAttemptsForSmartCallback: 5,
      gapBetweenEachAttemptForSmartCallback: [],
      ...(variables && { variables }),
      now: s.h.clock.now(),
    });

  it('§10 the template: standard columns and one example row, as a CSV attachment', async () => {
    const res = await template();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="batch-calls-template.csv"',
    );
    expect(res.body).toBe(`${STANDARD}\n${EXAMPLE}\n`);
    // The same under the short prefix, and an empty agentId is no agentId.
    const short = await s.h.app.inject({
      method: 'GET',
      url: '/v1/batch-calls/template?agentId=',
      headers: s.tenant.headers,
    });
    expect(short.body).toBe(res.body);
  });

  it("§10 ?agentId= appends the agent's variables in first-use order, standard ones once", async () => {
    // The seeded agent: greeting uses first_name, prompt first_name, last_name, appointment_date.
    const seeded = await template(`?agentId=${s.tenant.agentId}`);
    expect(seeded.body).toBe(`${STANDARD},appointment_date\n${EXAMPLE},\n`);

    const agent = await agentWith(
      'Hi {first_name}, about your { plan } plan{}.',
      'Mention {renewal date} and {plan}. Ask {email} about "{note, free}".',
      ['account_id', 'plan', ' tier '],
    );
    const res = await template(`?agentId=${agent.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      `${STANDARD},plan,renewal date,"note, free",account_id,tier\n${EXAMPLE},,,,,\n`,
    );
  });

  it('§10 an unknown agent, or one of another workspace, is a 404', async () => {
    const other = await seedTenant(s.t.db, s.h.clock.now(), 'Other');
    for (const id of ['agent_nope', other.agentId]) {
      const res = await template(`?agentId=${id}`);
      expect({ status: res.statusCode, body: res.json() }).toEqual({
        status: 404,
        body: { error: 'Agent not found', message: `No agent with id ${id}` },
      });
    }
  });

  const post = (path: 'validate' | 'preview', csv?: string, fields: Record<string, string> = {}) =>
    s.post(fields, csv, `/v1/api/batch-calls/${path}`);

  const MIXED_CSV =
    'phone_number,first_name,plan\n' +
    '+15005550001,Ann,gold\n' + // 2 valid
    '12ab,Bo,free\n' + // 3 invalid number
    '+1 500 555 0001,Cy,gold\n' + // 4 duplicate of row 2
    '+1234567890,Di,free\n' + // 5 valid with a warning
    '+15005550002,Ed\n' + // 6 ragged
    '(415) 555-0132,Fay,basic\n'; // 7 national: an error without defaultCountry

  it('§11 reports every finding of §1 with 200, even when invalid, and stores nothing', async () => {
    const res = await post('validate', MIXED_CSV);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      valid: false,
      totalRows: 6,
      validRows: 2,
      invalidRows: 3,
      duplicateRows: 1,
      columns: ['phone_number', 'first_name', 'plan'],
      errors: [
        {
          row: 3,
          column: 'phone_number',
          value: '12ab',
          message:
            'Not a phone number: only digits, +, spaces, dashes, dots and parentheses allowed',
        },
        {
          row: 4,
          column: 'phone_number',
          value: '+1 500 555 0001',
          message: 'Duplicate phone number: same as row 2',
        },
        { row: 6, message: 'Row has 2 fields but the header has 3' },
        {
          row: 7,
          column: 'phone_number',
          value: '(415) 555-0132',
          message:
            'No country code: write the number with + and its country code, or set defaultCountry; ' +
            'looks like a US number: set defaultCountry=US or write it in +1 form (it also fits FI, MX and VE)',
        },
      ],
      warnings: [
        {
          row: 5,
          column: 'phone_number',
          value: '+1234567890',
          message: 'not a valid number for its country',
        },
      ],
      errorCount: 4,
      warningCount: 1,
    });
    expect(await countRows(s.t.db)).toEqual({ batches: 0, calls: 0, progress: 0 });
    expect(s.h.wakes).toBe(0);
  });

  it('§11 defaultCountry reads national numbers; a clean file is valid', async () => {
    const res = await post(
      'validate',
      MIXED_CSV.split('\n').slice(0, 2).concat('(415) 555-0132,Fay,basic', '').join('\n'),
      {
        defaultCountry: 'us',
      },
    );
    expect(res.json()).toEqual({
      valid: true,
      totalRows: 2,
      validRows: 2,
      invalidRows: 0,
      duplicateRows: 0,
      columns: ['phone_number', 'first_name', 'plan'],
      errors: [],
      warnings: [],
      errorCount: 0,
      warningCount: 0,
    });
  });

  it('§11 lists at most 100 errors and counts them all', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `bad${i}`).join('\n');
    const res = await post('validate', `phone_number\n+15005550001\n${rows}\n`);
    const body = res.json();
    expect(body.errors).toHaveLength(100);
    expect(body.errors[99].row).toBe(102);
    expect([body.errorCount, body.invalidRows, body.validRows, body.totalRows]).toEqual([
      150, 150, 1, 151,
    ]);
  });

  it('§12 preview: the report plus the first 10 valid rows as they would be dialed', async () => {
    // phone_number is not the first column; row 2 is invalid; rows 3–14 are valid.
    const valid = Array.from(
      { length: 12 },
      (_, i) => `P${i},(415) 555-${String(100 + i).padStart(4, '0')},"a, b"`,
    );
    const csv = `first_name,phone_number,note\nA,nope,x\n${valid.join('\n')}\n`;
    const res = await post('preview', csv, { defaultCountry: 'US' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      valid: false,
      totalRows: 13,
      validRows: 12,
      invalidRows: 1,
      duplicateRows: 0,
      columns: ['first_name', 'phone_number', 'note'],
    });
    expect(body.rows).toHaveLength(10);
    expect(body.rows[0]).toEqual({
      row: 3,
      phone_number: '+14155550100',
      variables: { first_name: 'P0', note: 'a, b' },
    });
    expect(body.rows[9]).toEqual({
      row: 12,
      phone_number: '+14155550109',
      variables: { first_name: 'P9', note: 'a, b' },
    });
    expect(await countRows(s.t.db)).toEqual({ batches: 0, calls: 0, progress: 0 });
  });

  it('§11/§12 structural problems answer exactly as §1 does', async () => {
    const cases: Array<[string | undefined, Record<string, string>, number, object]> = [
      [
        undefined,
        {},
        400,
        { error: 'No file uploaded', message: 'Send the CSV as the multipart field "file"' },
      ],
      [
        'Handy,name\n+15005550001,A\n',
        {},
        400,
        {
          error: 'Missing phone_number column',
          message:
            'The CSV header must have a "phone_number" column (found: Handy, name). Also accepted, in any ' +
            'case or punctuation: Phone Number, phone, Phone, mobile, Mobile Phone, telephone, ' +
            'contact_number, number; or name the phone column with columnMap, e.g. columnMap={"phone_number":"Handy"}',
        },
      ],
      [
        'Handy,name\n+15005550001,A\n',
        { columnMap: '{"phone_number":"Mobil"}' },
        400,
        {
          error: 'Invalid columnMap',
          message:
            'columnMap maps "phone_number" to "Mobil", which is not a column of the file (columns: "Handy", "name")',
        },
      ],
      [
        'phone_number\n+15005550001\n',
        { agentId: 'agent_nope' },
        400,
        { error: 'Agent not found', message: 'No agent with id agent_nope in this workspace' },
      ],
      [
        'phone_number\n+15005550001\n',
        { agentId: s.tenant.agentId, strictVariables: 'true' },
        400,
        {
          error: 'Missing columns',
          message:
            "Missing columns for the agent's variables: first_name, last_name, appointment_date. Add them " +
            'to the file, map them with columnMap (e.g. {"first_name":"First Name"}), or send ' +
            'strictVariables=false to read them as empty text',
        },
      ],

      [
        'phone_number,name\n+15005550001,"unclosed\n',
        {},
        400,
        { error: 'Malformed CSV', message: 'Unclosed quote in the row starting at line 2' },
      ],
      [
        'phone_number\n+15005550001\n',
        { defaultCountry: 'XX' },
        400,
        {
          error: 'Invalid defaultCountry',
          message:
            'defaultCountry must be a two-letter ISO country code such as US or GB; got "XX"',
        },
      ],
    ];
    for (const path of ['validate', 'preview'] as const) {
      for (const [csv, fields, status, body] of cases) {
        const res = await post(path, csv, fields);
        expect({ path, status: res.statusCode, body: res.json() }).toEqual({ path, status, body });
      }
      const text = await s.h.app.inject({
        method: 'POST',
        url: `/v1/api/batch-calls/${path}`,
        payload: 'phone_number\n+15005550001\n',
        headers: { ...s.tenant.headers, 'content-type': 'text/csv' },
      });
      expect({ status: text.statusCode, body: text.json() }).toEqual({
        status: 400,
        body: {
          error: 'Expected multipart/form-data',
          message:
            'Upload the CSV as multipart/form-data with a "file" field and an "agentId" field',
        },
      });
    }
  });

  it('§11/§12 a file over the upload limit is a 413', async () => {
    const small = await createTestApp(s.t.db, { maxUploadBytes: 1024 });
    try {
      const csv = `phone_number,note\n${Array.from({ length: 60 }, (_, i) => `+1500555${String(i).padStart(4, '0')},hello`).join('\n')}\n`;
      for (const path of ['validate', 'preview']) {
        const body = multipart({}, { content: csv });
        const res = await small.app.inject({
          method: 'POST',
          url: `/v1/api/batch-calls/${path}`,
          payload: body.payload,
          headers: { ...s.tenant.headers, ...body.headers },
        });
        expect({ status: res.statusCode, body: res.json() }).toEqual({
          status: 413,
          body: {
            error: 'File too large',
            message: 'The file is larger than the upload limit of 1024 bytes',
          },
        });
      }
    } finally {
      await small.app.close();
    }
  });

  it('§11/§12 (ext) also take a JSON recipients body, with the same row numbers as §1', async () => {
    const payload = {
      recipients: [
        { phone_number: '+15005550001', first_name: 'Ann', vip: true },
        { phone_number: '4155550132', first_name: 'Bo' },
        { first_name: 'Cy' },
      ],
      defaultCountry: 'US',
    };
    const res = await s.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls/preview',
      payload,
      headers: s.tenant.headers,
    });
    expect(res.json()).toEqual({
      valid: false,
      totalRows: 3,
      validRows: 2,
      invalidRows: 1,
      duplicateRows: 0,
      columns: ['phone_number', 'first_name', 'vip'],
      errors: [{ row: 4, column: 'phone_number', value: '', message: 'Missing phone number' }],
      warnings: [],
      errorCount: 1,
      warningCount: 0,
      rows: [
        { row: 2, phone_number: '+15005550001', variables: { first_name: 'Ann', vip: 'true' } },
        { row: 3, phone_number: '+14155550132', variables: { first_name: 'Bo', vip: '' } },
      ],
    });
  });

  it('§11/§12 a JSON agentId that is not a string names no agent: 400, as creating a batch', async () => {
    for (const url of ['/v1/api/batch-calls/validate', '/v1/api/batch-calls/preview']) {
      const res = await s.h.app.inject({
        method: 'POST',
        url,
        // An object whose toString is not a function: String() of it throws.
        payload: { agentId: { toString: '' }, recipients: [{ phone_number: '+15005550001' }] },
        headers: s.tenant.headers,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'Agent not found',
        message: 'No agent with id {"toString":""} in this workspace',
      });
    }
  });

  it('the OpenAPI document describes columnMap, strictVariables, agentId and the mapping', async () => {
    const doc = (await s.h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const form = (path: string, type: string) =>
      doc.paths[`/v1/api/batch-calls${path}`].post.requestBody.content[type].schema.properties;
    for (const type of ['multipart/form-data', 'application/json']) {
      expect(Object.keys(form('', type))).toEqual(
        expect.arrayContaining(['columnMap', 'strictVariables']),
      );
      for (const path of ['/validate', '/preview']) {
        expect(Object.keys(form(path, type))).toEqual(
          expect.arrayContaining(['columnMap', 'strictVariables', 'agentId', 'defaultCountry']),
        );
      }
    }
    for (const path of ['/validate', '/preview']) {
      const schema =
        doc.paths[`/v1/api/batch-calls${path}`].post.responses['200'].content['application/json']
          .schema;
      expect(schema.properties.mapping.type).toBe('object');
      expect(schema.required).not.toContain('mapping');
    }
  });
});
