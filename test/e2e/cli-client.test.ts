// The CLI client following batches (issue 15): the real `bin/outdial.js` against a real server on
// each database, piped as a script runs it. Exit codes come from reserved simulator numbers: 0001
// answers, 0101 is busy every time, 0401 is unreachable.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { childEnv, ROOT, waitUntil } from '../support/cli.js';
import { describeEachDb } from '../support/databases.js';
import { reservedNumber } from '../support/scale-out.js';
import {
  AGENT,
  answering,
  batchIds,
  type ClientServer,
  fromNow,
  KEY,
  newestBatch,
  outdial,
  outdialJson,
  startClientServer,
  startOutdial,
  WS,
  withoutTimestamp,
  writeContacts,
} from './cli-client-harness.js';

describeEachDb('outdial batch … --follow against a real server', (backend) => {
  let s: ClientServer;

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

  it('--schedule, --name and --idempotency-key reach the API; a scheduled batch cancelled follows to exit 4', async () => {
    const before = await batchIds(s);
    const csv = writeContacts(s.dir, 'scheduled', answering(50, 2));
    const at = fromNow(3_600_000);
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

  it('follows a scheduled batch through its wait until it ends', async () => {
    const csv = writeContacts(s.dir, 'soon', answering(30, 2));
    const run = await outdial(
      ['batch', 'start', csv, '--agent', AGENT, '--schedule', fromNow(4_000), '--follow'],
      s.env,
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Batch batch_\w+ queued: 2 calls, dialing from \d{4}-\d\d-\d\d /);
    expect(lines[1]).toMatch(
      /^scheduled for \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: 0\/2 done \(0 completed, 0 failed, 0 cancelled\), 0 active, 2 waiting$/,
    );
    expect(lines.at(-1)).toMatch(/ completed: 2 completed, 0 failed of 2 calls in \d+:\d\d$/);
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
    // Down until the follower has noticed: a restart quicker than its poll would test nothing.
    await s.restart(() =>
      waitUntil('the follower to notice', () =>
        follow.stdout().includes('no answer from the server') ? true : undefined,
      ),
    );
    const run = await follow.done;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'no answer from the server: still following, for up to 60 s without an answer\n',
    );
    expect(run.stdout).toContain('the server answers again\n');
    expect(run.stdout).toMatch(/ completed: 4 completed, 0 failed of 4 calls in \d+:\d\d\n$/);
  }, 120_000);

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
