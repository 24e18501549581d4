import { describe, expect, it } from 'vitest';
import { parseBatchOptions, parseIsoInstant } from '../../src/domain/batch-options.js';
import { AppError } from '../../src/domain/errors.js';

const NOW = Date.UTC(2026, 0, 5, 15, 0, 0);

/** The 400 body parseBatchOptions throws, or the options it returns. */
function run(fields: Record<string, unknown>) {
  try {
    return parseBatchOptions({ agentId: 'agent_1', ...fields }, NOW);
  } catch (err) {
    if (err instanceof AppError) return { status: err.statusCode, ...err.body };
    throw err;
  }
}

describe('parseBatchOptions', () => {
  it('only agentId given: defaults', () => {
    expect(run({})).toEqual({ agentId: 'agent_1', skipInvalidRows: false, strictVariables: false });
  });

  it('every field given, empty strings count as absent', () => {
    expect(
      run({
        scheduledAt: '2026-01-06T09:30:00Z',
        smartCallbackConfig: '{"enabled":true,"maxAttempts":3,"gaps":[{"days":1,"hours":0}]}',
        name: '  Spring campaign ',
        maxConcurrency: '4',
        skipInvalidRows: 'TRUE',
        defaultCountry: 'gb',
        callingWindow: '{"timezone":"Europe/London","days":[1,2],"start":"09:00","end":"17:00"}',
        columnMap: '{"phone_number":" Mobile ","first_name":"First Name"}',
        strictVariables: 'true',
      }),
    ).toEqual({
      agentId: 'agent_1',
      columnMap: { phone_number: ' Mobile ', first_name: 'First Name' },
      strictVariables: true,
      scheduledAt: Date.UTC(2026, 0, 6, 9, 30),
      smartCallback: { enabled: true, maxAttempts: 3, gaps: [{ days: 1, hours: 0 }] },
      name: 'Spring campaign',
      maxConcurrency: 4,
      skipInvalidRows: true,
      defaultCountry: 'GB',
      callingWindow: { timezone: 'Europe/London', days: [1, 2], start: '09:00', end: '17:00' },
    });
    expect(
      run({
        scheduledAt: '',
        name: '',
        maxConcurrency: '',
        defaultCountry: ' ',
        callingWindow: '',
        columnMap: '',
        strictVariables: '',
      }),
    ).toEqual({ agentId: 'agent_1', skipInvalidRows: false, strictVariables: false });
  });

  it('columnMap: a JSON object of variable → header; strictVariables: true or false', () => {
    expect(run({ columnMap: { phone_number: 'Mobile' } })).toMatchObject({
      columnMap: { phone_number: 'Mobile' },
    });
    const bad = (columnMap: unknown, message: string) =>
      expect(run({ columnMap })).toEqual({ status: 400, error: 'Invalid columnMap', message });
    bad('{phone', 'columnMap must be a JSON string');
    bad(
      '["Mobile"]',
      'columnMap must be a JSON object such as {"phone_number":"Mobile","first_name":"First Name"}',
    );
    bad('{"first_name":3}', 'columnMap["first_name"] must be the name of a column of the file');
    bad('{" ":"A"}', 'columnMap has an invalid variable name " "');
    bad('{"{x}":"A"}', 'columnMap has an invalid variable name "{x}"');
    bad('{"a":"A"," a":"B"}', 'columnMap names "a" twice');
    expect(run({ strictVariables: 'yes' })).toEqual({
      status: 400,
      error: 'Invalid strictVariables',
      message: 'strictVariables must be "true" or "false"',
    });
  });

  it('accepts JSON fields the multipart parser already decoded', () => {
    expect(run({ smartCallbackConfig: { enabled: false } })).toMatchObject({
      smartCallback: { enabled: false },
    });
  });

  it('Missing agentId', () => {
    expect(parseBatchOptionsError({})).toEqual({
      status: 400,
      error: 'Missing agentId',
      message: 'The agentId field is required',
    });
    expect(parseBatchOptionsError({ agentId: '  ' })).toMatchObject({ error: 'Missing agentId' });
  });

  it('scheduledAt: now is fine, a millisecond earlier is the past, garbage is unparsable', () => {
    expect(run({ scheduledAt: '2026-01-05T15:00:00.000Z' })).toMatchObject({ scheduledAt: NOW });
    expect(run({ scheduledAt: '2026-01-05T14:59:59.999Z' })).toEqual({
      status: 400,
      error: 'Invalid scheduledAt',
      message:
        'scheduledAt 2026-01-05T14:59:59.999Z is in the past (now is 2026-01-05T15:00:00.000Z)',
    });
    for (const bad of [
      'tomorrow',
      '2026-01-06',
      '2026-01-06T09:30:00',
      '2026-02-30T09:00:00Z',
      '1767700000000',
    ]) {
      expect(run({ scheduledAt: bad })).toMatchObject({
        status: 400,
        error: 'Invalid scheduledAt',
      });
    }
  });

  it('smartCallbackConfig: malformed or out of range', () => {
    const cases: Array<[string, string]> = [
      ['not json', 'smartCallbackConfig must be a JSON string'],
      ['[1]', 'smartCallbackConfig must be a JSON object'],
      ['{"maxAttempts":3}', 'enabled must be true or false'],
      ['{"enabled":"yes"}', 'enabled must be true or false'],
      ['{"enabled":true,"maxAttempts":0}', 'maxAttempts must be an integer from 1 to 10'],
      ['{"enabled":true,"maxAttempts":2.5}', 'maxAttempts must be an integer from 1 to 10'],
      ['{"enabled":true,"gaps":{}}', 'gaps must be a list of at most 10 {"days","hours"} objects'],
      [
        '{"enabled":true,"gaps":[{"days":31,"hours":0}]}',
        'gaps[0] must be {"days": 0-30, "hours": 0-23}',
      ],
      [
        '{"enabled":true,"gaps":[{"days":1,"hours":1},{"days":1}]}',
        'gaps[1] must be {"days": 0-30, "hours": 0-23}',
      ],
      [
        '{"enabled":true,"gaps":[{"days":1,"hours":1,"minutes":5}]}',
        'gaps[0] must be {"days": 0-30, "hours": 0-23}',
      ],
      ['{"enabled":true,"maxAttempt":3}', 'Unknown smartCallbackConfig field: maxAttempt'],
    ];
    for (const [raw, message] of cases) {
      expect(run({ smartCallbackConfig: raw })).toEqual({
        status: 400,
        error: 'Invalid smartCallbackConfig',
        message,
      });
    }
  });

  it('name, maxConcurrency, skipInvalidRows, defaultCountry: invalid values', () => {
    expect(run({ name: 'x'.repeat(200) })).toMatchObject({ name: 'x'.repeat(200) });
    expect(run({ name: 'x'.repeat(201) })).toEqual({
      status: 400,
      error: 'Invalid name',
      message: 'name must be at most 200 characters',
    });
    for (const bad of ['0', '-1', '1.5', 'two', '2147483648']) {
      expect(run({ maxConcurrency: bad })).toEqual({
        status: 400,
        error: 'Invalid maxConcurrency',
        message: 'maxConcurrency must be an integer >= 1',
      });
    }
    expect(run({ skipInvalidRows: 'yes' })).toEqual({
      status: 400,
      error: 'Invalid skipInvalidRows',
      message: 'skipInvalidRows must be "true" or "false"',
    });
    expect(run({ skipInvalidRows: 'false' })).toMatchObject({
      skipInvalidRows: false,
      strictVariables: false,
    });
    for (const bad of ['XX', 'USA', 'U']) {
      expect(run({ defaultCountry: bad })).toMatchObject({
        status: 400,
        error: 'Invalid defaultCountry',
      });
    }
  });

  it('callingWindow: errors carry parseCallingWindow’s message', () => {
    expect(run({ callingWindow: '{"start":"9am","end":"17:00"}' })).toEqual({
      status: 400,
      error: 'Invalid callingWindow',
      message: 'start must be a time "HH:MM" (00:00 to 23:59)',
    });
    expect(
      run({ callingWindow: '{"timezone":"Mars/Olympus","start":"09:00","end":"17:00"}' }),
    ).toEqual({
      status: 400,
      error: 'Invalid callingWindow',
      message: 'timezone must be "recipient" or an IANA time zone name',
    });
    expect(run({ callingWindow: '{' })).toEqual({
      status: 400,
      error: 'Invalid callingWindow',
      message: 'callingWindow must be a JSON string',
    });
  });
});

function parseBatchOptionsError(fields: Record<string, unknown>) {
  try {
    parseBatchOptions(fields, NOW);
  } catch (err) {
    if (err instanceof AppError) return { status: err.statusCode, ...err.body };
  }
  throw new Error('expected an AppError');
}

describe('parseIsoInstant', () => {
  it('reads Z and offsets, fractions, and rejects impossible dates', () => {
    expect(parseIsoInstant('2026-01-06T09:30:00Z')).toBe(Date.UTC(2026, 0, 6, 9, 30));
    expect(parseIsoInstant('2026-01-06T09:30Z')).toBe(Date.UTC(2026, 0, 6, 9, 30));
    expect(parseIsoInstant('2026-01-06T09:30:00.5Z')).toBe(Date.UTC(2026, 0, 6, 9, 30, 0, 500));
    expect(parseIsoInstant('2026-01-06T10:30:00+01:00')).toBe(Date.UTC(2026, 0, 6, 9, 30));
    expect(parseIsoInstant('2026-01-06T04:00:00-0530')).toBe(Date.UTC(2026, 0, 6, 9, 30));
    expect(parseIsoInstant('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    for (const bad of [
      '2026-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-06T24:00:00Z',
      '2026-01-06T09:60:00Z',
      '2026-01-06 09:30:00Z',
    ]) {
      expect(parseIsoInstant(bad)).toBeUndefined();
    }
  });
});
