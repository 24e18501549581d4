// The embedded database on a small real disk (a tmpfs), through the real server process: the
// issue's scenario replayed (a 20,000-row upload on a 60 MB disk), the free-space check that
// refuses it first, and what the server says about its disk.
import { statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import {
  freePort,
  logEntries,
  runCli,
  type Server,
  startServer,
  stopServer,
  tempDir,
  waitUntil,
} from '../support/cli.js';
import { canMountSmallDisk, mountSmallDisk, type SmallDisk } from '../support/disk-mount.js';

const WS = 'ws_e2edisk';
const KEY = 'od_e2e_disk_key_0123456789abcdef0123';
const AGENT = 'agent_e2edisk';
const HEADERS = { 'x-api-key': KEY, 'x-workspace-id': WS };
const MB = 1024 * 1024;

const env = (dataDir: string, extra: Record<string, string> = {}) => ({
  OUTDIAL_DATA_DIR: dataDir,
  OUTDIAL_BOOTSTRAP_WORKSPACE_ID: WS,
  OUTDIAL_BOOTSTRAP_API_KEY: KEY,
  OUTDIAL_BOOTSTRAP_AGENT_ID: AGENT,
  ...extra,
});

/** `rows` distinct valid numbers from exchange `first` on (10,000 a exchange). */
function phones(rows: number, first: number): string[] {
  return Array.from(
    { length: rows },
    (_, i) => `+1415${first + Math.floor(i / 10_000)}${String(i % 10_000).padStart(4, '0')}`,
  );
}

function writeCsv(dir: string, name: string, numbers: string[]): string {
  const lines = [
    'phone_number,first_name,notes',
    ...numbers.map((n, i) => `${n},Person${i},Prefers mornings; call back after 9`),
  ];
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Tomorrow, whole seconds: batches stored for later are not touched by the engine meanwhile. */
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');

interface Poll {
  sentAt: number;
  doneAt: number;
  status?: number;
  error?: string;
  body?: unknown;
}

/** Sends GET `url` every `everyMs` without waiting for the answers, until `stop` is aborted. */
function pollEvery(url: string, everyMs: number, stop: AbortSignal): () => Promise<Poll[]> {
  const polls: Promise<Poll>[] = [];
  const send = () => {
    const sentAt = Date.now();
    polls.push(
      fetch(url, { headers: HEADERS, signal: AbortSignal.timeout(30_000) }).then(
        async (res) => ({ sentAt, doneAt: Date.now(), status: res.status, body: await res.json() }),
        (err: Error & { cause?: { code?: string } }) => ({
          sentAt,
          doneAt: Date.now(),
          error: err.cause?.code ?? err.name,
        }),
      ),
    );
  };
  send();
  const timer = setInterval(send, everyMs);
  stop.addEventListener('abort', () => clearInterval(timer), { once: true });
  return () => Promise.all(polls);
}

describe.skipIf(!canMountSmallDisk())('embedded database on a small disk (real server)', () => {
  const tmp = tempDir('outdial-e2e-disk-');
  let disk: SmallDisk | undefined;
  let server: Server | undefined;

  afterEach(async () => {
    if (server) await stopServer(server, 'SIGKILL');
    server = undefined;
    disk?.remove();
    disk = undefined;
  });

  it('the upload that fills the disk gets a 503 at once, the server exits with code 75 and one line, and a restart with space freed has every batch accepted before and nothing of that upload', async () => {
    // The setting: a 60 MB disk, and the free-space check off so the disk does fill.
    disk = mountSmallDisk(60);
    const dataDir = path.join(disk.dir, 'data');
    server = await startServer(env(dataDir, { OUTDIAL_MIN_FREE_DISK_MB: '0' }));
    const api = new ApiClient(server.baseUrl, HEADERS);
    const accepted = new Map<string, string[]>();
    for (const [name, numbers] of [
      ['a.csv', phones(100, 200)],
      ['b.csv', phones(200, 300)],
    ] as const) {
      const res = await api.uploadCsv(writeCsv(tmp.dir, name, numbers), {
        agentId: AGENT,
        scheduledAt: tomorrow(),
      });
      expect(res.status).toBe(200);
      accepted.set(res.body.batchId, numbers);
    }
    const [firstBatch] = accepted.keys();

    // Reads keep coming while the big upload runs, as a dashboard's would.
    const stopPolling = new AbortController();
    const polled = pollEvery(
      `${server.baseUrl}/v1/api/batch-calls/${firstBatch}/status`,
      100,
      stopPolling.signal,
    );
    const readiness = pollEvery(`${server.baseUrl}/readyz`, 100, stopPolling.signal);
    const big = await api.uploadCsv(writeCsv(tmp.dir, 'c.csv', phones(20_000, 400)), {
      agentId: AGENT,
      scheduledAt: tomorrow(),
    });
    const failedAt = Date.now();
    expect(big.status).toBe(503);
    expect(big.body).toEqual({ error: 'Database unavailable', message: expect.any(String) });
    expect(big.body.message).toContain('its disk is full');

    const code = await Promise.race([
      server.exited,
      new Promise((r) => setTimeout(() => r('still running'), 10_000)),
    ]);
    expect(code).toBe(75);
    stopPolling.abort();
    const polls = await polled();

    // No request waited on the dead database: each was answered within a second of the failure
    // (or of being sent, if later). Those sent before it, queued while the upload's statements
    // held the server, got their answer (a 503 now) rather than a reset; once the process was
    // gone, connections were refused at once.
    for (const p of polls) {
      const where = JSON.stringify({
        ...p,
        sentAt: p.sentAt - failedAt,
        doneAt: p.doneAt - failedAt,
      });
      expect(p.doneAt - Math.max(p.sentAt, failedAt), where).toBeLessThan(1_000);
      if (p.status === 503) {
        expect(p.body, where).toEqual({
          error: 'Database unavailable',
          message: expect.any(String),
        });
      } else if (p.sentAt < failedAt || p.status !== undefined) {
        expect(p.status, where).toBe(200);
        expect(p.doneAt, where).toBeLessThan(failedAt);
      } else {
        expect(['ECONNREFUSED', 'ECONNRESET'], where).toContain(p.error);
      }
    }
    expect(polls.filter((p) => p.status === 503).length).toBeGreaterThan(0);
    // Readiness says why, without asking the dead database.
    const unready = (await readiness()).filter((p) => p.status === 503);
    expect(unready.length).toBeGreaterThan(0);
    for (const p of unready) {
      expect(p.body).toMatchObject({ status: 'unavailable', error: 'Database failed: disk_full' });
      expect(p.doneAt - Math.max(p.sentAt, failedAt)).toBeLessThan(1_000);
    }

    const logs = logEntries(server.output());
    const fatal = logs.filter((e) => e.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.msg).toMatch(
      new RegExp(
        `^the embedded database stopped: the disk holding ${dataDir} is full \\(\\d+ MB free\\)\\. ` +
          'Outdial exits with code 75: free space on that disk, then start Outdial again',
      ),
    );
    expect(logs.filter((e) => e.msg === 'claiming stopped: the database failed')).toHaveLength(1);

    // Started again while the disk is still full (a service manager restarting it at once): the
    // same line and code, at once, rather than a server that hangs.
    disk.fill(0);
    const early = runCli(['serve'], { ...env(dataDir), PORT: String(await freePort()) });
    const earlyCode = await Promise.race([
      early.exited,
      new Promise((r) => setTimeout(() => r('still running'), 30_000)),
    ]);
    if (earlyCode === 'still running') early.proc.kill('SIGKILL');
    expect(earlyCode, early.output()).toBe(75);
    const earlyFatal = logEntries(early.output()).filter((e) => e.level === 60);
    expect(earlyFatal).toHaveLength(1);
    expect(earlyFatal[0]!.msg).toMatch(
      /^the embedded database stopped: the disk holding \S+ is full \(0 MB free\)\. Outdial exits with code 75/,
    );

    // Space freed, started again: exactly the batches accepted before, whole.
    disk.resize(200);
    server = await startServer(env(dataDir));
    const again = new ApiClient(server.baseUrl, HEADERS);
    const list = await again.get('/v1/api/batch-calls?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.batches.map((b: { id: string }) => b.id).sort()).toEqual(
      [...accepted.keys()].sort(),
    );
    for (const [batchId, numbers] of accepted) {
      const calls = await again.allCalls(batchId);
      expect(calls.map((c: { phone_number: string }) => c.phone_number)).toEqual(numbers);
    }
  });

  it('refuses an upload the disk has no room for with 507 before storing anything, and reports the disk in /readyz and /metrics', async () => {
    disk = mountSmallDisk(150);
    const dataDir = path.join(disk.dir, 'data');
    server = await startServer(env(dataDir));
    const api = new ApiClient(server.baseUrl, HEADERS);
    const freeNow = () => {
      const s = statfsSync(dataDir);
      return s.bavail * s.bsize;
    };

    // 150 MB less the database: under twice the 80 MB kept free (64 MB and a WAL segment).
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      disk: { status: 'low', path: dataDir, freeBytes: expect.any(Number), minFreeBytes: 80 * MB },
    });
    expect(Math.abs(ready.body.disk.freeBytes - freeNow())).toBeLessThan(4 * MB);
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    const gauge = (name: string) =>
      Number(new RegExp(`^${name}\\{path="${dataDir}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(Math.abs(gauge('outdial_data_dir_free_bytes') - freeNow())).toBeLessThan(4 * MB);
    expect(gauge('outdial_data_dir_min_free_bytes')).toBe(80 * MB);
    await waitUntil('the low-disk line', () =>
      logEntries(server!.output()).some((e) => /^disk space low: \d+ MB free in /.test(e.msg))
        ? true
        : undefined,
    );

    const small = await api.uploadCsv(writeCsv(tmp.dir, 'small.csv', phones(100, 200)), {
      agentId: AGENT,
    });
    expect(small.status).toBe(200);

    const bigCsv = writeCsv(tmp.dir, 'big.csv', phones(20_000, 400));
    const refused = await api.uploadCsv(bigCsv, { agentId: AGENT });
    expect(refused.status).toBe(507);
    expect(refused.body.error).toBe('Insufficient storage');
    const m = /needs about (\d+) MB, (\d+) MB free in (\S+) \(/.exec(refused.body.message);
    expect(m, refused.body.message).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(Number(m![2]));
    expect(Math.abs(Number(m![2]) * MB - freeNow())).toBeLessThan(4 * MB);
    expect(m![3]).toBe(dataDir);
    const list = await api.get('/v1/api/batch-calls');
    expect(list.body.pagination.total).toBe(1);

    // With room made, the same upload goes in, and the disk is no longer low.
    disk.resize(400);
    const later = await api.uploadCsv(bigCsv, { agentId: AGENT });
    expect(later.status).toBe(200);
    expect(later.body.totalCalls).toBe(20_000);
    expect((await api.get('/readyz')).body.disk.status).toBe('ok');
  });
});
