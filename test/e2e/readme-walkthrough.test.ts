// The README as a new user meets it (issue 10 §1, §4): its first screen says what a first start
// needs, and the shell blocks of "Your first batch" run verbatim with bash against the server
// its start command describes, so the README cannot drift from what Outdial does.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bannerExportLine,
  logEntries,
  ROOT,
  type Server,
  startServer,
  stopServer,
  tempDir,
  waitForBanner,
  waitUntil,
} from '../support/cli.js';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const CONTRACT = 'https://docs.trillet.ai/v1/api-reference/endpoints/calls/batch/start';

function section(md: string, heading: string): string {
  const start = md.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}" in README.md`);
  const end = md.indexOf('\n## ', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

function fences(md: string): Array<{ lang: string; body: string }> {
  return [...md.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1]!,
    body: m[2]!,
  }));
}

/** The JSON values printed one after another (curl prints no newline after a body). */
function jsonValues(text: string): any[] {
  const values: any[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if ((c === '}' || c === ']') && --depth === 0) {
      values.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return values;
}

function bash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn('bash', ['-c', script], {
    cwd: ROOT,
    // Nothing of the test's environment: only what the README's commands set.
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => {
    stdout += d;
  });
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 150_000);
  return new Promise((resolve) =>
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe("README's first screen", () => {
  const first = README.slice(0, README.indexOf('\n## '));

  it('says what Outdial is, how to start and test it, its port, limits and contract', () => {
    expect(first.split('\n').length).toBeLessThanOrEqual(30);
    expect(first).toContain('self-hosted engine for batch outbound calls');
    expect(first).toContain('npm install && npm start');
    expect(first).toContain('npm test');
    expect(first).toContain('http://127.0.0.1:3000');
    expect(first).toContain('`PORT=3001 npm start`');
    expect(first).toContain('10 calls at once and 5 new calls per second');
    expect(first).toContain('`PATCH /v1/api/workspace`');
    expect(first).toContain('"maxConcurrentCalls"');
    expect(first).toContain('"callsPerSecond"');
    expect(first).toContain(`[Trillet's Batch Calls API](${CONTRACT})`);
  });
});

describe("README's first batch, run verbatim", () => {
  const blocks = fences(section(README, 'Your first batch'));
  const data = tempDir();
  let server: Server;
  let exportLine: string;

  beforeAll(async () => {
    // The start command: settings, then `npm start`, which runs the CLI's `serve`.
    const start = /^((?:[A-Z_]+=\S+ )*)npm start\n$/.exec(blocks[0]!.body);
    expect(start, blocks[0]!.body).not.toBeNull();
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('node bin/outdial.js serve');
    const env = Object.fromEntries(
      start![1]!
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => kv.split('=', 2) as [string, string]),
    );
    expect(env).toHaveProperty('OUTDIAL_SIM_SPEED');
    server = await startServer({ ...env, OUTDIAL_DATA_DIR: data.dir });
    await waitForBanner(server);
    exportLine = bannerExportLine(server.output());
  }, 120_000);

  afterAll(async () => {
    if (server) expect(await stopServer(server)).toBe(0);
    data.remove();
  });

  it("shows the banner's export line as the server prints it", () => {
    expect(blocks[1]!.lang).toBe('text');
    const shown = blocks[1]!.body.trim();
    const shape = shown
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace('127\\.0\\.0\\.1:3000', `127\\.0\\.0\\.1:${server.port}`)
      .replace('od_…', 'od_[\\w-]+')
      .replace('ws_…', 'ws_\\w+')
      .replace('agent_…', 'agent_\\w+');
    expect(exportLine).toMatch(new RegExp(`^${shape}$`));
  });

  it('states the default limits the server has', async () => {
    const [, key, ws] = /KEY=(\S+) WS=(\S+)/.exec(exportLine)!;
    const res = await fetch(`${server.baseUrl}/v1/api/workspace`, {
      headers: { 'x-api-key': key!, 'x-workspace-id': ws! },
    });
    expect(await res.json()).toMatchObject({ maxConcurrentCalls: 10, callsPerSecond: 5 });
  });

  it('sets BATCH and JOB from the answers and ends on the first call, completed', async () => {
    const shell = blocks.slice(2);
    expect(shell.length).toBeGreaterThanOrEqual(3);
    for (const b of shell) expect(b.lang).toBe('sh');
    const script = ['set -euo pipefail', exportLine, ...shell.map((b) => b.body)].join('\n');
    const run = await bash(script);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);

    // What the commands showed: each answer, in order.
    expect(run.stderr).toBe('');
    const [created, batch, calls, call, workspace, ...more] = jsonValues(run.stdout);
    expect(more).toEqual([]);
    expect(created).toEqual({
      batchId: expect.stringMatching(/^batch_/),
      totalCalls: 10,
      status: 'queued',
      message: 'Batch calls initiated successfully',
    });
    expect(batch.id).toBe(created.batchId);
    expect(calls.calls).toHaveLength(10);
    expect(call).toMatchObject({
      jobId: calls.calls[0].jobId,
      phone_number: '+15005550001',
      status: 'completed',
      result: { outcome: 'successful' },
    });
    // The limits, raised as the README shows.
    expect(workspace).toMatchObject({ maxConcurrentCalls: 50, callsPerSecond: 20 });
    const status = await fetch(`${server.baseUrl}/v1/api/batch-calls/${created.batchId}/status`, {
      headers: {
        'x-api-key': /KEY=(\S+)/.exec(exportLine)![1]!,
        'x-workspace-id': /WS=(\S+)/.exec(exportLine)![1]!,
      },
    });
    expect(await status.json()).toMatchObject({ isComplete: true, completed: 7, failed: 3 });
  }, 180_000);

  it('stops a command whose BATCH is unset instead of listing batches', async () => {
    const follow = blocks.find((b) => b.lang === 'sh' && b.body.startsWith('curl'))!;
    expect(follow.body).toContain('${BATCH:?');
    const run = await bash([exportLine, follow.body].join('\n'));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('BATCH: start a batch first');
    expect(run.stdout).toBe('');
    // Nothing reached the server: once a later request is logged, no list request is.
    const marker = (await fetch(`${server.baseUrl}/healthz`)).headers.get('x-request-id');
    await waitUntil('the marker request', () =>
      logEntries(server.output()).some((e) => e.reqId === marker) ? true : undefined,
    );
    const lists = logEntries(server.output()).filter(
      (e) =>
        e.msg === 'request completed' &&
        /^\/v1(\/api)?\/batch-calls\/?$/.test(e.url) &&
        e.method === 'GET',
    );
    expect(lists).toEqual([]);

    // And a path with the id left empty is no list either.
    const headers = {
      'x-api-key': /KEY=(\S+)/.exec(exportLine)![1]!,
      'x-workspace-id': /WS=(\S+)/.exec(exportLine)![1]!,
    };
    for (const prefix of ['/v1/api', '/v1']) {
      const res = await fetch(`${server.baseUrl}${prefix}/batch-calls/`, { headers });
      expect(res.status).toBe(404);
      expect(await res.json()).not.toHaveProperty('batches');
    }
  });

  it('logged one line per request, each with its own request id', () => {
    const entries = logEntries(server.output());
    expect(entries.filter((e) => e.msg === 'incoming request')).toEqual([]);
    const requests = entries.filter((e) => e.msg === 'request completed');
    expect(requests.length).toBeGreaterThan(5);
    const ids = requests.map((r) => r.reqId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of requests) {
      expect(Object.keys(r).sort()).toEqual(
        [
          'hostname',
          'level',
          'method',
          'msg',
          'pid',
          'reqId',
          'responseTime',
          'statusCode',
          'time',
          'url',
        ].sort(),
      );
      expect(r.url).not.toContain('?');
    }
  });
});
