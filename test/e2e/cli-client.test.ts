// The CLI client end to end (issue 15): the real `bin/outdial.js` against a real server on each
// database, as a script runs it (piped) and as a person does (a pseudo-terminal). Exit codes come
// from reserved simulator numbers: 0001 answers, 0101 is busy every time, 0401 is unreachable.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { childEnv, ROOT, waitUntil } from '../support/cli.js';
import { describeEachDb } from '../support/databases.js';
import { reservedNumber } from '../support/scale-out.js';
import {
  AGENT,
  type ClientServer,
  hasScript,
  KEY,
  outdial,
  outdialInTerminal,
  outdialJson,
  type RunningClient,
  screenLines,
  startClientServer,
  startOutdial,
  WS,
  writeContacts,
} from './cli-client-harness.js';

const answering = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => reservedNumber(0, from + i));

/** The newest batch, once one newer than `known` exists. */
async function newestBatch(
  s: ClientServer,
  known: ReadonlySet<string>,
  starter: RunningClient,
): Promise<string> {
  return waitUntil('the new batch', async () => {
    const ended = starter.ended();
    if (ended) throw new Error(`batch start ended (${ended.code}): ${ended.stderr}`);
    const { body } = await s.api.get('/v1/api/batch-calls?limit=1');
    const id = body.batches[0]?.id;
    return id && !known.has(id) ? (id as string) : undefined;
  });
}

async function batchIds(s: ClientServer): Promise<Set<string>> {
  const { body } = await s.api.get('/v1/api/batch-calls?limit=100');
  return new Set(body.batches.map((b: { id: string }) => b.id));
}

const withoutTimestamp = (body: any) => ({ ...body, timestamp: 0 });

describeEachDb('the CLI client against a real server', (backend) => {
  let s: ClientServer;
  /** A completed batch with one failed call, for the read-only commands. */
  let finished: string;

  beforeAll(async () => {
    s = await startClientServer(backend);
  }, 120_000);
  // A server that died shows its output, instead of every later test failing to reach it.
  afterEach(() => s.check());
  afterAll(async () => {
    await s?.stop();
  });

  it('start --follow --json: exit 0 when every call completed, and only the final status, as the API answers it', async () => {
    const csv = writeContacts(s.dir, 'answered', answering(0, 3));
    const run = await outdial(
      ['batch', 'start', csv, '--agent', AGENT, '--name', 'all answered', '--follow', '--json'],
      s.env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const final = JSON.parse(run.stdout);
    expect(final).toMatchObject({
      status: 'completed',
      isComplete: true,
      name: 'all answered',
      agentId: AGENT,
      progress: { completed: 3, failed: 0, cancelled: 0, total: 3 },
    });
    const { body } = await s.api.get(`/v1/api/batch-calls/${final.id}`);
    expect(withoutTimestamp(final)).toEqual(withoutTimestamp(body));
  });

  it('start --follow piped: a line per change, the summary, exit 3 when a call failed', async () => {
    const csv = writeContacts(s.dir, 'one-busy', [reservedNumber(0, 10), reservedNumber(1, 10)]);
    const run = await outdial(['batch', 'start', csv, '--agent', AGENT, '--follow'], s.env);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    const id = /^Batch (batch_\w+) queued: 2 calls$/.exec(lines[0]!)?.[1];
    expect(id, run.stdout).toBeDefined();
    finished = id!;
    const changes = lines.slice(1, -2);
    for (const line of changes) {
      expect(line).toMatch(
        /^\w+: \d\/2 done \(\d completed, \d failed, 0 cancelled\), \d active, \d waiting$/,
      );
    }
    for (let i = 1; i < changes.length; i++) expect(changes[i]).not.toBe(changes[i - 1]);
    expect(changes.at(-1)).toBe(
      'completed: 2/2 done (1 completed, 1 failed, 0 cancelled), 0 active, 0 waiting',
    );
    expect(lines.at(-2)).toMatch(
      new RegExp(`^Batch ${id} completed: 1 completed, 1 failed of 2 calls in \\d+:\\d\\d$`),
    );
    expect(lines.at(-1)).toBe(`The failed calls: outdial batch calls ${id} --status failed`);
  });

  it('a batch cancelled while followed exits 4, even with a failed call (cancelled wins)', async () => {
    const known = await batchIds(s);
    // The unreachable number fails at once; one call at a time leaves the rest waiting.
    const csv = writeContacts(s.dir, 'to-cancel', [reservedNumber(4, 20), ...answering(20, 8)]);
    const follow = startOutdial(
      ['batch', 'start', csv, '--agent', AGENT, '--max-concurrency', '1', '--follow', '--json'],
      s.env,
    );
    const id = await newestBatch(s, known, follow);
    await waitUntil('a failed call and calls still waiting', async () => {
      const { body } = await s.api.get(`/v1/api/batch-calls/${id}/status`);
      return body.failed >= 1 && body.waiting >= 2 ? true : undefined;
    });

    const cancelled = await outdialJson(['batch', 'cancel', id], s.env);
    expect(cancelled).toMatchObject({
      batchId: id,
      status: 'cancelled',
      message: 'Batch cancelled successfully',
    });
    const d = cancelled.details;
    expect(d.cancelledCalls).toBeGreaterThanOrEqual(2);
    expect(d.completedCalls + d.failedCalls + d.cancelledCalls + d.activeCalls).toBe(9);

    const run = await follow.done;
    expect(run.code, run.stderr).toBe(4);
    const final = JSON.parse(run.stdout);
    expect(final).toMatchObject({ id, status: 'cancelled', isComplete: true });
    expect(final.progress.failed).toBeGreaterThanOrEqual(1);
    expect(final.progress.cancelled).toBe(d.cancelledCalls);
  });

  it("status, list and calls --json print the API's answers", async () => {
    const status = await outdialJson(['batch', 'status', finished], s.env);
    const direct = await s.api.get(`/v1/api/batch-calls/${finished}`);
    expect(withoutTimestamp(status)).toEqual(withoutTimestamp(direct.body));

    const list = await outdialJson(['batch', 'list', '--limit', '2', '--page', '2'], s.env);
    expect(list).toEqual((await s.api.get('/v1/api/batch-calls?limit=2&page=2')).body);
    expect(list.batches).toHaveLength(1);
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

  const badRows = () => {
    const file = path.join(s.dir, 'bad-rows.csv');
    writeFileSync(
      file,
      'phone_number,first_name,appointment_date\n12ab,Ann,Monday\n+15005550030,Bob,Monday\n' +
        '+15005550030,Cid,Monday\n+1234567890,Dee,Monday\n',
    );
    return file;
  };

  it('validate: exit 3 with bad rows, 0 without; --json is the API answer', async () => {
    const file = badRows();
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
    const file = badRows();
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
      ['batch', 'start', file, '--agent', AGENT, '--skip-invalid-rows', '--schedule', later()],
      s.env,
    );
    expect(skipped).toMatchObject({ totalCalls: 2, skippedCount: 2, status: 'queued' });
    expect(skipped.skippedRows.map((r: { row: number }) => r.row)).toEqual([2, 4]);
    await outdialJson(['batch', 'cancel', skipped.batchId], s.env);
  });

  it('--schedule, --name and --idempotency-key reach the API; a scheduled batch cancelled follows to exit 4', async () => {
    const before = await batchIds(s);
    const csv = writeContacts(s.dir, 'scheduled', answering(50, 2));
    const at = later();
    const args = ['batch', 'start', csv, '--agent', AGENT, '--schedule', at, '--name', 'later'];
    const first = await outdialJson([...args, '--idempotency-key', 'cli-e2e-1'], s.env);
    const again = await outdialJson([...args, '--idempotency-key', 'cli-e2e-1'], s.env);
    expect(again).toEqual(first);
    expect((await batchIds(s)).size).toBe(before.size + 1);
    expect(first).toMatchObject({ status: 'queued', totalCalls: 2, scheduledAt: Date.parse(at) });

    const status = await outdialJson(['batch', 'status', first.batchId], s.env);
    expect(status).toMatchObject({ name: 'later', status: 'queued', scheduledAt: Date.parse(at) });

    await outdialJson(['batch', 'cancel', first.batchId], s.env);
    const run = await outdial(['batch', 'status', first.batchId, '--follow'], s.env);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toBe(
      'cancelled: 2/2 done (0 completed, 0 failed, 2 cancelled), 0 active, 0 waiting\n' +
        `Batch ${first.batchId} cancelled: 0 completed, 0 failed, 2 cancelled of 2 calls\n`,
    );
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

  it('keeps following while the server restarts', async () => {
    const csv = writeContacts(s.dir, 'restart', answering(70, 4));
    const follow = startOutdial(
      ['batch', 'start', csv, '--agent', AGENT, '--max-concurrency', '1', '--follow'],
      s.env,
    );
    await waitUntil('the first progress line', () => {
      const ended = follow.ended();
      if (ended) throw new Error(`the follower ended (${ended.code}): ${ended.stderr}`);
      return follow.stdout().includes('processing:') ? true : undefined;
    });
    await s.restart();
    const run = await follow.done;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'no answer from the server: still following, for up to 60 s without an answer\n',
    );
    expect(run.stdout).toContain('the server answers again\n');
    expect(run.stdout).toMatch(/ completed: 4 completed, 0 failed of 4 calls in \d+:\d\d\n$/);
  }, 120_000);

  (hasScript ? it : it.skip)(
    'on a terminal: a progress bar redrawn in place until the end, then the summary',
    async () => {
      const csv = writeContacts(s.dir, 'terminal', answering(80, 6));
      const run = await outdialInTerminal(
        ['batch', 'start', csv, '--agent', AGENT, '--max-concurrency', '2', '--follow'],
        s.env,
        { columns: 100 },
      );
      expect(run.code, run.output).toBe(0);
      const frames = run.output.split('\r\x1b[2K').slice(1);
      expect(frames.length, run.output).toBeGreaterThanOrEqual(2);
      for (const frame of frames) {
        const line = frame.split('\r')[0]!;
        expect(line.length, line).toBeLessThanOrEqual(99);
        expect(line).toMatch(/\[[█░]+\] \d\/6 · \d completed · 0 failed · \d active/);
      }
      expect(frames.slice(0, -1).every((f) => /ETA (\d+:\d\d|--:--)$/.test(f))).toBe(true);
      const screen = screenLines(run.output);
      const id = /^Batch (batch_\w+) queued: 6 calls$/.exec(screen[0]!)?.[1];
      expect(id, run.output).toBeDefined();
      expect(screen.slice(1, 3)).toEqual([
        expect.stringMatching(
          /^completed \[█{30}\] 6\/6 · 6 completed · 0 failed · 0 active · [\d.]+ calls\/min$/,
        ),
        expect.stringMatching(
          new RegExp(`^Batch ${id} completed: 6 completed, 0 failed of 6 calls in \\d+:\\d\\d$`),
        ),
      ]);
      expect(screen.slice(3)).toEqual(['']);

      const calls = screenLines(
        (await outdialInTerminal(['batch', 'calls', id!], s.env, { columns: 120 })).output,
      );
      expect(calls[0]).toMatch(/^JOB +STATUS +PHONE +ATTEMPTS +STARTED +DURATION +ERROR$/);
      expect(calls.slice(1, 7).map((l) => l.split(/ +/).slice(1, 4))).toEqual(
        answering(80, 6).map((phone) => ['completed', phone, '1']),
      );
      expect(calls[7]).toBe('page 1 of 1 · 6 matching');

      const status = screenLines((await outdialInTerminal(['batch', 'status', id!], s.env)).output);
      expect(status.slice(0, 2)).toEqual([`Batch ${id}`, '  status    completed']);
      expect(status).toContain('Latest finished calls:');

      const list = screenLines(
        (await outdialInTerminal(['batch', 'list', '--limit', '1'], s.env)).output,
      );
      expect(list[0]).toMatch(/^BATCH +STATUS +CALLS +CREATED +SCHEDULED +NAME$/);
      expect(list[1]).toMatch(new RegExp(`^${id} +completed +6 `));
    },
    120_000,
  );

  (hasScript ? it : it.skip)('on a terminal: the row report of a bad file', async () => {
    const run = await outdialInTerminal(['validate', badRows(), '--agent', AGENT], s.env);
    expect(run.code).toBe(3);
    expect(screenLines(run.output)).toEqual([
      `${path.join(s.dir, 'bad-rows.csv')}: NOT valid`,
      '  rows: 4 in all, 2 to dial, 1 invalid, 1 duplicate',
      '  columns: phone_number, first_name, appointment_date',
      '',
      '2 errors:',
      '  row 2, phone_number "12ab": Not a phone number: only digits, +, spaces, dashes, dots and parentheses allowed',
      '  row 4, phone_number "+15005550030": Duplicate phone number: same as row 3',
      '',
      '1 warning:',
      '  row 5, phone_number "+1234567890": not a valid number for its country',
      '',
    ]);
  });

  (hasScript ? it : it.skip)(
    'Ctrl-C stops following and says how to resume; the batch keeps running',
    async () => {
      const csv = writeContacts(s.dir, 'interrupted', answering(90, 5));
      const run = await outdialInTerminal(
        ['batch', 'start', csv, '--agent', AGENT, '--max-concurrency', '1', '--follow'],
        s.env,
        { input: { when: (out) => out.includes('\x1b[2K['), text: '\x03' } },
      );
      expect(run.code, run.output).toBe(130);
      const id = /Batch (batch_\w+) queued/.exec(run.output)![1];
      expect(screenLines(run.output).filter((l) => l.startsWith('outdial:'))).toEqual([
        `outdial: stopped following ${id}; the batch keeps running (follow it again: ` +
          `outdial batch status ${id} --follow)`,
      ]);
      const follow = await outdial(['batch', 'status', id!, '--follow', '--json'], s.env);
      expect(follow.code).toBe(0);
      expect(JSON.parse(follow.stdout)).toMatchObject({
        status: 'completed',
        progress: { completed: 5 },
      });
    },
    120_000,
  );

  if (backend === 'pglite') {
    it("the README's client commands run as written", async () => {
      const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const block = /\n```sh\n(export OUTDIAL_URL=[\s\S]*?)```\n/.exec(readme)?.[1];
      expect(block).toBeDefined();
      const proc = spawn('bash', ['-c', block!], {
        cwd: ROOT,
        env: childEnv({ BASE: s.server.baseUrl, KEY, WS, AGENT, TZ: 'UTC' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
      });
      proc.stderr.on('data', (d) => {
        out += d;
      });
      const code = await new Promise((r) => proc.on('close', r));
      // The sample's busy, unanswered and unreachable numbers fail on purpose.
      expect(code, out).toBe(3);
      expect(JSON.parse(out.split('\n')[0]!)).toMatchObject({ valid: true, totalRows: 10 });
      expect(out).toMatch(/\nBatch batch_\w+ completed: 7 completed, 3 failed of 10 calls in /);
    }, 120_000);
  }
});

/** An hour from now, as --schedule takes it. */
function later(): string {
  return new Date(Date.now() + 3_600_000).toISOString();
}
