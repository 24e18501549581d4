import { afterEach, expect, it } from 'vitest';
import { CoalescedCallReads } from '../../src/http/coalesced-call-reads.js';
import type { Queryable } from '../../src/storage/db.js';
import { type InsertedBatch, insertBatch, mixedCalls } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Status reads that arrive together share one statement (src/http/coalesced-call-reads.ts): each
// must still get exactly its own call, and nothing of another batch or workspace.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

describeEachDb('status reads in one statement', (backend) => {
  let t: TestDb;
  let h: TestApp | undefined;
  afterEach(async () => {
    if (h) await closeApp(h, t);
    else await t?.close();
    h = undefined;
  });

  /** The database, counting the statements sent through it. */
  const counted = (q: Queryable) => {
    const texts: string[] = [];
    const db: Queryable = {
      query: (text, params) => {
        texts.push(text);
        return q.query(text, params);
      },
    };
    return { db, texts };
  };

  async function twoTenants(): Promise<{
    a: Tenant;
    b: Tenant;
    ba: InsertedBatch;
    bb: InsertedBatch;
  }> {
    t = await createTestDb(backend);
    const a = await seedTenant(t.db, T0, 'A');
    const b = await seedTenant(t.db, T0, 'B');
    const ba = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
    const bb = await insertBatch(t.db, {
      workspaceId: b.workspaceId,
      agentId: b.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
    return { a, b, ba, bb };
  }

  it('reads that arrive together get each its own call, in one statement per 256', async () => {
    const { a, b, ba, bb } = await twoTenants();
    const { db, texts } = counted(t.db);
    const reads = new CoalescedCallReads(db);
    const own = ba.callIds.map((callId) => ({
      workspaceId: a.workspaceId,
      batchId: ba.id,
      callId,
    }));
    const keys = [
      ...own,
      // Another workspace's job, by its own batch and by ours; our job under their workspace.
      { workspaceId: a.workspaceId, batchId: bb.id, callId: bb.callIds[0]! },
      { workspaceId: a.workspaceId, batchId: ba.id, callId: bb.callIds[1]! },
      { workspaceId: b.workspaceId, batchId: ba.id, callId: ba.callIds[2]! },
      { workspaceId: a.workspaceId, batchId: ba.id, callId: 'call_unknown' },
    ];
    // 300 reads: the same keys many times over, more than one statement takes.
    const asked = Array.from({ length: 300 }, (_, i) => keys[i % keys.length]!);
    const found = await Promise.all(asked.map((k) => reads.find(k)));
    expect(texts).toHaveLength(2);
    found.forEach((call, i) => {
      const k = asked[i]!;
      const mine = k.workspaceId === a.workspaceId && k.batchId === ba.id;
      if (mine && ba.callIds.includes(k.callId)) {
        expect(call?.id).toBe(k.callId);
        expect(call?.batchId).toBe(ba.id);
        expect(call?.line).toBe(ba.callIds.indexOf(k.callId) + 2);
      } else {
        expect(call).toBeUndefined();
      }
    });
  });

  it('reads at different turns of the event loop go in statements of their own', async () => {
    const { a, ba } = await twoTenants();
    const { db, texts } = counted(t.db);
    const reads = new CoalescedCallReads(db);
    for (const callId of ba.callIds.slice(0, 3)) {
      const call = await reads.find({ workspaceId: a.workspaceId, batchId: ba.id, callId });
      expect(call?.id).toBe(callId);
    }
    expect(texts).toHaveLength(3);
  });

  it('a failed statement fails every read in it, and the next reads succeed', async () => {
    const { a, ba } = await twoTenants();
    const reads = new CoalescedCallReads(t.db);
    const keys = ba.callIds.map((callId) => ({
      workspaceId: a.workspaceId,
      batchId: ba.id,
      callId,
    }));
    await t.db.query('ALTER TABLE calls RENAME TO calls_away');
    const failed = await Promise.allSettled(keys.map((k) => reads.find(k)));
    expect(failed.map((r) => r.status)).toEqual(keys.map(() => 'rejected'));
    await t.db.query('ALTER TABLE calls_away RENAME TO calls');
    const found = await Promise.all(keys.map((k) => reads.find(k)));
    expect(found.map((c) => c?.id)).toEqual(ba.callIds);
  });

  it('§5 over HTTP: requests of two workspaces at once each see only their own jobs', async () => {
    const { a, b, ba, bb } = await twoTenants();
    h = await createTestApp(t.db);
    const get = (who: Tenant, batchId: string, jobId: string) =>
      h!.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batchId}/calls/${jobId}`,
        headers: who.headers,
      });
    const asks = [
      ...ba.callIds.map((id) => [a, ba.id, id, 200] as const),
      ...bb.callIds.map((id) => [b, bb.id, id, 200] as const),
      ...bb.callIds.map((id) => [a, bb.id, id, 404] as const),
      ...ba.callIds.map((id) => [b, ba.id, id, 404] as const),
      ...bb.callIds.map((id) => [a, ba.id, id, 404] as const),
    ];
    const answers = await Promise.all(asks.map(([who, batchId, id]) => get(who, batchId, id)));
    answers.forEach((res, i) => {
      const [, , id, status] = asks[i]!;
      expect(res.statusCode).toBe(status);
      if (status === 200) expect(res.json().jobId).toBe(id);
      else expect(res.json()).toEqual({ status: 'not_found', error: 'Call not found' });
    });
  });
});
