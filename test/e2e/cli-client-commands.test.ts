// The CLI client's other commands (issue 15): status, list, calls, export, cancel and validate,
// run piped against a real server on each database; their --json output is the API's answer.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../support/databases.js';
import { reservedNumber } from '../support/scale-out.js';
import {
  AGENT,
  answering,
  batchIds,
  type ClientServer,
  fromNow,
  KEY,
  outdial,
  outdialJson,
  startClientServer,
  WS,
  withoutTimestamp,
  writeBadRows,
  writeContacts,
} from './cli-client-harness.js';

describeEachDb('outdial batch status|list|calls|export|cancel and validate', (backend) => {
  let s: ClientServer;
  /** A completed batch: one call answered, one busy every time. */
  let finished: string;

  beforeAll(async () => {
    s = await startClientServer(backend);
    const csv = writeContacts(s.dir, 'one-busy', [reservedNumber(0, 10), reservedNumber(1, 10)]);
    const created = await s.api.uploadCsv(csv, { agentId: AGENT });
    finished = created.body.batchId;
    await s.api.waitForBatch(finished);
    // A cancelled batch beside it, for the status filter.
    const later = await s.api.uploadCsv(writeContacts(s.dir, 'later', answering(1, 1)), {
      agentId: AGENT,
      scheduledAt: fromNow(3_600_000),
    });
    await fetch(`${s.server.baseUrl}/v1/api/batch-calls/${later.body.batchId}`, {
      method: 'DELETE',
      headers: { 'x-api-key': KEY, 'x-workspace-id': WS },
    });
  }, 120_000);
  // A server that died shows its output, instead of every later test failing to reach it.
  afterEach(() => s.check());
  afterAll(async () => {
    await s?.stop();
  });

  it("status, list and calls --json print the API's answers", async () => {
    const status = await outdialJson(['batch', 'status', finished], s.env);
    const direct = await s.api.get(`/v1/api/batch-calls/${finished}`);
    expect(withoutTimestamp(status)).toEqual(withoutTimestamp(direct.body));

    // Newest first: the cancelled batch, then this one.
    const list = await outdialJson(['batch', 'list', '--limit', '1', '--page', '2'], s.env);
    expect(list).toEqual((await s.api.get('/v1/api/batch-calls?limit=1&page=2')).body);
    expect(list.batches.map((b: { id: string }) => b.id)).toEqual([finished]);
    const cancelled = await outdialJson(['batch', 'list', '--status', 'cancelled'], s.env);
    expect(cancelled.batches.map((b: { status: string }) => b.status)).toEqual(['cancelled']);

    const calls = await outdialJson(['batch', 'calls', finished, '--status', 'failed'], s.env);
    expect(calls).toEqual(
      (await s.api.get(`/v1/api/batch-calls/${finished}/calls?status=failed`)).body,
    );
    expect(calls.calls).toEqual([
      expect.objectContaining({
        phone_number: reservedNumber(1, 10),
        status: 'failed',
        error: 'Number busy - unable to connect after 3 attempts',
      }),
    ]);
    const page = await outdialJson(
      ['batch', 'calls', finished, '--limit', '1', '--page', '2'],
      s.env,
    );
    expect(page.calls.map((c: { phone_number: string }) => c.phone_number)).toEqual([
      reservedNumber(1, 10),
    ]);
  });

  it('an API error is one line with its status, and the API body with --json', async () => {
    const run = await outdial(['batch', 'cancel', finished], s.env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('outdial: Batch already completed (409)\n');
    const json = await outdial(['batch', 'cancel', finished, '--json'], s.env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ error: 'Batch already completed' });

    const missing = await outdial(['batch', 'status', 'batch_missing'], s.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('outdial: Batch not found: No batch with id batch_missing (404)\n');
  });

  it("export writes the API's CSV byte for byte, to a file or to stdout", async () => {
    const res = await fetch(`${s.server.baseUrl}/v1/api/batch-calls/${finished}/export-results`, {
      headers: { 'x-api-key': KEY, 'x-workspace-id': WS },
    });
    const expected = Buffer.from(await res.arrayBuffer());
    expect(expected.toString()).toContain('Number busy');

    const file = path.join(s.dir, 'results.csv');
    writeFileSync(file, 'an older export, replaced');
    const run = await outdial(['batch', 'export', finished, '-o', file], s.env);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(file).equals(expected)).toBe(true);
    expect(JSON.parse(run.stdout)).toEqual({ batchId: finished, file, bytes: expected.length });
    expect(readdirSync(s.dir).filter((f) => f.endsWith('.part'))).toEqual([]);

    const piped = await outdial(['batch', 'export', finished], s.env);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdoutBytes.equals(expected)).toBe(true);

    // An unknown batch writes nothing.
    const none = path.join(s.dir, 'none.csv');
    const missing = await outdial(['batch', 'export', 'batch_missing', '-o', none], s.env);
    expect(missing.code).toBe(1);
    expect(readdirSync(s.dir)).not.toContain('none.csv');
  });

  it('validate: exit 3 with bad rows, 0 without; --json is the API answer', async () => {
    const file = writeBadRows(s.dir);
    const run = await outdial(['validate', file, '--agent', AGENT, '--json'], s.env);
    expect(run.code, run.stderr).toBe(3);
    const form = new FormData();
    form.set('agentId', AGENT);
    form.set('file', new Blob([readFileSync(file)]), 'bad-rows.csv');
    const direct = await fetch(`${s.server.baseUrl}/v1/api/batch-calls/validate`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'x-workspace-id': WS },
      body: form,
    });
    expect(JSON.parse(run.stdout)).toEqual(await direct.json());
    expect(JSON.parse(run.stdout)).toMatchObject({ valid: false, errorCount: 2, warningCount: 1 });

    const good = writeContacts(s.dir, 'good', answering(40, 2));
    const ok = await outdial(['validate', good], s.env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, totalRows: 2, validRows: 2 });
  });

  it('a file with bad rows starts nothing and lists them; --skip-invalid-rows starts the rest', async () => {
    const before = await batchIds(s);
    const file = writeBadRows(s.dir);
    const run = await outdial(['batch', 'start', file, '--agent', AGENT], s.env);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^outdial: CSV validation failed: .* \(400\)$/);
    expect(lines.slice(1)).toEqual([
      '  row 2, phone_number "12ab": Not a phone number: only digits, +, spaces, dashes, dots and parentheses allowed',
      '  row 4, phone_number "+15005550030": Duplicate phone number: same as row 3',
    ]);
    expect(await batchIds(s)).toEqual(before);

    const json = await outdial(['batch', 'start', file, '--agent', AGENT, '--json'], s.env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: 'CSV validation failed',
      errors: [{ row: 2 }, { row: 4 }],
    });

    const skipped = await outdialJson(
      [
        'batch',
        'start',
        file,
        '--agent',
        AGENT,
        '--skip-invalid-rows',
        '--schedule',
        fromNow(3_600_000),
      ],
      s.env,
    );
    expect(skipped).toMatchObject({ totalCalls: 2, skippedCount: 2, status: 'queued' });
    expect(skipped.skippedRows.map((r: { row: number }) => r.row)).toEqual([2, 4]);
    await outdialJson(['batch', 'cancel', skipped.batchId], s.env);
  });

  it('an option the server refuses is its error, not a batch', async () => {
    const csv = writeContacts(s.dir, 'window', answering(60, 1));
    const run = await outdial(
      ['batch', 'start', csv, '--agent', AGENT, '--calling-window', '{"days":[9]}'],
      s.env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^outdial: Invalid callingWindow: .* \(400\)\n$/);
  });
});
