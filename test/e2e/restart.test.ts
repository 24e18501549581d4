// Stopping the server mid-batch (SIGTERM, and kill -9) and starting it again must lose no job and
// dial none more often than its attempts allow.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type Server, startServer, stopServer, tempDir } from '../support/cli.js';

const WS = 'ws_e2erestart';
const KEY = 'od_e2e_restart_key_0123456789abcdef';
const AGENT = 'agent_e2erestart';

// Final state and exact attempt count per reserved range (hundreds digit of the last four).
const BY_RANGE: Record<number, { status: string; attempts: number }> = {
  0: { status: 'completed', attempts: 1 },
  1: { status: 'failed', attempts: 3 },
  2: { status: 'failed', attempts: 3 },
  3: { status: 'completed', attempts: 1 },
  4: { status: 'failed', attempts: 1 },
  5: { status: 'completed', attempts: 2 },
  6: { status: 'completed', attempts: 1 },
  7: { status: 'completed', attempts: 1 },
  8: { status: 'completed', attempts: 2 },
};

function writeCsv(dir: string, rows: number): string {
  const lines = ['phone_number,first_name'];
  for (let i = 0; i < rows; i++) {
    const range = i % 9;
    lines.push(`+15005550${range}${10 + Math.floor(i / 9)},Person${i}`);
  }
  const file = path.join(dir, 'restart.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const env = (dataDir: string) => ({
  OUTDIAL_DATA_DIR: dataDir,
  OUTDIAL_SIM_SPEED: '30',
  OUTDIAL_RETRY_DELAYS_MS: '300,600',
  OUTDIAL_BOOTSTRAP_WORKSPACE_ID: WS,
  OUTDIAL_BOOTSTRAP_API_KEY: KEY,
  OUTDIAL_BOOTSTRAP_AGENT_ID: AGENT,
  OUTDIAL_LEASE_MS: '5000',
});

describe.each(['SIGTERM', 'SIGKILL'] as const)('restart mid-batch after %s', (signal) => {
  const tmp = tempDir();
  let server: Server | undefined;

  afterEach(async () => {
    if (server) await stopServer(server, 'SIGKILL');
    tmp.remove();
  });

  it('finishes every job with exactly its allowed attempts', async () => {
    const csv = writeCsv(tmp.dir, 45);
    server = await startServer(env(tmp.dir));
    let api = new ApiClient(server.baseUrl, { 'x-api-key': KEY, 'x-workspace-id': WS });
    const created = await api.uploadCsv(csv, { agentId: AGENT });
    expect(created.status).toBe(200);
    const batchId: string = created.body.batchId;

    // Stop while calls are in flight and others are already done.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { body } = await api.get(`/v1/api/batch-calls/${batchId}/status`);
      if (body.active > 0 && body.completed + body.failed >= 5) break;
      if (body.isComplete || Date.now() > deadline)
        throw new Error(`no mid-batch moment: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const code = await stopServer(server, signal);
    expect(code).toBe(signal === 'SIGTERM' ? 0 : null);

    server = await startServer(env(tmp.dir));
    api = new ApiClient(server.baseUrl, { 'x-api-key': KEY, 'x-workspace-id': WS });
    const done = await api.waitForBatch(batchId, 90_000);
    expect(done.status).toBe('completed');
    expect(done.progress.waiting + done.progress.active).toBe(0);

    const calls = await api.allCalls(batchId);
    expect(calls).toHaveLength(45);
    for (const c of calls) {
      const range = Number(c.phone_number.slice(-3, -2));
      expect({ phone: c.phone_number, status: c.status, attempts: c.attempts }).toEqual({
        phone: c.phone_number,
        ...BY_RANGE[range],
      });
    }
  }, 180_000);
});
