import { expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { insertAgent } from '../../src/storage/agents-repo.js';
import { readProgress } from '../../src/storage/progress-repo.js';
import { updateWorkspaceSettings } from '../../src/storage/workspaces-repo.js';
import { orderedMultipart, storedCalls, useUploadSuite } from '../ingest/upload-harness.js';
import { describeEachDb } from '../support/databases.js';

// §1 accepted uploads: what is stored and answered. Rejections: test/ingest/upload-rejections.

const CREATED = { status: 'queued', message: 'Batch calls initiated successfully' };
/** The seeded agent uses {first_name}, {last_name} and {appointment_date}. */
const missing = (names: string) => ({
  row: 1,
  message: `Missing columns for the agent's variables: ${names} (they will be read as empty text)`,
});
const MISSING_ALL = missing('first_name, last_name, appointment_date');
const BATCH_ID = /^batch_[0-9a-z]{26}$/;

describeEachDb('POST /v1/api/batch-calls (contract §1)', (backend) => {
  const s = useUploadSuite(backend);

  it('creates a batch: exact body, rows in CSV order with line numbers, variables, national numbers', async () => {
    const csv =
      'phone_number,first_name,last_name,email,plan\n' +
      '+15005550001,John,Doe,john@example.com,gold\n' +
      '"(415) 555-0132","Mary ""May""","Smith, Jr.",,"line one\nline two"\n' +
      '\n' +
      '415.555.0133, Ann ,Lee,ann@example.com,basic\n';
    const res = await s.post(
      { agentId: s.tenant.agentId, defaultCountry: 'US', name: 'January reminders' },
      csv,
    );
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      batchId: body.batchId,
      totalCalls: 3,
      ...CREATED,
      warnings: [missing('appointment_date')],
    });
    expect(body.batchId).toMatch(BATCH_ID);
    expect(s.h.wakes).toBe(1);

    const now = s.h.clock.now();
    const calls = await storedCalls(s.t.db, body.batchId);
    expect(calls).toEqual([
      {
        seq: 0,
        line: 2,
        phone_number: '+15005550001',
        variables: {
          first_name: 'John',
          last_name: 'Doe',
          email: 'john@example.com',
          plan: 'gold',
        },
        // A range that spans zones takes the workspace's (every call keeps its recipient's zone).
        time_zone: 'UTC',
        run_at: now,
        state: 'waiting',
        attempts: 0,
        workspace_id: s.tenant.workspaceId,
      },
      {
        seq: 1,
        line: 3,
        phone_number: '+14155550132',
        variables: {
          first_name: 'Mary "May"',
          last_name: 'Smith, Jr.',
          email: '',
          plan: 'line one\nline two',
        },
        time_zone: 'America/Los_Angeles',
        run_at: now,
        state: 'waiting',
        attempts: 0,
        workspace_id: s.tenant.workspaceId,
      },
      {
        seq: 2,
        // line 4 is the quoted newline's second line, line 5 is blank
        line: 6,
        phone_number: '+14155550133',
        variables: { first_name: 'Ann', last_name: 'Lee', email: 'ann@example.com', plan: 'basic' },
        time_zone: 'America/Los_Angeles',
        run_at: now,
        state: 'waiting',
        attempts: 0,
        workspace_id: s.tenant.workspaceId,
      },
    ]);

    const [batch] = await s.t.db.query(
      `SELECT workspace_id, agent_id, name, status, total_calls, columns, config, max_concurrency,
              scheduled_at, created_at, start_time, completed_time FROM batches WHERE id = $1`,
      [body.batchId],
    );
    expect(batch).toEqual({
      workspace_id: s.tenant.workspaceId,
      agent_id: s.tenant.agentId,
      name: 'January reminders',
      status: 'queued',
      total_calls: 3,
      columns: ['phone_number', 'first_name', 'last_name', 'email', 'plan'],
      config: { defaultCountry: 'US' },
      max_concurrency: null,
      scheduled_at: null,
      created_at: now,
      start_time: null,
      completed_time: null,
    });
    expect(await readProgress(s.t.db, body.batchId)).toEqual({
      waiting: 3,
      active: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      durationSum: 0,
    });
  });

  it('accepts a BOM, CRLF line ends, the /v1 prefix, and fields after the file', async () => {
    const csv = '\uFEFFphone_number,first_name\r\n+15005550001,"A\r\nB"\r\n0044 20 7946 0000,C\r\n';
    const body = orderedMultipart([
      { file: csv },
      ['agentId', s.tenant.agentId],
      ['maxConcurrency', '3'],
    ]);
    const res = await s.h.app.inject({
      method: 'POST',
      url: '/v1/batch-calls',
      payload: body.payload,
      headers: { ...s.tenant.headers, ...body.headers },
    });
    expect(res.statusCode).toBe(200);
    const { batchId } = res.json();
    const calls = await storedCalls(s.t.db, batchId);
    expect(calls.map((c) => [c.line, c.phone_number, c.variables])).toEqual([
      [2, '+15005550001', { first_name: 'A\r\nB' }],
      [4, '+442079460000', { first_name: 'C' }],
    ]);
    const [batch] = await s.t.db.query<{
      columns: string[];
      config: unknown;
      max_concurrency: number;
    }>('SELECT columns, config, max_concurrency FROM batches WHERE id = $1', [batchId]);
    expect(batch).toEqual({
      columns: ['phone_number', 'first_name'],
      // maxConcurrency has one home, its column; the config does not repeat it.
      config: {},
      max_concurrency: 3,
    });
  });

  it('reads defaultCountry even when it arrives after the file', async () => {
    const body = orderedMultipart([
      ['agentId', s.tenant.agentId],
      { file: 'phone_number\n020 7946 0000\n' },
      ['defaultCountry', 'gb'],
    ]);
    const res = await s.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      payload: body.payload,
      headers: { ...s.tenant.headers, ...body.headers },
    });
    expect(res.statusCode).toBe(200);
    const calls = await storedCalls(s.t.db, res.json().batchId);
    expect(calls.map((c) => [c.phone_number, c.variables])).toEqual([['+442079460000', {}]]);
  });

  it('stores a batch larger than one insert chunk with continuous seq and lines', async () => {
    const n = 12_001;
    const rows = Array.from({ length: n }, (_, i) => `+1415${2_000_000 + i},v${i}`);
    const res = await s.post({ agentId: s.tenant.agentId }, `phone_number,v\n${rows.join('\n')}\n`);
    expect(res.statusCode).toBe(200);
    const { batchId, totalCalls } = res.json();
    expect(totalCalls).toBe(n);
    const [agg] = await s.t.db.query(
      `SELECT count(*)::int AS n, min(seq) AS s0, max(seq) AS s1,
              count(*) FILTER (WHERE line <> seq + 2)::int AS off_line,
              count(*) FILTER (WHERE phone_number <> '+1415' || (2000000 + seq)::text)::int AS off_phone,
              count(*) FILTER (WHERE variables->>'v' <> 'v' || seq::text)::int AS off_vars
         FROM calls WHERE batch_id = $1`,
      [batchId],
    );
    expect(agg).toEqual({ n, s0: 0, s1: n - 1, off_line: 0, off_phone: 0, off_vars: 0 });
    expect((await readProgress(s.t.db, batchId)).waiting).toBe(n);
  });

  it('skipInvalidRows=true creates the batch from the valid rows and reports the rest', async () => {
    const csv =
      'phone_number,name\n+15005550001,A\nnope,B\n+15005550001,C\n+15005550002\n+15005550003,D\n';
    const res = await s.post({ agentId: s.tenant.agentId, skipInvalidRows: 'true' }, csv);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      batchId: body.batchId,
      totalCalls: 2,
      ...CREATED,
      skippedRows: [
        {
          row: 3,
          column: 'phone_number',
          value: 'nope',
          message:
            'Not a phone number: only digits, +, spaces, dashes, dots and parentheses allowed',
        },
        {
          row: 4,
          column: 'phone_number',
          value: '+15005550001',
          message: 'Duplicate phone number: same as row 2',
        },
        { row: 5, message: 'Row has 1 fields but the header has 2' },
      ],
      skippedCount: 3,
      warnings: [MISSING_ALL],
    });
    const calls = await storedCalls(s.t.db, body.batchId);
    expect(calls.map((c) => [c.seq, c.line, c.phone_number, c.variables])).toEqual([
      [0, 2, '+15005550001', { name: 'A' }],
      [1, 6, '+15005550003', { name: 'D' }],
    ]);
    expect((await readProgress(s.t.db, body.batchId)).waiting).toBe(2);
  });

  it('warns about E.164 numbers that are not valid, and still stores them', async () => {
    const res = await s.post(
      { agentId: s.tenant.agentId },
      'phone_number\n+15005550001\n+1234567890\n',
    );
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      batchId: body.batchId,
      totalCalls: 2,
      ...CREATED,
      warnings: [
        MISSING_ALL,
        {
          row: 3,
          column: 'phone_number',
          value: '+1234567890',
          message: 'not a valid number for its country',
        },
      ],
    });
    expect((await storedCalls(s.t.db, body.batchId)).map((c) => c.phone_number)).toEqual([
      '+15005550001',
      '+1234567890',
    ]);
  });

  it('scheduledAt: stored, returned as epoch ms, and the calls are due then', async () => {
    const res = await s.post(
      { agentId: s.tenant.agentId, scheduledAt: '2026-01-06T09:30:00Z' },
      'phone_number\n+15005550001\n',
    );
    expect(res.statusCode).toBe(200);
    const at = Date.UTC(2026, 0, 6, 9, 30);
    const body = res.json();
    expect(body).toEqual({
      batchId: body.batchId,
      totalCalls: 1,
      ...CREATED,
      scheduledAt: at,
      warnings: [MISSING_ALL],
    });
    const [batch] = await s.t.db.query('SELECT scheduled_at, status FROM batches WHERE id = $1', [
      body.batchId,
    ]);
    expect(batch).toEqual({ scheduled_at: at, status: 'queued' });
    expect((await storedCalls(s.t.db, body.batchId))[0]!.run_at).toBe(at);
  });

  it('smart callback: the batch override is frozen in config, filling gaps from the agent', async () => {
    const res = await s.post(
      { agentId: s.tenant.agentId, smartCallbackConfig: '{"enabled":true,"maxAttempts":4}' },
      'phone_number\n+15005550001\n',
    );
    expect(res.statusCode).toBe(200);
    const [batch] = await s.t.db.query<{ config: unknown }>(
      'SELECT config FROM batches WHERE id = $1',
      [res.json().batchId],
    );
    expect(batch!.config).toEqual({ smartCallback: { enabled: true, maxAttempts: 4, gaps: [] } });
  });

  it("smart callback: without an override, an agent's enabled defaults are frozen in config", async () => {
    const now = s.h.clock.now();
    const agent = await insertAgent(s.t.db, {
      id: newId('agent', now),
      workspaceId: s.tenant.workspaceId,
      name: 'Callback agent',
      greeting: '',
      prompt: '',
      provider: 'simulator',
      smartCallback: true,
      maxAttemptsForSmartCallback: 3,
      gapBetweenEachAttemptForSmartCallback: [{ days: 1, hours: 2 }],
      now,
    });
    const res = await s.post({ agentId: agent.id }, 'phone_number\n+15005550001\n');
    expect(res.statusCode).toBe(200);
    const [batch] = await s.t.db.query<{ config: unknown }>(
      'SELECT config FROM batches WHERE id = $1',
      [res.json().batchId],
    );
    expect(batch!.config).toEqual({
      smartCallback: { enabled: true, maxAttempts: 3, gaps: [{ days: 1, hours: 2 }] },
    });
  });

  it('callingWindow with a zone: calls keep their own zone and are due when the window opens', async () => {
    // Now is Monday 2026-01-05 15:00Z = 10:00 in New York; the window opens at 12:00 local.
    const window = {
      timezone: 'America/New_York',
      days: [1, 2, 3, 4, 5],
      start: '12:00',
      end: '18:00',
    };
    const res = await s.post(
      { agentId: s.tenant.agentId, callingWindow: JSON.stringify(window) },
      'phone_number\n+15005550001\n+15005550002\n',
    );
    expect(res.statusCode).toBe(200);
    const { batchId } = res.json();
    const calls = await storedCalls(s.t.db, batchId);
    expect(calls.map((c) => [c.time_zone, c.run_at])).toEqual([
      ['UTC', Date.UTC(2026, 0, 5, 17, 0)],
      ['UTC', Date.UTC(2026, 0, 5, 17, 0)],
    ]);
    const [batch] = await s.t.db.query<{ config: unknown }>(
      'SELECT config FROM batches WHERE id = $1',
      [batchId],
    );
    expect(batch!.config).toEqual({ callingWindow: window });
  });

  it('callingWindow "recipient": the workspace timezone is used', async () => {
    await updateWorkspaceSettings(s.t.db, s.tenant.workspaceId, { timezone: 'Asia/Tokyo' });
    // 15:00Z Monday = 00:00 Tuesday in Tokyo; window 09:00–17:00 opens at 00:00Z Tuesday.
    const res = await s.post(
      {
        agentId: s.tenant.agentId,
        callingWindow: '{"timezone":"recipient","days":[1,2,3,4,5],"start":"09:00","end":"17:00"}',
      },
      'phone_number\n+15005550001\n',
    );
    expect(res.statusCode).toBe(200);
    const calls = await storedCalls(s.t.db, res.json().batchId);
    expect(calls.map((c) => [c.time_zone, c.run_at])).toEqual([
      ['Asia/Tokyo', Date.UTC(2026, 0, 6, 0, 0)],
    ]);
  });
});
