// kill -9 of a worker process in the middle of a webhook delivery: another worker sends it again
// once the first one's lease has run out, with the same webhook-id, and records it delivered.
// Real processes (`outdial worker`, built dist/) on PostgreSQL, a real receiver.
import { afterAll, describe, expect, it } from 'vitest';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { migrate } from '../../src/storage/migrate.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { insertClaimedDelivery } from '../../src/storage/webhook-deliveries-repo.js';
import { insertWebhookEndpoint } from '../../src/storage/webhook-endpoints-repo.js';
import { sealEndpointSecret } from '../../src/webhooks/endpoint-secret.js';
import { startWorker, waitUntil } from '../support/cli.js';
import { createPostgresDatabase, postgresReachable } from '../support/databases.js';
import { insertWorkspaceWithAgent } from '../support/engine-fixtures.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

const KEY = 'webhook-crash-test-key-secret-0123456789abcdef';
const pgOk = await postgresReachable();

(pgOk ? describe : describe.skip)('kill -9 of a worker mid-delivery (PostgreSQL)', () => {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let rx: Receiver | undefined;
  const kills: Array<() => void> = [];

  afterAll(async () => {
    for (const k of kills) k();
    await rx?.close();
    await database?.drop();
  });

  it('the delivery goes out again from another worker, with the same webhook-id', async () => {
    database = await createPostgresDatabase();
    const db = await openPostgres(database.url, { max: 1 });
    try {
      await migrate(db);
      await resolveKeySecret(db, { keySecret: KEY });
      const now = Date.now();
      const { workspaceId } = await insertWorkspaceWithAgent(db, now);
      rx = await startReceiver((_r, _req, res) => {
        // The first try hangs: its worker is killed while it waits.
        if (rx!.received.length > 1) res.writeHead(200).end();
      });
      const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      rx.secrets = [secret];
      await insertWebhookEndpoint(db, {
        id: 'wh_crash',
        workspaceId,
        url: rx.url,
        events: ['*'],
        secretSealed: sealEndpointSecret(new SecretBox(Buffer.from(KEY)), 'wh_crash', secret),
        now,
      });
      await insertClaimedDelivery(db, {
        id: 'msg_crash',
        endpointId: 'wh_crash',
        workspaceId,
        eventType: 'batch.completed',
        body: '{"type":"batch.completed","timestamp":"2026-01-05T15:00:00.000Z","data":{}}',
        now,
        owner: 'nobody',
        leaseUntil: now,
      });
      const env = {
        DATABASE_URL: database.url,
        OUTDIAL_KEY_SECRET: KEY,
        OUTDIAL_WEBHOOK_ALLOW_PRIVATE: 'true',
        OUTDIAL_POLL_MS: '100',
        OUTDIAL_LEASE_MS: '1000',
      };
      const first = await startWorker(env);
      kills.push(() => first.proc.kill('SIGKILL'));
      await waitUntil('the first try', () => (rx!.received.length > 0 ? true : undefined), 30_000);
      first.proc.kill('SIGKILL');
      await first.exited;
      const claimedAt = Date.now();

      const second = await startWorker(env);
      kills.push(() => second.proc.kill('SIGKILL'));
      const row = await waitUntil(
        'the delivery to be recorded',
        async () => {
          const [r] = await db.query<{ delivery_status: string; attempts: number }>(
            "SELECT delivery_status, attempts FROM webhook_deliveries WHERE id = 'msg_crash'",
          );
          return r?.delivery_status === 'delivered' ? r : undefined;
        },
        45_000,
      );
      // Not before the lost worker's lease (at least 15 s) ran out.
      expect(Date.now() - claimedAt).toBeGreaterThan(10_000);
      expect(row.attempts).toBe(1);
      expect(rx.received.map((r) => r.id)).toEqual(['msg_crash', 'msg_crash']);
      expect(rx.received.every((r) => r.verifiedBy === 0)).toBe(true);
      second.proc.kill('SIGTERM');
      await second.exited;
    } finally {
      await db.close();
    }
  }, 90_000);
});
