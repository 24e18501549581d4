import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import {
  type ColumnMap,
  columnMapping,
  contactTable,
  phoneCell,
  rowVariables,
} from '../../src/ingest/contact-columns.js';
import { readCsv } from '../../src/ingest/csv-reader.js';

// Which column is dialed and under which names the others are stored (contact-columns.ts).

const table = async (header: string, map?: ColumnMap) => {
  const cells = header.split(',').map((_, i) => `v${i}`);
  const t = await readCsv(Readable.from([Buffer.from(`${header}\n${cells.join(',')}\n`)]));
  return contactTable(t, map);
};

async function failure(header: string, map?: ColumnMap) {
  try {
    await table(header, map);
  } catch (err) {
    if (err instanceof AppError) return { status: err.statusCode, ...err.body };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('contactTable', () => {
  it('an exact phone_number header always wins', async () => {
    const t = await table('Mobile,phone_number,Phone');
    expect([t.phoneIndex, t.columns]).toEqual([1, ['Mobile', 'phone_number', 'Phone']]);
    expect(phoneCell(t, 0)).toBe('v1');
  });

  it('otherwise one of the common names, in any case or punctuation', async () => {
    for (const name of [
      'Phone Number',
      'PHONE',
      'mobile',
      'Mobile Phone',
      'Telephone',
      'Contact-Number',
      'number',
      'Phone_Number',
    ]) {
      const t = await table(`First Name,${name},Email`);
      expect([name, t.phoneIndex, t.columns]).toEqual([
        name,
        1,
        ['First Name', 'phone_number', 'Email'],
      ]);
      expect(rowVariables(t, 0)).toEqual({ 'First Name': 'v0', Email: 'v2' });
    }
  });

  it('several candidates: 400 listing them; none: 400 listing the accepted names', async () => {
    expect(await failure('Name,Phone,Mobile')).toEqual({
      status: 400,
      error: 'Ambiguous phone column',
      message:
        'Several columns could hold the number to dial: "Phone", "Mobile". Name the one to dial ' +
        'with columnMap, e.g. columnMap={"phone_number":"Phone"}',
    });
    expect(await failure('Name,Handy')).toEqual({
      status: 400,
      error: 'Missing phone_number column',
      message:
        'The CSV header must have a "phone_number" column (found: Name, Handy). Also accepted, in ' +
        'any case or punctuation: Phone Number, phone, Phone, mobile, Mobile Phone, telephone, ' +
        'contact_number, number; or name the phone column with columnMap, e.g. columnMap={"phone_number":"Name"}',
    });
  });

  it('columnMap picks the phone column and renames the columns it names', async () => {
    const t = await table('Vorname,Handy,Festnetz,Stadt', {
      phone_number: 'Handy',
      first_name: 'Vorname',
      landline: ' Festnetz ',
    });
    expect([t.phoneIndex, t.columns]).toEqual([
      1,
      ['first_name', 'phone_number', 'landline', 'Stadt'],
    ]);
    expect(rowVariables(t, 0)).toEqual({ first_name: 'v0', landline: 'v2', Stadt: 'v3' });
    // A header mapped to another variable is not taken as the phone column.
    const other = await table('phone,Mobile', { home_phone: 'phone' });
    expect([other.phoneIndex, other.columns]).toEqual([1, ['home_phone', 'phone_number']]);
  });

  it('refuses a columnMap that does not fit the file', async () => {
    expect(await failure('Name,Phone', { first_name: 'Vorname' })).toEqual({
      status: 400,
      error: 'Invalid columnMap',
      message:
        'columnMap maps "first_name" to "Vorname", which is not a column of the file (columns: "Name", "Phone")',
    });
    expect(await failure('Name,Phone', { a: 'Name', b: 'Name' })).toEqual({
      status: 400,
      error: 'Invalid columnMap',
      message: 'columnMap maps both "a" and "b" to "Name"',
    });
    expect(await failure('Name,Phone,first_name', { first_name: 'Name' })).toEqual({
      status: 400,
      error: 'Invalid columnMap',
      message:
        'Columns "Name" and "first_name" would both be stored as "first_name": give one of them another name with columnMap',
    });
    expect(await failure('Mobile,phone_number', { phone_number: 'Mobile' })).toMatchObject({
      error: 'Invalid columnMap',
    });
  });

  it('columnMapping: the variables found under another header, for validate and preview', async () => {
    const crm = await table('First Name,Last Name,Mobile Phone,Email,Plan Name');
    expect(columnMapping(crm, ['plan_name', 'appointment_date'])).toEqual({
      phone_number: 'Mobile Phone',
      first_name: 'First Name',
      last_name: 'Last Name',
      email: 'Email',
      plan_name: 'Plan Name',
    });
    const mapped = await table('Vorname,Handy', { phone_number: 'Handy', first_name: 'Vorname' });
    expect(columnMapping(mapped)).toEqual({ first_name: 'Vorname', phone_number: 'Handy' });
    // A plain file maps nothing.
    expect(columnMapping(await table('phone_number,first_name,plan'), ['plan'])).toEqual({});
  });
});
