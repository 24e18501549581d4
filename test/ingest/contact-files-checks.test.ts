import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeEachDb } from '../support/databases.js';
import { countRows, storedCalls, useUploadSuite } from './upload-harness.js';

// What upload, validate and preview say about contact files saved by real tools: the mapping of
// columns, the agent's variables, numbers damaged by a spreadsheet, duplicates. Validate and
// upload count the same rows the same way.

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/contacts/${name}`, import.meta.url));

const VALIDATE = '/v1/api/batch-calls/validate';
const PREVIEW = '/v1/api/batch-calls/preview';
const MISSING_SEEDED =
  "Missing columns for the agent's variables: first_name, last_name, appointment_date";

describeEachDb('contact file checks (§1, §11, §12)', (backend) => {
  const s = useUploadSuite(backend);

  it('preview reports the mapping used and the rows as they will be stored', async () => {
    const res = await s.post({ agentId: s.tenant.agentId }, fixture('crm-export.csv'), PREVIEW);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.columns).toEqual([
      'First Name',
      'Last Name',
      'Mobile Phone',
      'Email',
      'Lead Status',
    ]);
    expect(body.mapping).toEqual({
      phone_number: 'Mobile Phone',
      first_name: 'First Name',
      last_name: 'Last Name',
      email: 'Email',
    });
    expect(body.rows[0]).toEqual({
      row: 2,
      phone_number: '+15005550001',
      variables: {
        'First Name': 'José',
        'Last Name': 'García',
        Email: 'jose@example.com',
        'Lead Status': 'Open',
      },
    });
    // The seeded agent also uses {appointment_date}, which no column provides.
    expect(body.warnings).toEqual([
      {
        row: 1,
        message:
          "Missing columns for the agent's variables: appointment_date (they will be read as empty text)",
      },
    ]);
    // A columnMap entry shows in the mapping, and renames the previewed variable.
    const mapped = await s.post(
      { columnMap: '{"status":"Lead Status"}' },
      fixture('crm-export.csv'),
      PREVIEW,
    );
    expect(mapped.json().mapping).toMatchObject({
      status: 'Lead Status',
      phone_number: 'Mobile Phone',
    });
    expect(mapped.json().rows[0].variables).toMatchObject({ status: 'Open' });
    expect(await countRows(s.t.db)).toEqual({ batches: 0, calls: 0, progress: 0 });
  });

  it('agent variables: warning on upload by default, 400 with nothing stored when strict', async () => {
    const fr = fixture('excel-semicolon-fr-utf8.csv');
    const validate = await s.post({ agentId: s.tenant.agentId }, fr, VALIDATE);
    expect(validate.json()).toMatchObject({
      valid: true,
      columns: ['Prénom', 'Nom', 'Téléphone', 'Ville'],
      mapping: { phone_number: 'Téléphone' },
      warnings: [{ row: 1, message: `${MISSING_SEEDED} (they will be read as empty text)` }],
      warningCount: 1,
    });
    // Without agentId nothing is known about variables.
    expect((await s.post({}, fr, VALIDATE)).json().warnings).toEqual([]);

    const upload = await s.post({ agentId: s.tenant.agentId }, fr);
    expect(upload.json()).toMatchObject({
      totalCalls: 2,
      warnings: [{ row: 1, message: `${MISSING_SEEDED} (they will be read as empty text)` }],
    });
    await s.t.db.query('DELETE FROM batches');
    s.h.wakes = 0;

    const strict = {
      error: 'Missing columns',
      message:
        `${MISSING_SEEDED}. Add them to the file, map them with columnMap (e.g. {"first_name":"First Name"}), ` +
        'or send strictVariables=false to read them as empty text',
    };
    await s.expectRejected(
      await s.post({ agentId: s.tenant.agentId, strictVariables: 'true' }, fr),
      400,
      strict,
    );
    await s.expectRejected(
      await s.post({ agentId: s.tenant.agentId, strictVariables: 'true' }, fr, VALIDATE),
      400,
      strict,
    );
    // Mapped, only the variable still missing is named.
    const columnMap = '{"first_name":"Prénom","last_name":"Nom"}';
    await s.expectRejected(
      await s.post({ agentId: s.tenant.agentId, strictVariables: 'true', columnMap }, fr),
      400,
      {
        ...strict,
        message: strict.message.replace(
          'first_name, last_name, appointment_date',
          'appointment_date',
        ),
      },
    );
  });

  it('validate/preview: an unknown agentId is the 400 of §1; empty cells of used variables warn', async () => {
    await s.expectRejected(
      await s.post({ agentId: 'agent_nope' }, fixture('excel-csv-utf8.csv'), VALIDATE),
      400,
      {
        error: 'Agent not found',
        message: 'No agent with id agent_nope in this workspace',
      },
    );
    const csv =
      'phone_number,first_name,last_name,appointment_date\n+15005550001,Ann,,2026-02-03\n+15005550002,,,\n';
    const body = (await s.post({ agentId: s.tenant.agentId }, csv, PREVIEW)).json();
    expect(body.warnings.map((w: { row: number; column: string }) => [w.row, w.column])).toEqual([
      [2, 'last_name'],
      [3, 'first_name'],
      [3, 'last_name'],
      [3, 'appointment_date'],
    ]);
    expect(body.warningCount).toBe(4);
    expect(body.mapping).toBeUndefined();
  });

  it('Excel number damage: scientific notation and a British number are errors, a dropped + a warning', async () => {
    const file = fixture('excel-number-damage.csv');
    const fields = { agentId: s.tenant.agentId, defaultCountry: 'US' };
    const errors = [
      {
        row: 2,
        column: 'phone_number',
        value: '4.47912E+11',
        message:
          'Excel turned this number into scientific notation: format the column as Text and export again',
      },
      {
        row: 4,
        column: 'phone_number',
        value: '07700 900123',
        message:
          'Not a valid US number (defaultCountry=US); looks like a GB number: set defaultCountry=GB ' +
          'or write it in +44 form (it also fits IN and IQ)',
      },
    ];
    const dropped = {
      row: 3,
      column: 'phone_number',
      value: '447911123456',
      message:
        'Read as +447911123456: the leading + was missing (spreadsheets drop it unless the column is formatted as Text)',
    };
    const rejected = await s.post(fields, file);
    await s.expectRejected(rejected, 400, {
      error: 'CSV validation failed',
      message:
        '2 invalid rows. Fix them, or send skipInvalidRows=true to create the batch from the valid rows',
      errors,
      errorCount: 2,
    });
    const report = (await s.post(fields, file, VALIDATE)).json();
    expect(report).toMatchObject({
      valid: false,
      totalRows: 4,
      validRows: 2,
      invalidRows: 2,
      errors,
    });
    expect(report.warnings).toContainEqual(dropped);

    const skipped = await s.post({ ...fields, skipInvalidRows: 'true' }, file);
    expect(skipped.json()).toMatchObject({ totalCalls: 2, skippedRows: errors, skippedCount: 2 });
    expect(skipped.json().warnings).toContainEqual(dropped);
    // Never dialed: the invalid rows are not stored at all.
    const calls = await storedCalls(s.t.db, skipped.json().batchId);
    expect(calls.map((c) => [c.line, c.phone_number, c.variables])).toEqual([
      [3, '+447911123456', { first_name: 'Brontë' }],
      [5, '+15005550004', { first_name: 'Dário' }],
    ]);
  });

  it('duplicates: validate and upload count them alike; the 400 lists both rows and points to skipInvalidRows', async () => {
    const file = fixture('duplicates.csv');
    const report = (await s.post({ defaultCountry: 'US' }, file, VALIDATE)).json();
    expect(report).toMatchObject({
      valid: false,
      totalRows: 5,
      validRows: 3,
      invalidRows: 0,
      duplicateRows: 2,
      errorCount: 2,
    });
    expect(report.validRows + report.invalidRows + report.duplicateRows).toBe(report.totalRows);
    const fields = { agentId: s.tenant.agentId, defaultCountry: 'US' };
    await s.expectRejected(await s.post(fields, file), 400, {
      error: 'CSV validation failed',
      message:
        '2 invalid rows, 2 of them repeating the number of an earlier row (row 4 repeats row 2, ' +
        'row 6 repeats row 3). Fix them, or send skipInvalidRows=true to create the batch from the ' +
        'valid rows (the first row of each number is kept)',
      errors: [
        {
          row: 4,
          column: 'phone_number',
          value: '+1 500 555 0001',
          message: 'Duplicate phone number: same as row 2',
        },
        {
          row: 6,
          column: 'phone_number',
          value: '(500) 555-0002',
          message: 'Duplicate phone number: same as row 3',
        },
      ],
      errorCount: 2,
      duplicateRows: 2,
      duplicates: [
        { row: 4, firstRow: 2, phone_number: '+15005550001' },
        { row: 6, firstRow: 3, phone_number: '+15005550002' },
      ],
    });
    const created = await s.post({ ...fields, skipInvalidRows: 'true' }, file);
    expect(created.json()).toMatchObject({ totalCalls: report.validRows, skippedCount: 2 });
    const calls = await storedCalls(s.t.db, created.json().batchId);
    expect(calls.map((c) => [c.line, c.variables['first_name']])).toEqual([
      [2, 'Ann'],
      [3, 'Bob'],
      [5, 'Cy'],
    ]);
  });

  it('JSON recipients follow the same column rules: a common phone name, columnMap, mapping', async () => {
    const recipients = [
      { Mobile: '+15005550001', Vorname: 'José', 'Last Name': 'García', Termin: 'Mon' },
      { Mobile: '+15005550002', Vorname: 'Zoë', 'Last Name': 'Müller', Termin: 'Tue' },
    ];
    const columnMap = { first_name: 'Vorname', appointment_date: 'Termin' };
    const post = (url: string, body: object) =>
      s.h.app.inject({ method: 'POST', url, payload: body, headers: s.tenant.headers });
    const preview = await post(PREVIEW, { recipients, columnMap, agentId: s.tenant.agentId });
    expect(preview.json()).toMatchObject({
      valid: true,
      columns: ['Mobile', 'Vorname', 'Last Name', 'Termin'],
      mapping: {
        phone_number: 'Mobile',
        first_name: 'Vorname',
        appointment_date: 'Termin',
        last_name: 'Last Name',
      },
      warnings: [],
    });
    const created = await post('/v1/api/batch-calls', {
      agentId: s.tenant.agentId,
      recipients,
      columnMap,
      strictVariables: true,
    });
    expect(created.json()).toEqual({
      batchId: expect.any(String),
      totalCalls: 2,
      status: 'queued',
      message: 'Batch calls initiated successfully',
    });
    const calls = await storedCalls(s.t.db, created.json().batchId);
    expect(calls.map((c) => [c.phone_number, c.variables])).toEqual([
      ['+15005550001', { first_name: 'José', 'Last Name': 'García', appointment_date: 'Mon' }],
      ['+15005550002', { first_name: 'Zoë', 'Last Name': 'Müller', appointment_date: 'Tue' }],
    ]);
  });
});
