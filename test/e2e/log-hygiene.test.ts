// Issue 5's credential hygiene, from the outside: a full run on PostgreSQL (API, a worker with its
// own metrics port, CLI key management, a batch dialed to the end, wrong and revoked keys) whose
// logs are JSON lines that carry request, job and attempt ids, and never contain any API key.
import { afterAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/domain/api-key.js';
import {
  type CliRun,
  freePort,
  logEntries,
  runCli,
  startServer,
  startWorker,
  stopServer,
  tempDir,
  waitUntil,
} from '../support/cli.js';
import { createPostgresDatabase, postgresReachable } from '../support/databases.js';
import { reservedNumber, writeContacts } from '../support/scale-out.js';

const pgOk = await postgresReachable();

const WORKSPACE = 'ws_loghygiene000000000000001';
const BOOTSTRAP_KEY = generateApiKey();
const WRONG_KEY = generateApiKey();

(pgOk ? describe : describe.skip)('logs of a full run (PostgreSQL)', () => {
  const tmp = tempDir();
  let database: { url: string; drop: () => Promise<void> } | undefined;
  const procs: CliRun[] = [];

  afterAll(async () => {
    for (const p of procs) await stopServer(p, 'SIGKILL');
    await database?.drop();
    tmp.remove();
  });

  it('are JSON with request, job and attempt ids, and hold no API key', async () => {
    database = await createPostgresDatabase();
    const env = {
      DATABASE_URL: database.url,
      LOG_LEVEL: 'debug',
      OUTDIAL_SIM_SPEED: '60',
      OUTDIAL_RETRY_DELAYS_MS: '200',
      OUTDIAL_POLL_MS: '200',
      OUTDIAL_BOOTSTRAP_WORKSPACE_ID: WORKSPACE,
      OUTDIAL_BOOTSTRAP_API_KEY: BOOTSTRAP_KEY,
      OUTDIAL_BOOTSTRAP_AGENT_ID: 'agent_loghygiene0000000000001',
    };
    const server = await startServer(env, ['--workers', '0']);
    procs.push(server);
    const metricsPort = await freePort();
    const worker = await startWorker({ ...env, OUTDIAL_METRICS_PORT: String(metricsPort) });
    procs.push(worker);

    // A key made with the CLI while the server runs: it works at once, then is revoked.
    const created = runCli(['keys', 'create', '--workspace', WORKSPACE, '--name', 'ci'], env);
    expect(await created.exited).toBe(0);
    const cliKey = JSON.parse(created.output()).apiKey as string;
    expect(cliKey).toMatch(/^od_/);
    const listed = runCli(['keys', 'list', '--workspace', WORKSPACE], env);
    expect(await listed.exited).toBe(0);
    expect(listed.output()).not.toContain(cliKey);
    expect(listed.output()).not.toContain(BOOTSTRAP_KEY);

    const api = (key: string, path: string, init: RequestInit = {}) =>
      fetch(`${server.baseUrl}/v1/api${path}`, {
        ...init,
        headers: { 'x-api-key': key, 'x-workspace-id': WORKSPACE, ...(init.headers ?? {}) },
      });
    const first = await api(cliKey, '/agents');
    expect(first.status).toBe(200);
    const requestId = first.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_/);
    // A query string is the client's to fill: the log keeps the path only.
    const listed200 = await api(cliKey, `/batch-calls?page=1&limit=5&token=${WRONG_KEY}`);
    expect(listed200.status).toBe(200);
    const listId = listed200.headers.get('x-request-id');
    expect((await api(WRONG_KEY, '/agents')).status).toBe(401);

    const csv = writeContacts(
      tmp.dir,
      'hygiene',
      [0, 1, 2, 3, 4].map((r) => reservedNumber(r, 0)),
    );
    const form = new FormData();
    form.set('agentId', env.OUTDIAL_BOOTSTRAP_AGENT_ID);
    form.set(
      'file',
      new Blob([await import('node:fs').then((fs) => fs.readFileSync(csv))]),
      'c.csv',
    );
    const created200 = await api(BOOTSTRAP_KEY, '/batch-calls', { method: 'POST', body: form });
    expect(created200.status).toBe(200);
    const { batchId } = (await created200.json()) as { batchId: string };
    await waitUntil(
      'the batch to end',
      async () => {
        const res = await api(cliKey, `/batch-calls/${batchId}/status`);
        const body = (await res.json()) as { isComplete: boolean };
        return body.isComplete ? true : undefined;
      },
      90_000,
      250,
    );
    expect((await api(BOOTSTRAP_KEY, `/batch-calls/${batchId}/export-results`)).status).toBe(200);

    // The worker's own metrics port shows what it dialed.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/outdial_call_attempts_total\{reason="answered"\} [1-9]/);
    expect(metrics).toMatch(/outdial_claim_duration_seconds_count\{result="claimed"\} [1-9]/);
    expect(metrics).toContain('outdial_process_resident_memory_bytes');

    const keyId = JSON.parse(created.output()).id as string;
    const revoked = runCli(['keys', 'revoke', keyId], env);
    expect(await revoked.exited).toBe(0);
    expect((await api(cliKey, '/agents')).status).toBe(401);

    await stopServer(server);
    await stopServer(worker);
    const outputs = { server: server.output(), worker: worker.output() };
    for (const [name, out] of Object.entries(outputs)) {
      for (const key of [BOOTSTRAP_KEY, cliKey, WRONG_KEY]) {
        // The key's random part too, in case something strips the od_ prefix.
        expect(out.includes(key) || out.includes(key.slice(3)), `${name} logs hold a key`).toBe(
          false,
        );
      }
      const lines = out.split('\n').filter((l) => l.trim() !== '');
      expect(lines.length, name).toBeGreaterThan(5);
      for (const line of lines) expect(() => JSON.parse(line), `${name}: ${line}`).not.toThrow();
    }
    const served = logEntries(outputs.server);
    const requests = served.filter((e) => e.msg === 'request completed');
    expect(requests.length).toBeGreaterThan(5);
    for (const r of requests) expect(r.reqId).toMatch(/^req_/);
    // The id a client saw is the one its request's log line carries: one line per request.
    expect(served.filter((e) => e.reqId === requestId)).toEqual([
      expect.objectContaining({
        msg: 'request completed',
        method: 'GET',
        url: '/v1/api/agents',
        statusCode: 200,
        responseTime: expect.any(Number),
      }),
    ]);
    expect(served.filter((e) => e.msg === 'incoming request')).toEqual([]);
    const ids = requests.map((r) => r.reqId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(requests.find((r) => r.reqId === listId)).toMatchObject({ url: '/v1/api/batch-calls' });
    const ends = logEntries(outputs.worker).filter((e) => e.msg === 'attempt ended');
    expect(ends.length).toBeGreaterThanOrEqual(5);
    for (const e of ends) {
      expect(e.jobId).toMatch(/^call_/);
      expect(e.attemptId).toMatch(/^att_/);
      expect(e.batchId).toBe(batchId);
      expect(e.workspaceId).toBe(WORKSPACE);
    }
  });
});
