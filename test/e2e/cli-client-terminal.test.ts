// The CLI client on a terminal (issue 15): the real `bin/outdial.js` on a pseudo-terminal (`script`
// from util-linux) against a real server on each database: the progress bar redrawn in place,
// tables, the row report, Ctrl-C.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../support/databases.js';
import {
  AGENT,
  answering,
  type ClientServer,
  hasScript,
  outdial,
  outdialInTerminal,
  screenLines,
  startClientServer,
  writeBadRows,
  writeContacts,
} from './cli-client-harness.js';

if (!hasScript) console.warn('\n*** SKIPPING the terminal tests: no `script` (util-linux) ***\n');

describeEachDb('the CLI client on a terminal', (backend) => {
  let s: ClientServer;

  beforeAll(async () => {
    s = await startClientServer(backend);
  }, 120_000);
  // A server that died shows its output, instead of every later test failing to reach it.
  afterEach(() => s.check());
  afterAll(async () => {
    await s?.stop();
  });

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
    const run = await outdialInTerminal(['validate', writeBadRows(s.dir), '--agent', AGENT], s.env);
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
});
