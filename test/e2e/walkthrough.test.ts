// The README's walk-through, run as a new user would: the real CLI on the embedded default, the
// shipped sample CSV, curl-equivalent requests, and every job checked field by field (§5).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import {
  bannerExportLine,
  parseBanner,
  ROOT,
  runCli,
  type Server,
  startServer,
  stopServer,
  tempDir,
  waitForBanner,
} from '../support/cli.js';

const SAMPLE = path.join(ROOT, 'examples/contacts.csv');

// One number per reserved simulator range, as examples/contacts.csv lists them.
const EXPECTED: Record<
  string,
  { status: string; attempts: number; outcome?: string; error?: string; first: string }
> = {
  '+15005550001': { status: 'completed', attempts: 1, outcome: 'successful', first: 'John' },
  '+15005550101': {
    status: 'failed',
    attempts: 3,
    error: 'Number busy - unable to connect after 3 attempts',
    first: 'Maria',
  },
  '+15005550201': {
    status: 'failed',
    attempts: 3,
    error: 'No answer - unable to connect after 3 attempts',
    first: 'Wei',
  },
  '+15005550301': { status: 'completed', attempts: 1, outcome: 'voicemail', first: 'Aisha' },
  '+15005550401': {
    status: 'failed',
    attempts: 1,
    error: 'Number unreachable - unable to connect after 1 attempt',
    first: 'Lars',
  },
  '+15005550501': { status: 'completed', attempts: 2, outcome: 'successful', first: 'Sofia' },
  '+15005550601': {
    status: 'completed',
    attempts: 1,
    outcome: 'callback_requested',
    first: 'Kwame',
  },
  '+15005550701': { status: 'completed', attempts: 1, outcome: 'opted_out', first: 'Emma' },
  '+15005550801': { status: 'completed', attempts: 2, outcome: 'successful', first: 'Yuki' },
  '+15005550901': { status: 'completed', attempts: 1, outcome: 'successful', first: 'Olivia' },
};

describe('walk-through on the embedded default (real CLI process)', () => {
  const data = tempDir();
  let server: Server;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startServer({
      OUTDIAL_DATA_DIR: data.dir,
      OUTDIAL_SIM_SPEED: '400',
      OUTDIAL_RETRY_DELAYS_MS: '200,400',
    });
    const creds = await waitForBanner(server);
    api = new ApiClient(server.baseUrl, {
      'x-api-key': creds.apiKey,
      'x-workspace-id': creds.workspaceId,
    });
    (api as ApiClient & { agentId: string }).agentId = creds.agentId;
  }, 90_000);

  afterAll(async () => {
    if (server) expect(await stopServer(server)).toBe(0);
    data.remove();
  });

  it('prints the credentials, and a line that exports them for the README walkthrough', () => {
    const out = server.output();
    const creds = parseBanner(out);
    expect(creds.apiKey).toMatch(/^od_/);
    expect(creds.workspaceId).toMatch(/^ws_/);
    expect(creds.agentId).toMatch(/^agent_/);
    expect(bannerExportLine(out)).toBe(
      `export BASE=${server.baseUrl} KEY=${creds.apiKey} WS=${creds.workspaceId} AGENT=${creds.agentId}`,
    );
    expect(out).toContain('-F file=@examples/contacts.csv -F agentId="$AGENT"');
    // The banner comes after the start's log lines, not buried among them.
    expect(out.indexOf('Outdial listening on')).toBeLessThan(out.indexOf('API key'));
  });

  it('runs the sample batch to the documented end state of every job', async () => {
    const agentId = (api as ApiClient & { agentId: string }).agentId;
    const created = await api.uploadCsv(SAMPLE, { agentId });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      batchId: expect.stringMatching(/^batch_/),
      totalCalls: 10,
      status: 'queued',
      message: 'Batch calls initiated successfully',
    });
    const batchId: string = created.body.batchId;

    const done = await api.waitForBatch(batchId, 60_000);
    expect(done.status).toBe('completed');
    expect(done.progress).toMatchObject({
      waiting: 0,
      active: 0,
      completed: 7,
      failed: 3,
      total: 10,
    });
    expect(typeof done.progress.startTime).toBe('number');
    expect(typeof done.progress.completedTime).toBe('number');
    expect(done.progress.recent_calls).toHaveLength(10);

    const status = await api.get(`/v1/api/batch-calls/${batchId}/status`);
    expect(status.body).toMatchObject({
      status: 'completed',
      isComplete: true,
      completed: 7,
      failed: 3,
    });

    const calls = await api.allCalls(batchId);
    expect(calls.map((c) => c.phone_number)).toEqual(Object.keys(EXPECTED));
    for (const listed of calls) {
      const want = EXPECTED[listed.phone_number]!;
      const { status: code, body: job } = await api.get(
        `/v1/api/batch-calls/${batchId}/calls/${listed.jobId}`,
      );
      expect(code).toBe(200);
      const where = `${listed.phone_number}: ${JSON.stringify(job)}`;
      expect(job.status, where).toBe(want.status);
      expect(job.attempts, where).toBe(want.attempts);
      expect(job.endTime, where).toBeGreaterThanOrEqual(job.startTime);
      if (want.status === 'completed') {
        expect(Object.keys(job).sort(), where).toEqual(
          [
            'attempts',
            'duration',
            'endTime',
            'jobId',
            'phone_number',
            'result',
            'startTime',
            'status',
          ].sort(),
        );
        expect(job.duration).toBeGreaterThan(0);
        expect(Object.keys(job.result).sort()).toEqual([
          'callId',
          'metadata',
          'outcome',
          'transcript',
        ]);
        expect(job.result.callId).toMatch(/^att_/);
        expect(job.result.outcome, where).toBe(want.outcome);
        expect(job.result.metadata.first_name).toBe(want.first);
        if (want.outcome !== 'voicemail') {
          expect(job.result.transcript).toMatch(
            new RegExp(`^Agent: Hello ${want.first}, this is Ava from Acme Dental\\.\\nCustomer: `),
          );
        }
      } else {
        expect(Object.keys(job).sort(), where).toEqual(
          ['attempts', 'endTime', 'error', 'jobId', 'phone_number', 'startTime', 'status'].sort(),
        );
        expect(job.error, where).toBe(want.error);
      }
    }
  }, 90_000);

  it('refuses a second process on the same data directory with a clear message', async () => {
    const second = runCli(['serve'], { OUTDIAL_DATA_DIR: data.dir, PORT: '0' });
    expect(await second.exited).toBe(2);
    const out = second.output();
    expect(out).toContain('is in use by another Outdial process');
    expect(out).toContain(`pid ${server.proc.pid}`);
    // Another data directory would be another database: never the advice.
    expect(out).not.toContain('OUTDIAL_DATA_DIR');
  });
});
