import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { credentialsContext } from '../../src/domain/connection.js';
import { newId } from '../../src/domain/ids.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { listApiKeys } from '../../src/storage/api-keys-repo.js';
import { insertConnection } from '../../src/storage/connections-repo.js';
import { insertClaimedDelivery } from '../../src/storage/webhook-deliveries-repo.js';
import { insertWebhookEndpoint } from '../../src/storage/webhook-endpoints-repo.js';
import { attemptIdOf, insertBatch } from '../support/batch-fixtures.js';
import type { TestDb } from '../support/databases.js';
import { multipart, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Two workspaces for the tenant isolation matrix: B owns data of every kind the API can name
// (agents idle, in use and deleted; batches queued, processing, completed and cancelled; jobs
// waiting, active, completed, failed and cancelled; attempts; an Idempotency-Key), made through
// the API where the API can make it. Every string B owns is distinctive, so finding one in a
// response to A is a leak and never a coincidence.

/** The ids a probe aims at: B's real ones, or never-existing ones of the same kinds. */
export interface Target {
  workspace: string;
  /** Used by B's queued and processing batches: deleting it is a 409 for B. */
  agentInUse: string;
  /** Used by no batch. */
  idleAgent: string;
  /** Soft-deleted by B. */
  deletedAgent: string;
  /** Queued (JSON recipients, created with an Idempotency-Key). */
  queuedBatch: string;
  /** Has an active call. */
  processingBatch: string;
  /** Every call terminal: cancelling it is a 409 for B. */
  completedBatch: string;
  /** Cancelled by B: cancelling it again is a 200 for B. */
  cancelledBatch: string;
  /** Waiting, in queuedBatch. */
  waitingJob: string;
  /** Active, in processingBatch. */
  activeJob: string;
  /** Completed, in completedBatch. */
  completedJob: string;
  /** The number of waitingJob. */
  waitingPhone: string;
  /** The number of activeJob. */
  activePhone: string;
  /** The Idempotency-Key queuedBatch was created with. */
  idemKey: string;
  /** The Idempotency-Key cancelledBatch was created with. */
  otherIdemKey: string;
  /** A webhook endpoint. */
  webhook: string;
  /** A delivery to it. */
  delivery: string;
  /** A telephony connection, used by agentInUse: deleting it is a 409 for B. */
  connection: string;
  /** On B's do-not-call list (in none of B's batches). */
  dncPhone: string;
}

/** A's own ids, for probes that mix A's batch with B's job or number. */
export interface Own {
  agentId: string;
  batchId: string;
  jobId: string;
  phones: string[];
}

export interface World {
  a: Tenant;
  b: Tenant;
  own: Own;
  /** B's real ids. */
  bIds: Target;
  /** Ids of the same kinds that exist nowhere. */
  never: Target;
  /** Every string B owns that A must never see (ids, numbers, names, variables, texts). */
  bStrings: string[];
}

export type Response = LightMyRequestResponse;

export function send(
  h: TestApp,
  opts: InjectOptions & { url: string },
  headers: Record<string, string>,
): Promise<Response> {
  return h.app.inject({ ...opts, headers: { ...headers, ...(opts.headers ?? {}) } });
}

const ok = (res: Response, status = 200): Record<string, any> => {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
};

const B_PHONES = {
  queued: ['+15005550161', '+15005550162', '+15005550163'],
  csv: ['+15005550171', '+15005550172'],
  processing: ['+15005550181', '+15005550182'],
  completed: ['+15005550191', '+15005550192'],
};
export const A_PHONES = ['+15005550001', '+15005550002'];
/** Valid numbers that no workspace has, and that A may send in its own requests. */
export const A_SPARE_PHONES = ['+15005550011', '+15005550012'];

const B_TWILIO_ACCOUNT = `AC${'b0'.repeat(16)}`;
const B_CONNECTION_NUMBER = '+15005550871';

const B_AGENT = {
  name: 'Bellatrix Vantablack',
  greeting: 'Hello {first_name}, Bellatrix here from Borealis Bank.',
  prompt: 'Offer the {bravo_loyalty_tier} upgrade to {first_name}.',
  fromNumber: '+15005550177',
  variables: ['bravo_loyalty_tier'],
};

const B_WEBHOOK_URL = 'https://hooks.borealis-bank.example/outdial';

/**
 * B's webhook endpoint and one delivery to it, written to the tables: the API stores webhook
 * secrets only when it can seal them under a key outside the database, which this app has not.
 */
async function seedWebhook(t: TestDb, workspaceId: string, now: number) {
  const endpoint = await insertWebhookEndpoint(t.db, {
    id: newId('wh', now),
    workspaceId,
    url: B_WEBHOOK_URL,
    events: ['*'],
    description: 'Borealis CRM hook',
    secretSealed: 'v1.none.none.none',
    now,
  });
  const delivery = newId('msg', now);
  await insertClaimedDelivery(t.db, {
    id: delivery,
    endpointId: endpoint.id,
    workspaceId,
    eventType: 'webhook.test',
    body: '{"type":"webhook.test"}',
    now,
    owner: 'tenant-world',
    leaseUntil: now,
  });
  return { webhook: endpoint.id, delivery };
}

/** Builds workspaces A and B (names distinctive too) and B's data; returns what the matrix needs. */
export async function buildWorld(h: TestApp, t: TestDb): Promise<World> {
  const now = h.clock.now();
  const a = await seedTenant(t.db, now, 'Aurora workspace');
  const b = await seedTenant(t.db, now, 'Borealis workspace');
  const asB = (opts: InjectOptions & { url: string }) => send(h, opts, b.headers);

  const agentInUse = ok(await asB({ method: 'POST', url: '/v1/api/agents', payload: B_AGENT }), 201)
    .id as string;
  // The seeded agent is named like A's; B renames it so its name is B's alone.
  ok(
    await asB({
      method: 'PUT',
      url: `/v1/api/agents/${b.agentId}`,
      payload: { name: 'Brunhilde Idlewild', prompt: 'Brunhilde never calls anyone.' },
    }),
  );
  const deletedAgent = ok(
    await asB({ method: 'POST', url: '/v1/api/agents', payload: { name: 'Bohdan Deleted' } }),
    201,
  ).id as string;
  ok(await asB({ method: 'DELETE', url: `/v1/api/agents/${deletedAgent}` }));
  // Stored directly: creating one through the API asks Twilio, which this app does not reach.
  const connection = newId('conn', now);
  await insertConnection(t.db, {
    id: connection,
    workspaceId: b.workspaceId,
    provider: 'twilio',
    name: 'Borealis trunk line',
    account: B_TWILIO_ACCOUNT,
    credentialsSealed: new SecretBox(Buffer.alloc(32, 7)).seal(
      JSON.stringify({ accountSid: B_TWILIO_ACCOUNT, authToken: 'borealis-auth-token' }),
      credentialsContext(connection),
    ),
    fromNumbers: [B_CONNECTION_NUMBER],
    callsPerSecond: 3,
    now,
  });
  await t.db.query('UPDATE agents SET connection_id = $1 WHERE id = $2', [connection, agentInUse]);

  const idemKey = 'borealis-idempotency-key-1';
  const queued = ok(
    await asB({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: { 'idempotency-key': idemKey },
      payload: {
        agentId: agentInUse,
        name: 'Borealis spring campaign',
        recipients: [
          {
            phone_number: B_PHONES.queued[0],
            first_name: 'Bartholomew',
            bravo_loyalty_tier: 'titanium-b',
          },
          {
            phone_number: B_PHONES.queued[1],
            first_name: 'Berenice',
            bravo_loyalty_tier: 'obsidian-b',
          },
          { phone_number: B_PHONES.queued[2], first_name: 'Bjornstjerne' },
        ],
      },
    }),
  ).batchId as string;
  const csv = multipart(
    { agentId: agentInUse, name: 'Borealis CSV drive' },
    {
      content: `phone_number,first_name,borealis_segment\n${B_PHONES.csv[0]},Bertrand,segment-borealis-7\n${B_PHONES.csv[1]},Brigitta,segment-borealis-8\n`,
    },
  );
  const otherIdemKey = 'borealis-idempotency-key-2';
  const cancelledBatch = ok(
    await asB({
      method: 'POST',
      url: '/v1/batch-calls',
      payload: csv.payload,
      headers: { ...csv.headers, 'idempotency-key': otherIdemKey },
    }),
  ).batchId as string;
  ok(await asB({ method: 'DELETE', url: `/v1/api/batch-calls/${cancelledBatch}` }));

  const queuedCalls = ok(
    await asB({ method: 'GET', url: `/v1/api/batch-calls/${queued}/calls?limit=100` }),
  ).calls as Array<{ jobId: string; phone_number: string }>;
  // B cancels its last queued job, so a cancelled job sits next to the waiting ones.
  ok(
    await asB({
      method: 'DELETE',
      url: `/v1/api/batch-calls/${queued}/calls/${queuedCalls[2]!.jobId}`,
    }),
  );

  const vars = (first_name: string) => ({ first_name, bravo_loyalty_tier: 'graphite-b' });
  const processing = await insertBatch(t.db, {
    workspaceId: b.workspaceId,
    agentId: agentInUse,
    createdAt: now - 60_000,
    name: 'Borealis retention wave',
    calls: [
      {
        state: 'active',
        startTime: now - 30_000,
        phone: B_PHONES.processing[0],
        variables: vars('Bronisława'),
      },
      { state: 'waiting', phone: B_PHONES.processing[1], variables: vars('Benedikta') },
    ],
  });
  const completed = await insertBatch(t.db, {
    workspaceId: b.workspaceId,
    agentId: agentInUse,
    createdAt: now - 3_600_000,
    name: 'Borealis winter recall',
    calls: [
      {
        state: 'completed',
        startTime: now - 3_000_000,
        endTime: now - 2_900_000,
        duration: 61.5,
        outcome: 'successful',
        transcript: 'Agent: Hello Barnabas.\nCustomer: Barnabas confirms the Borealis upgrade.',
        phone: B_PHONES.completed[0],
        variables: vars('Barnabas'),
      },
      {
        state: 'failed',
        startTime: now - 3_000_000,
        endTime: now - 2_700_000,
        attempts: 1,
        error: 'Borealis trunk refused the number',
        phone: B_PHONES.completed[1],
        variables: vars('Bogumila'),
      },
    ],
  });
  const attempts = await Promise.all(
    [...processing.callIds, ...completed.callIds].map((id) => attemptIdOf(t.db, id)),
  );
  // "An export": B can read its results, so the route A probes has something to give away.
  const exported = await asB({
    method: 'GET',
    url: `/v1/api/batch-calls/${completed.id}/export-results`,
  });
  expect(exported.statusCode).toBe(200);
  expect(exported.body).toContain('Barnabas');

  // A's own batch and job, for probes that pair them with B's ids.
  const aBatch = ok(
    await send(
      h,
      {
        method: 'POST',
        url: '/v1/api/batch-calls',
        payload: {
          agentId: a.agentId,
          name: 'Aurora batch',
          recipients: A_PHONES.map((p) => ({ phone_number: p, first_name: 'Amelia' })),
        },
      },
      a.headers,
    ),
  ).batchId as string;
  const aCalls = ok(
    await send(h, { method: 'GET', url: `/v1/api/batch-calls/${aBatch}/calls` }, a.headers),
  ).calls as Array<{ jobId: string }>;

  const B_DNC = '+15005550195';
  ok(
    await send(
      h,
      {
        method: 'POST',
        url: '/v1/api/dnc',
        payload: { phoneNumbers: [B_DNC], reason: 'Borealis do-not-call' },
      },
      b.headers,
    ),
  );

  const bIds: Target = {
    workspace: b.workspaceId,
    agentInUse,
    idleAgent: b.agentId,
    deletedAgent,
    queuedBatch: queued,
    processingBatch: processing.id,
    completedBatch: completed.id,
    cancelledBatch,
    waitingJob: queuedCalls[0]!.jobId,
    activeJob: processing.callIds[0]!,
    completedJob: completed.callIds[0]!,
    waitingPhone: queuedCalls[0]!.phone_number,
    activePhone: B_PHONES.processing[0]!,
    idemKey,
    otherIdemKey,
    ...(await seedWebhook(t, b.workspaceId, now)),
    connection,
    dncPhone: B_DNC,
  };
  const never: Target = {
    workspace: newId('ws', now),
    agentInUse: newId('agent', now),
    idleAgent: newId('agent', now),
    deletedAgent: newId('agent', now),
    queuedBatch: newId('batch', now),
    processingBatch: newId('batch', now),
    completedBatch: newId('batch', now),
    cancelledBatch: newId('batch', now),
    waitingJob: newId('call', now),
    activeJob: newId('call', now),
    completedJob: newId('call', now),
    waitingPhone: '+15005550991',
    activePhone: '+15005550992',
    idemKey: 'never-used-idempotency-key-1',
    otherIdemKey: 'never-used-idempotency-key-2',
    webhook: newId('wh', now),
    delivery: newId('msg', now),
    connection: newId('conn', now),
    dncPhone: '+15005550993',
  };
  const [bKey] = await listApiKeys(t.db, b.workspaceId);
  const bStrings = [
    b.workspaceId,
    b.apiKey,
    bKey!.id,
    'Borealis workspace',
    ...Object.values(bIds),
    ...queuedCalls.map((c) => c.jobId),
    ...processing.callIds,
    ...completed.callIds,
    ...attempts.filter((x): x is string => x !== null),
    ...Object.values(B_PHONES).flat(),
    B_AGENT.name,
    B_AGENT.greeting,
    B_AGENT.prompt,
    B_AGENT.fromNumber,
    'bravo_loyalty_tier',
    'Brunhilde',
    'Bohdan Deleted',
    'Borealis spring campaign',
    'Borealis CSV drive',
    'Borealis retention wave',
    'Borealis winter recall',
    'Borealis trunk refused',
    'Borealis upgrade',
    'borealis_segment',
    'segment-borealis',
    'Borealis do-not-call',
    'Bartholomew',
    'Berenice',
    'Bjornstjerne',
    'Bertrand',
    'Brigitta',
    'Bronisława',
    'Benedikta',
    'Barnabas',
    'Bogumila',
    'titanium-b',
    'obsidian-b',
    'graphite-b',
    B_WEBHOOK_URL,
    'Borealis CRM hook',
    'Borealis trunk line',
    B_TWILIO_ACCOUNT,
    'borealis-auth-token',
    B_CONNECTION_NUMBER,
  ];
  return {
    a,
    b,
    own: { agentId: a.agentId, batchId: aBatch, jobId: aCalls[0]!.jobId, phones: A_PHONES },
    bIds,
    never,
    bStrings: [...new Set(bStrings)],
  };
}

/**
 * Everything B can read of its own data, through its own key: equal before and after A's probes
 * means A changed nothing of B's.
 */
export async function snapshotOf(h: TestApp, tenant: Tenant, ids: Target): Promise<unknown> {
  const get = async (url: string) => {
    const res = await send(h, { method: 'GET', url }, tenant.headers);
    return { status: res.statusCode, body: res.body };
  };
  const batches = [ids.queuedBatch, ids.processingBatch, ids.completedBatch, ids.cancelledBatch];
  const out: Record<string, unknown> = {
    workspace: await get('/v1/api/workspace'),
    agents: await get('/v1/api/agents'),
    batches: await get('/v1/api/batch-calls?limit=100'),
    webhooks: await get('/v1/api/webhooks'),
    [ids.webhook]: await get(`/v1/api/webhooks/${ids.webhook}`),
    deliveries: await get(`/v1/api/webhooks/${ids.webhook}/deliveries`),
    connections: await get('/v1/api/telephony/connections'),
    [ids.connection]: await get(`/v1/api/telephony/connections/${ids.connection}`),
    dnc: await get('/v1/api/dnc?limit=100'),
  };
  for (const id of [ids.agentInUse, ids.idleAgent, ids.deletedAgent]) {
    out[id] = await get(`/v1/api/agents/${id}`);
  }
  for (const id of batches) {
    out[id] = await get(`/v1/api/batch-calls/${id}`);
    const calls = await get(`/v1/api/batch-calls/${id}/calls?limit=100`);
    out[`${id}/calls`] = calls;
    for (const c of (JSON.parse(calls.body).calls ?? []) as Array<{ jobId: string }>) {
      out[c.jobId] = await get(`/v1/api/batch-calls/${id}/calls/${c.jobId}`);
    }
    out[`${id}/export`] = await get(`/v1/api/batch-calls/${id}/export-results`);
  }
  return out;
}
