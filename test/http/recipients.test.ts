import { describe, expect, it } from 'vitest';
import { MAX_RECIPIENTS } from '../../src/ingest/recipients.js';
import { storedCalls, useUploadSuite } from '../ingest/upload-harness.js';
import { describeEachDb } from '../support/databases.js';
import { createTestApp } from '../support/http.js';

// §1 ext: `POST /batch-calls` with a JSON body whose `recipients` stand for the CSV rows.
// Row numbers are as if the list were a CSV under a header line: recipients[i] is row i + 2.

const CREATED = { status: 'queued', message: 'Batch calls initiated successfully' };
/** The seeded agent uses {first_name}, {last_name} and {appointment_date}. */
const missing = (names: string) => ({
  row: 1,
  message: `Missing columns for the agent's variables: ${names} (they will be read as empty text)`,
});

describeEachDb('POST /batch-calls with a JSON recipients body (§1 ext)', (backend) => {
  const s = useUploadSuite(backend);

  const postJson = (payload: unknown, headers: Record<string, string> = {}) =>
    s.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      payload: JSON.stringify(payload),
      headers: { ...s.tenant.headers, 'content-type': 'application/json', ...headers },
    });

  const batchRow = async (id: string) =>
    (
      await s.t.db.query(
        'SELECT name, columns, config, max_concurrency, scheduled_at FROM batches WHERE id = $1',
        [id],
      )
    )[0];

  it('creates the batch the equivalent CSV would: columns, lines, variables, numbers', async () => {
    const res = await postJson({
      agentId: s.tenant.agentId,
      defaultCountry: 'US',
      recipients: [
        { phone_number: '+15005550001', first_name: 'John', plan: 'gold' },
        { first_name: 'Mary', phone_number: '(415) 555-0132', vip: true, visits: 3 },
        { phone_number: 4155550133, plan: null, note: 'a, "b"\nc' },
      ],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      batchId: body.batchId,
      totalCalls: 3,
      ...CREATED,
      warnings: [
        missing('last_name, appointment_date'),
        {
          row: 4,
          column: 'first_name',
          value: '',
          message:
            "Empty value for the agent's variable {first_name} (it will be read as empty text)",
        },
      ],
    });
    expect(s.h.wakes).toBe(1);
    const columns = ['phone_number', 'first_name', 'plan', 'vip', 'visits', 'note'];
    expect((await batchRow(body.batchId))!['columns']).toEqual(columns);

    const fromJson = await storedCalls(s.t.db, body.batchId);
    const vars = (first_name: string, plan: string, vip: string, visits: string, note: string) => ({
      first_name,
      plan,
      vip,
      visits,
      note,
    });
    expect(fromJson.map((c) => [c.line, c.phone_number, c.variables])).toEqual([
      [2, '+15005550001', vars('John', 'gold', '', '', '')],
      [3, '+14155550132', vars('Mary', '', 'true', '3', '')],
      [4, '+14155550133', vars('', '', '', '', 'a, "b"\nc')],
    ]);

    // The same contacts as a CSV store the same rows.
    const csv =
      `${columns.join(',')}\n` +
      '+15005550001,John,gold,,,\n' +
      '(415) 555-0132,Mary,,true,3,\n' +
      '4155550133,,,,,"a, ""b""\nc"\n';
    const fromCsv = await s.post({ agentId: s.tenant.agentId, defaultCountry: 'US' }, csv);
    const csvCalls = await storedCalls(s.t.db, fromCsv.json().batchId);
    const strip = (c: (typeof fromJson)[number]) => ({ ...c, line: 0 });
    expect(csvCalls.map(strip)).toEqual(fromJson.map(strip));
  });

  it('takes the batch options as JSON values (numbers, booleans, objects) or strings', async () => {
    const now = s.h.clock.now();
    const options = {
      name: 'JSON batch',
      maxConcurrency: 2,
      scheduledAt: new Date(now + 3_600_000).toISOString(),
      smartCallbackConfig: { enabled: true, maxAttempts: 3, gaps: [{ days: 0, hours: 2 }] },
      callingWindow: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    };
    const recipients = [{ phone_number: '+15005550001' }];
    const res = await postJson({ agentId: s.tenant.agentId, recipients, ...options });
    expect(res.json()).toEqual({
      batchId: res.json().batchId,
      totalCalls: 1,
      ...CREATED,
      scheduledAt: now + 3_600_000,
      warnings: [missing('first_name, last_name, appointment_date')],
    });
    const row = await batchRow(res.json().batchId);
    expect(row).toEqual({
      name: 'JSON batch',
      columns: ['phone_number'],
      config: {
        smartCallback: options.smartCallbackConfig,
        callingWindow: options.callingWindow,
      },
      max_concurrency: 2,
      scheduled_at: now + 3_600_000,
    });
    // The multipart spellings (JSON strings, "true") work too.
    const asStrings = await postJson({
      agentId: s.tenant.agentId,
      recipients,
      smartCallbackConfig: JSON.stringify(options.smartCallbackConfig),
      maxConcurrency: '2',
      skipInvalidRows: 'true',
    });
    expect(asStrings.statusCode).toBe(200);
    expect((await batchRow(asStrings.json().batchId))!['config']).toEqual({
      smartCallback: options.smartCallbackConfig,
    });
  });

  it('row errors name recipients[i] as row i + 2; missing phone_number is a row error', async () => {
    const recipients = [
      { phone_number: '+15005550001', first_name: 'A' },
      { first_name: 'B' },
      { phone_number: '+1 500 555 0001' },
      { phone_number: '+1234567890' },
    ];
    await s.expectRejected(await postJson({ agentId: s.tenant.agentId, recipients }), 400, {
      error: 'CSV validation failed',
      message:
        '2 invalid rows, 1 of them repeating the number of an earlier row (row 4 repeats row 2). ' +
        'Fix them, or send skipInvalidRows=true to create the batch from the valid rows ' +
        '(the first row of each number is kept)',
      errors: [
        { row: 3, column: 'phone_number', value: '', message: 'Missing phone number' },
        {
          row: 4,
          column: 'phone_number',
          value: '+1 500 555 0001',
          message: 'Duplicate phone number: same as row 2',
        },
      ],
      errorCount: 2,
      duplicateRows: 1,
      duplicates: [{ row: 4, firstRow: 2, phone_number: '+15005550001' }],
    });
    const skipped = await postJson({
      agentId: s.tenant.agentId,
      recipients,
      skipInvalidRows: true,
    });
    expect(skipped.json()).toMatchObject({
      totalCalls: 2,
      skippedCount: 2,
      warnings: [
        missing('last_name, appointment_date'),
        {
          row: 5,
          column: 'phone_number',
          value: '+1234567890',
          message: 'not a valid number for its country',
        },
        {
          row: 5,
          column: 'first_name',
          value: '',
          message:
            "Empty value for the agent's variable {first_name} (it will be read as empty text)",
        },
      ],
    });
  });

  describe('rejects a body that is not a recipients list, storing nothing', () => {
    const agent = () => s.tenant.agentId;
    const invalid = (message: string) => ({ error: 'Invalid recipients', message });
    const cases: Array<[string, () => unknown, Record<string, unknown>]> = [
      [
        'an array body',
        () => [{ phone_number: '+15005550001' }],
        {
          error: 'Invalid JSON body',
          message: 'The body must be a JSON object with "agentId" and "recipients"',
        },
      ],
      [
        'no recipients',
        () => ({ agentId: agent() }),
        {
          error: 'Missing recipients',
          message: 'Send the contacts as "recipients": [{"phone_number": "+15005550001", …}]',
        },
      ],
      [
        'recipients not a list',
        () => ({ agentId: agent(), recipients: { phone_number: '+15005550001' } }),
        invalid('recipients must be a list of objects'),
      ],
      [
        'an empty list',
        () => ({ agentId: agent(), recipients: [] }),
        {
          error: 'No recipients',
          message: 'The recipients list is empty: add at least one contact',
        },
      ],
      [
        'a recipient that is not an object',
        () => ({
          agentId: agent(),
          recipients: [{ phone_number: '+15005550001' }, '+15005550002'],
        }),
        invalid('recipients[1] must be an object such as {"phone_number": "+15005550001"}'),
      ],
      [
        'a nested value',
        () => ({ agentId: agent(), recipients: [{ phone_number: '+15005550001', tags: ['a'] }] }),
        invalid('recipients[0].tags must be a string, number or boolean'),
      ],
      [
        'a phone number that is an object',
        () => ({ agentId: agent(), recipients: [{ phone_number: { e164: '+15005550001' } }] }),
        invalid('recipients[0].phone_number must be a string, number or boolean'),
      ],
      [
        'a NUL character',
        () => ({ agentId: agent(), recipients: [{ phone_number: '+15005550001', n: 'a\u0000b' }] }),
        invalid('recipients[0].n contains a NUL character'),
      ],
      [
        'a field without a name',
        () => ({ agentId: agent(), recipients: [{ phone_number: '+15005550001', ' ': 'x' }] }),
        invalid('recipients[0] has a field with an empty or invalid name'),
      ],
      [
        'no agentId',
        () => ({ recipients: [{ phone_number: '+15005550001' }] }),
        { error: 'Missing agentId', message: 'The agentId field is required' },
      ],
      [
        'an unknown agent',
        () => ({ agentId: 'agent_nope', recipients: [{ phone_number: '+15005550001' }] }),
        { error: 'Agent not found', message: 'No agent with id agent_nope in this workspace' },
      ],
    ];
    for (const [name, payload, body] of cases) {
      it(name, async () => {
        await s.expectRejected(await postJson(payload()), 400, body);
      });
    }
  });

  it(`accepts ${MAX_RECIPIENTS} recipients (over the app's 1 MB default), not one more`, async () => {
    const many = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => ({
      phone_number: `+1415${String(i).padStart(7, '0')}`,
    }));
    await s.expectRejected(await postJson({ agentId: s.tenant.agentId, recipients: many }), 400, {
      error: 'Too many recipients',
      message: `At most ${MAX_RECIPIENTS} recipients per batch; got ${MAX_RECIPIENTS + 1}`,
    });
    const res = await postJson({ agentId: s.tenant.agentId, recipients: many.slice(1) });
    expect(res.json()).toMatchObject({ totalCalls: MAX_RECIPIENTS });
  });

  it('413 for a JSON body over the upload limit, nothing stored', async () => {
    const small = await createTestApp(s.t.db, { maxUploadBytes: 1024 });
    try {
      const recipients = Array.from({ length: 60 }, (_, i) => ({
        phone_number: `+1500555${String(i).padStart(4, '0')}`,
      }));
      const res = await small.app.inject({
        method: 'POST',
        url: '/v1/api/batch-calls',
        payload: { agentId: s.tenant.agentId, recipients },
        headers: s.tenant.headers,
      });
      expect(res.statusCode).toBe(413);
      expect(typeof res.json().error).toBe('string');
      const [n] = await s.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM batches');
      expect(n!.n).toBe(0);
    } finally {
      await small.app.close();
    }
  });

  it('any other content type is still "Expected multipart/form-data"', async () => {
    const res = await s.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      payload: JSON.stringify({ agentId: s.tenant.agentId, recipients: [] }),
      headers: { ...s.tenant.headers, 'content-type': 'text/plain' },
    });
    await s.expectRejected(res, 400, {
      error: 'Expected multipart/form-data',
      message: 'Upload the CSV as multipart/form-data with a "file" field and an "agentId" field',
    });
  });
});
