import { afterEach, expect, it } from 'vitest';
import { credentialsContext } from '../../src/domain/connection.js';
import { newId } from '../../src/domain/ids.js';
import { createRegistry } from '../../src/providers/registry.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { insertConnection } from '../../src/storage/connections-repo.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  insertAgentRow,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  reserved,
} from '../support/engine-fixtures.js';
import { ScriptedCarrier } from '../support/scripted-carrier.js';
import { type Harness, harness, T0 } from './harness.js';

// §21: a connection's callsPerSecond is its carrier account's limit. Two workspaces whose
// connections use one Twilio account share its pacing bucket, whatever their own limits.

describeEachDb("a connection's calls per second (§21)", (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('paces two workspaces whose connections share an account to its limit, together', async () => {
    h = await harness(backend);
    // The provider declares no limit of its own: the connections carry it.
    const carrier = new ScriptedCarrier({ name: 'twilio', clock: h.clock });
    const box = new SecretBox(Buffer.alloc(32, 3));
    const batches = [];
    for (const [i, name] of ['one', 'two'].entries()) {
      const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0, { callsPerSecond: 10 });
      const connectionId = newId('conn', T0);
      await insertConnection(h.db, {
        id: connectionId,
        workspaceId,
        provider: 'twilio',
        name,
        account: 'ACshared',
        credentialsSealed: box.seal('{}', credentialsContext(connectionId)),
        fromNumbers: ['+14155550100'],
        callsPerSecond: 2,
        now: T0,
      });
      await insertAgentRow(h.db, workspaceId, `agent_${name}`, T0, 'twilio');
      await h.db.query('UPDATE agents SET connection_id = $1 WHERE id = $2', [
        connectionId,
        `agent_${name}`,
      ]);
      batches.push(
        await insertQueuedBatch(h.db, {
          workspaceId,
          agentId: `agent_${name}`,
          now: T0,
          phones: Array.from({ length: 6 }, (_, k) => reserved(i * 10 + k)),
        }),
      );
    }
    await h.start({ providers: (events) => createRegistry([carrier.attach(events)]) });
    await h.clock.runUntil(async () => carrier.placed.length === 12, 60_000);
    const attempts = [
      ...(await attemptsOf(h.db, batches[0]!.id)),
      ...(await attemptsOf(h.db, batches[1]!.id)),
    ];
    const starts = attempts.map((a) => a.started_at - T0).sort((a, b) => a - b);
    expect(starts).toEqual(Array.from({ length: 12 }, (_, i) => i * 500));
    expect(
      await h.db.query('SELECT provider, account, calls_per_second FROM pacing_buckets'),
    ).toEqual([{ provider: 'twilio', account: 'ACshared', calls_per_second: 2 }]);
  });
});
