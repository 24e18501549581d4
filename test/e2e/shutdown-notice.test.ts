// Ctrl-C with calls in progress (issue 10 §1): the first one says how many calls get how long and
// that a second one stops at once; the second one does.
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import {
  logEntries,
  type Server,
  startServer,
  stopServer,
  tempDir,
  waitUntil,
} from '../support/cli.js';
import { reservedNumber, writeContacts } from '../support/scale-out.js';

const WS = 'ws_e2eshutdown';
const KEY = 'od_e2e_shutdown_key_0123456789abcdef';
const AGENT = 'agent_e2eshutdown';

describe('Ctrl-C with calls in progress', () => {
  const tmp = tempDir();
  let server: Server | undefined;
  afterAll(async () => {
    if (server) await stopServer(server, 'SIGKILL');
    tmp.remove();
  });

  it('says how long it waits and that a second Ctrl-C stops at once, which it does', async () => {
    server = await startServer({
      OUTDIAL_DATA_DIR: tmp.dir,
      OUTDIAL_BOOTSTRAP_WORKSPACE_ID: WS,
      OUTDIAL_BOOTSTRAP_API_KEY: KEY,
      OUTDIAL_BOOTSTRAP_AGENT_ID: AGENT,
      OUTDIAL_SHUTDOWN_GRACE_MS: '45000',
    });
    const api = new ApiClient(server.baseUrl, { 'x-api-key': KEY, 'x-workspace-id': WS });
    // Ten-minute conversations, in real time: they are in progress whenever Ctrl-C comes.
    const csv = writeContacts(
      tmp.dir,
      'long',
      [0, 1, 2].map((i) => reservedNumber(9, i)),
    );
    const created = await api.uploadCsv(csv, { agentId: AGENT });
    expect(created.status).toBe(200);
    await waitUntil('three calls in progress', async () => {
      const { body } = await api.get(`/v1/api/batch-calls/${created.body.batchId}/status`);
      return body.active === 3 ? true : undefined;
    });

    server.proc.kill('SIGINT');
    const notice = await waitUntil('the stop notice', () =>
      logEntries(server!.output()).find((e) => e.signal === 'SIGINT'),
    );
    expect(notice).toMatchObject({
      level: 30,
      activeCalls: 3,
      graceSeconds: 45,
      msg:
        'stopping: no new call starts; 3 calls in progress get up to 45 s to finish. Press ' +
        'Ctrl-C again (or send another SIGTERM) to stop at once (calls cut short are ' +
        'reconciled at the next start).',
    });
    // It waits for those calls, as it said.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(server.proc.exitCode).toBeNull();

    const second = Date.now();
    server.proc.kill('SIGINT');
    expect(await server.exited).toBe(130);
    expect(Date.now() - second).toBeLessThan(10_000);
    expect(logEntries(server.output()).map((e) => e.msg)).toContain('second signal: exiting now');
    server = undefined;
  }, 120_000);
});
