// §21, a worker lost between its request and Twilio's answer: `outdial serve` places two calls
// through the `twilio` provider (Twilio is the stand-in, which takes both calls and holds its
// answers back), and is killed with SIGKILL while both creates wait for their answer: it never
// learned the calls' sids. A new process on the same database settles both: one by Twilio's
// callbacks (their URL names the attempt), the other, whose callbacks never come, by listing the
// account's calls to that number since the attempt's slot. Nobody is dialed twice.
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type Server, startServer, stopServer, tempDir } from '../support/cli.js';
import { createPostgresDatabase, postgresReachable } from '../support/databases.js';
import { startTwilioStandIn, type TwilioStandIn } from '../support/twilio-stand-in.js';

const WS = 'ws_e2etwiliokill';
const KEY = 'od_e2e_twilio_kill_key_0123456789abcdef';
const PUBLIC = 'https://outdial.example.com';
const FROM = '+14155550100';
const N = { byCallbacks: '+14155550031', byLookup: '+14155550032' };

const env = (dataDir: string, standIn: TwilioStandIn, databaseUrl: string | undefined) => ({
  OUTDIAL_DATA_DIR: dataDir,
  // On PostgreSQL the credentials' key comes from the environment, as an operator sets it.
  ...(databaseUrl
    ? { DATABASE_URL: databaseUrl, OUTDIAL_KEY_SECRET: 'e2e-twilio-kill-key-secret-0123456789' }
    : {}),
  OUTDIAL_BOOTSTRAP_WORKSPACE_ID: WS,
  OUTDIAL_BOOTSTRAP_API_KEY: KEY,
  OUTDIAL_BOOTSTRAP_AGENT_ID: 'agent_e2etwiliokill',
  OUTDIAL_PUBLIC_URL: PUBLIC,
  OUTDIAL_TWILIO_API_BASE_URL: standIn.url,
  OUTDIAL_MAX_ATTEMPTS: '3',
  // A lost worker is noticed within seconds, and a call with no reported end is looked up
  // 1 + 4 + 1 s after its start.
  OUTDIAL_LEASE_MS: '3000',
  OUTDIAL_POLL_MS: '500',
  OUTDIAL_RING_TIMEOUT_MS: '1000',
  OUTDIAL_MAX_CALL_MS: '4000',
  OUTDIAL_RECOVERY_MARGIN_MS: '1000',
});

const pgOk = await postgresReachable();

describe.each([
  ['embedded', false],
  ['postgres', true],
] as const)(
  'kill -9 of the worker between the Twilio create and the answer (%s)',
  (_name, onPostgres) => {
    const tmp = tempDir();
    let server: Server | undefined;
    let standIn: TwilioStandIn | undefined;

    let database: { url: string; drop: () => Promise<void> } | undefined;

    afterEach(async () => {
      if (server) await stopServer(server, 'SIGKILL');
      await database?.drop();
      await standIn?.close();
      tmp.remove();
    });

    it.skipIf(onPostgres && !pgOk)(
      'a new process settles both calls, by callbacks and by lookup, without dialing again',
      async () => {
        if (onPostgres) database = await createPostgresDatabase();
        let port = 0;
        standIn = await startTwilioStandIn({
          incomingNumbers: [FROM],
          route: (url) => url.replace(PUBLIC, `http://127.0.0.1:${port}`),
        });
        standIn.scenarios.set(N.byCallbacks, { holdAnswer: true });
        standIn.scenarios.set(N.byLookup, { holdAnswer: true, delivery: 'none', durationSec: 40 });
        server = await startServer(env(tmp.dir, standIn, database?.url));
        port = server.port;
        const headers = {
          'x-api-key': KEY,
          'x-workspace-id': WS,
          'content-type': 'application/json',
        };
        const send = async (method: string, path: string, body: object) => {
          const res = await fetch(`${server!.baseUrl}${path}`, {
            method,
            headers,
            body: JSON.stringify(body),
          });
          const json = (await res.json()) as Record<string, any>;
          expect(res.status, JSON.stringify(json)).toBeLessThan(300);
          return json;
        };
        const post = (path: string, body: object) => send('POST', path, body);
        // Real time: whatever the hour, the legal floor (§19, tested on its own) must not hold calls.
        await send('PATCH', '/v1/api/workspace', {
          callingWindow: { start: '00:00', end: '24:00' },
        });
        const conn = await post('/v1/api/telephony/connections', {
          provider: 'twilio',
          name: 'Main',
          credentials: { accountSid: standIn.accountSid, authToken: standIn.authToken },
          fromNumbers: [FROM],
          callsPerSecond: 10,
        });
        const agent = await post('/v1/api/agents', {
          name: 'Ava',
          connectionId: conn['id'],
          transport: { type: 'stream', url: 'wss://agent.example.com/media' },
        });
        const batch = await post('/v1/api/batch-calls', {
          agentId: agent['id'],
          recipients: Object.values(N).map((p) => ({ phone_number: p })),
        });

        // Twilio has both calls; its answers and its callbacks have not come back.
        const deadline = Date.now() + 60_000;
        while (standIn.calls.size < 2) {
          if (Date.now() > deadline) throw new Error(`no calls: ${server.output()}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        expect(await stopServer(server, 'SIGKILL')).toBeNull();
        expect(standIn.sent).toEqual([]);

        server = await startServer(env(tmp.dir, standIn, database?.url));
        port = server.port;
        await standIn.play();
        const api = new ApiClient(server.baseUrl, { 'x-api-key': KEY, 'x-workspace-id': WS });
        const done = await api.waitForBatch(batch['batchId'], 90_000);
        expect(done.status).toBe('completed');

        const calls = await api.allCalls(batch['batchId']);
        expect(
          Object.fromEntries(
            calls.map((c) => [c.phone_number, { status: c.status, n: c.attempts }]),
          ),
        ).toEqual({
          [N.byCallbacks]: { status: 'completed', n: 1 },
          [N.byLookup]: { status: 'completed', n: 1 },
        });
        // One create per number, ever; the callbacks reached the new process and were taken.
        const creates = standIn.requests.filter(
          (r) => r.method === 'POST' && r.template.endsWith('/Calls.json'),
        );
        expect(creates.map((r) => r.form['To']).sort()).toEqual(Object.values(N).sort());
        expect(standIn.sent.length).toBeGreaterThan(0);
        expect(standIn.sent.every((s) => s.status === 204)).toBe(true);
        // The call whose callbacks never came, and whose sid nobody knew, was found by listing the
        // calls to its number.
        const listed = standIn.requests.filter(
          (r) => r.method === 'GET' && r.template.endsWith('/Calls.json'),
        );
        expect(listed.map((r) => r.query['To'])).toContain(N.byLookup);
        expect(standIn.violations).toEqual([]);
      },
      180_000,
    );
  },
);
