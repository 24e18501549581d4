import type { InjectOptions, RouteOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateApiKey } from '../../src/domain/api-key.js';
import { newId } from '../../src/domain/ids.js';
import { API_PREFIXES, buildApp } from '../../src/http/app.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { insertApiKey, KEYS_CHANNEL, revokeApiKey } from '../../src/storage/api-keys-repo.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, multipart, type TestApp } from '../support/http.js';
import {
  A_SPARE_PHONES,
  buildWorld,
  type Own,
  type Response,
  send,
  snapshotOf,
  type Target,
  type World,
} from './tenant-world.js';

// Issue 5 scope 1, the tenant isolation matrix. For every route the app registers, under both
// prefixes: A's key with A's workspace and B's ids answers exactly as for ids that never existed
// (404, or §1's 400 for an unknown agent) or, for lists, A's own data only; A's key with B's
// workspace is a 403; no answer carries any string of B's; B's data reads the same afterwards;
// and a revoked key is refused on every route as soon as its revocation is announced.

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request, relative to an API prefix. */
interface Call {
  method: Method;
  path: string;
  /** A JSON body. */
  json?: unknown;
  /** A multipart body, as curl -F sends it. */
  form?: { fields: Record<string, string>; csv?: string };
  headers?: Record<string, string>;
}

interface Probe {
  what: string;
  /** The request, aimed at `t` (B's ids or never-existing ones); `own` are A's ids. */
  call: (t: Target, own: Own) => Call;
  status: number;
  /** The answer must be the one for never-existing ids, byte for byte once the ids are masked. */
  asIfMissing?: boolean;
  /** More checks of A's answer (lists: A's rows only). */
  check?: (res: Response, w: World) => void;
}

/**
 * Routes outside /v1: no key, no workspace data (contract §16, and the dashboard's files, which
 * read data only through the API with the user's key). A trailing * matches a prefix.
 */
const PUBLIC_ROUTES = [
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
  '/docs*',
  '/',
  '/favicon.svg',
  '/assets/*',
];

/** Routes under the API prefixes that take no API key (carrier callbacks, checked by signature). */
const KEYLESS = new Set([
  'POST /telephony/twilio/events/:token',
  'GET /agent/attempts/:attemptId',
  'POST /agent/attempts/:attemptId/report',
]);

const csvOf = (phones: string[]) =>
  `phone_number,first_name\n${phones.map((p) => `${p},Amadeo`).join('\n')}\n`;
const recipientsOf = (phones: string[]) => phones.map((p) => ({ phone_number: p }));
const enc = encodeURIComponent;

const idsOf = (res: Response, list: string) =>
  (res.json()[list] as Array<{ id: string }>).map((x) => x.id);

/**
 * Keyed by method and path under a prefix. A route the app registers without an entry here
 * fails the first test: a new route must say how it keeps B's data from A.
 */
const MATRIX: Record<string, Probe[]> = {
  'GET /agent/attempts/:attemptId': [
    {
      // Takes no API key: only the attempt's report token, which A cannot make for B's attempt.
      what: "B's job read with A's key and a forged report token",
      call: (t) => ({
        method: 'GET',
        path: `/agent/attempts/${t.activeJob}`,
        headers: { authorization: `Bearer ${t.activeJob}.zz.${'A'.repeat(43)}` },
      }),
      status: 401,
      asIfMissing: true,
    },
  ],
  'POST /agent/attempts/:attemptId/report': [
    {
      // Takes no API key: only the attempt's report token, which A cannot make for B's attempt.
      what: "a report on B's job with A's key and a forged report token",
      call: (t) => ({
        method: 'POST',
        path: `/agent/attempts/${t.activeJob}/report`,
        headers: { authorization: `Bearer ${t.activeJob}.zz.${'A'.repeat(43)}` },
        json: { outcome: 'opted_out', transcript: 'Customer: stop.' },
      }),
      status: 401,
      asIfMissing: true,
    },
  ],
  'POST /telephony/twilio/events/:token': [
    {
      // Takes no API key: the URL's token and Twilio's signature decide, and B's attempt is
      // reached by neither (its callback token is an HMAC this request cannot make).
      what: "a forged Twilio callback about B's job",
      call: (t) => ({
        method: 'POST',
        path: `/telephony/twilio/events/${t.activeJob}.zz.${'A'.repeat(43)}`,
        json: { CallSid: `CA${'0'.repeat(32)}`, CallStatus: 'completed' },
      }),
      status: 403,
      asIfMissing: true,
    },
  ],
  'POST /telephony/connections': [
    {
      // This app has no OUTDIAL_PUBLIC_URL: refused before anything is looked up or stored.
      what: "a body naming B's connection and workspace",
      call: (t) => ({
        method: 'POST',
        path: '/telephony/connections',
        json: {
          id: t.connection,
          workspaceId: t.workspace,
          provider: 'twilio',
          name: 'Aurora line',
          credentials: { accountSid: `AC${'a0'.repeat(16)}`, authToken: 'aurora-token' },
          fromNumbers: ['+15005550861'],
        },
      }),
      status: 400,
      asIfMissing: true,
    },
  ],
  'GET /telephony/connections': [
    {
      what: "lists A's connections only",
      call: () => ({ method: 'GET', path: '/telephony/connections' }),
      status: 200,
      check: (res, w) => expect(idsOf(res, 'connections')).not.toContain(w.bIds.connection),
    },
  ],
  'GET /telephony/connections/:connectionId': [
    {
      what: "B's connection",
      call: (t) => ({ method: 'GET', path: `/telephony/connections/${t.connection}` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'PATCH /telephony/connections/:connectionId': [
    {
      what: "renaming and re-pacing B's connection",
      call: (t) => ({
        method: 'PATCH',
        path: `/telephony/connections/${t.connection}`,
        json: { name: 'Hijacked by Aurora', callsPerSecond: 50 },
      }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "pointing B's connection at A's numbers",
      call: (t) => ({
        method: 'PATCH',
        path: `/telephony/connections/${t.connection}`,
        json: { fromNumbers: ['+15005550861'] },
      }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'DELETE /telephony/connections/:connectionId': [
    {
      // B gets 409 here (its agent in use has live batches): a 409 for A would say it exists.
      what: "deleting B's connection in use",
      call: (t) => ({ method: 'DELETE', path: `/telephony/connections/${t.connection}` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'POST /agents': [
    {
      what: "a body naming B's agent and workspace creates A's own agent",
      call: (t) => ({
        method: 'POST',
        path: '/agents',
        json: { name: 'Aurora helper', id: t.idleAgent, workspaceId: t.workspace },
      }),
      status: 201,
      check: (res, w) => {
        expect(res.json().id).not.toBe(w.bIds.idleAgent);
        expect(res.json().name).toBe('Aurora helper');
      },
    },
    {
      what: "an agent of A's placing its calls through B's connection",
      call: (t) => ({
        method: 'POST',
        path: '/agents',
        json: {
          name: 'Aurora caller',
          connectionId: t.connection,
          transport: { type: 'stream', url: 'wss://aurora.example.com/media' },
        },
      }),
      status: 400,
      asIfMissing: true,
    },
  ],
  'GET /agents': [
    {
      what: "lists A's agents only",
      call: () => ({ method: 'GET', path: '/agents' }),
      status: 200,
      check: (res, w) => expect(idsOf(res, 'agents')).toContain(w.own.agentId),
    },
  ],
  'GET /agents/:agentId': [
    {
      what: "B's agent in use",
      call: (t) => ({ method: 'GET', path: `/agents/${t.agentInUse}` }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "B's idle agent",
      call: (t) => ({ method: 'GET', path: `/agents/${t.idleAgent}` }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "B's deleted agent",
      call: (t) => ({ method: 'GET', path: `/agents/${t.deletedAgent}` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'PUT /agents/:agentId': [
    {
      what: "renaming B's agent",
      call: (t) => ({
        method: 'PUT',
        path: `/agents/${t.agentInUse}`,
        json: { name: 'Hijacked by Aurora', prompt: 'Call everyone twice.' },
      }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "restoring B's deleted agent",
      call: (t) => ({ method: 'PUT', path: `/agents/${t.deletedAgent}`, json: { name: 'Back' } }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "pointing A's own agent at B's connection",
      call: (t, own) => ({
        method: 'PUT',
        path: `/agents/${own.agentId}`,
        json: {
          connectionId: t.connection,
          transport: { type: 'sip', uri: 'sip:aurora@sip.example.com' },
        },
      }),
      status: 400,
      asIfMissing: true,
    },
  ],
  'DELETE /agents/:agentId': [
    {
      what: "deleting B's idle agent",
      call: (t) => ({ method: 'DELETE', path: `/agents/${t.idleAgent}` }),
      status: 404,
      asIfMissing: true,
    },
    {
      // B gets 409 here: a 409 for A would say the agent exists.
      what: "deleting B's agent in use",
      call: (t) => ({ method: 'DELETE', path: `/agents/${t.agentInUse}` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'POST /batch-calls': [
    {
      what: "a JSON batch on B's agent",
      call: (t) => ({
        method: 'POST',
        path: '/batch-calls',
        json: { agentId: t.agentInUse, recipients: recipientsOf(A_SPARE_PHONES) },
      }),
      status: 400,
      asIfMissing: true,
    },
    {
      what: "a CSV batch on B's idle agent",
      call: (t) => ({
        method: 'POST',
        path: '/batch-calls',
        form: { fields: { agentId: t.idleAgent }, csv: csvOf(A_SPARE_PHONES) },
      }),
      status: 400,
      asIfMissing: true,
    },
    {
      // An unscoped key lookup would answer 409 "key reused" (or replay B's batch).
      what: "B's Idempotency-Key with B's agent",
      call: (t) => ({
        method: 'POST',
        path: '/batch-calls',
        headers: { 'idempotency-key': t.idemKey },
        json: { agentId: t.agentInUse, recipients: recipientsOf(A_SPARE_PHONES) },
      }),
      status: 400,
      asIfMissing: true,
    },
    {
      // Another of B's keys than the probe above uses: from the second prefix on, this one is
      // A's own key too (the same request again: a replay).
      what: "B's Idempotency-Key on A's own batch creates A's batch",
      call: (t, own) => ({
        method: 'POST',
        path: '/batch-calls',
        headers: { 'idempotency-key': t.otherIdemKey },
        json: { agentId: own.agentId, recipients: recipientsOf(A_SPARE_PHONES) },
      }),
      status: 200,
      check: (res) => expect(res.json().totalCalls).toBe(A_SPARE_PHONES.length),
    },
  ],
  'GET /batch-calls': [
    'all',
    'queued',
    'processing',
    'paused',
    'completed',
    'cancelled',
    'failed',
  ].map((status) => ({
    what: `lists A's batches only (status=${status})`,
    call: () => ({ method: 'GET', path: `/batch-calls?status=${status}&limit=100` }),
    status: 200,
    check: (res: Response, w: World) => {
      if (status === 'all' || status === 'queued') {
        expect(idsOf(res, 'batches')).toContain(w.own.batchId);
      }
    },
  })),
  'GET /batch-calls/:batchId': (
    ['queuedBatch', 'processingBatch', 'completedBatch', 'cancelledBatch'] as const
  ).map((k) => ({
    what: `B's ${k}`,
    call: (t: Target) => ({ method: 'GET', path: `/batch-calls/${t[k]}` }),
    status: 404,
    asIfMissing: true,
  })),
  'GET /batch-calls/:batchId/status': (['queuedBatch', 'completedBatch'] as const).map((k) => ({
    what: `B's ${k}`,
    call: (t: Target) => ({ method: 'GET', path: `/batch-calls/${t[k]}/status` }),
    status: 404,
    asIfMissing: true,
  })),
  'GET /batch-calls/:batchId/calls': [
    ...(['queuedBatch', 'processingBatch'] as const).map((k) => ({
      what: `B's ${k}, every status`,
      call: (t: Target) => ({
        method: 'GET' as const,
        path: `/batch-calls/${t[k]}/calls?page=1&limit=100&status=all`,
      }),
      status: 404,
      asIfMissing: true,
    })),
    {
      what: "B's processingBatch searched by number",
      call: (t) => ({ method: 'GET', path: `/batch-calls/${t.processingBatch}/calls?phone=1` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'GET /batch-calls/:batchId/activity': (['completedBatch', 'processingBatch'] as const).map(
    (k) => ({
      what: `B's ${k}: outcomes and times`,
      call: (t: Target) => ({ method: 'GET' as const, path: `/batch-calls/${t[k]}/activity` }),
      status: 404,
      asIfMissing: true,
    }),
  ),
  'GET /batch-calls/:batchId/calls/:jobId': [
    {
      what: "B's batch and B's waiting job",
      call: (t) => ({ method: 'GET', path: `/batch-calls/${t.queuedBatch}/calls/${t.waitingJob}` }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "B's batch and B's completed job (transcript, attempt id)",
      call: (t) => ({
        method: 'GET',
        path: `/batch-calls/${t.completedBatch}/calls/${t.completedJob}`,
      }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "B's completed job with its attempts",
      call: (t) => ({
        method: 'GET',
        path: `/batch-calls/${t.completedBatch}/calls/${t.completedJob}?include=attempts`,
      }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "A's batch and B's job",
      call: (t, own) => ({
        method: 'GET',
        path: `/batch-calls/${own.batchId}/calls/${t.activeJob}`,
      }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "B's batch and A's job",
      call: (t, own) => ({
        method: 'GET',
        path: `/batch-calls/${t.queuedBatch}/calls/${own.jobId}`,
      }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'DELETE /batch-calls/:batchId': [
    ...(['queuedBatch', 'processingBatch'] as const).map((k) => ({
      what: `cancelling B's ${k}`,
      call: (t: Target): Call => ({ method: 'DELETE', path: `/batch-calls/${t[k]}` }),
      status: 404,
      asIfMissing: true,
    })),
    {
      // B gets 409 "Batch already completed".
      what: "cancelling B's completed batch",
      call: (t) => ({ method: 'DELETE', path: `/batch-calls/${t.completedBatch}` }),
      status: 404,
      asIfMissing: true,
    },
    {
      // B gets 200 with the batch's details (idempotent cancel).
      what: "cancelling B's cancelled batch",
      call: (t) => ({ method: 'DELETE', path: `/batch-calls/${t.cancelledBatch}` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'POST /batch-calls/:batchId/pause': (
    ['queuedBatch', 'processingBatch', 'completedBatch', 'cancelledBatch'] as const
  ).map((k) => ({
    what: `pausing B's ${k}`,
    call: (t: Target): Call => ({ method: 'POST', path: `/batch-calls/${t[k]}/pause` }),
    status: 404,
    asIfMissing: true,
  })),
  'POST /batch-calls/:batchId/resume': (
    ['queuedBatch', 'processingBatch', 'completedBatch', 'cancelledBatch'] as const
  ).map((k) => ({
    what: `resuming B's ${k}`,
    call: (t: Target): Call => ({ method: 'POST', path: `/batch-calls/${t[k]}/resume` }),
    status: 404,
    asIfMissing: true,
  })),
  'POST /batch-calls/:batchId/recipients': (
    ['queuedBatch', 'processingBatch', 'completedBatch', 'cancelledBatch'] as const
  ).map((k) => ({
    what: `appending to B's ${k}`,
    call: (t: Target): Call => ({
      method: 'POST',
      path: `/batch-calls/${t[k]}/recipients`,
      json: { recipients: recipientsOf(A_SPARE_PHONES) },
    }),
    status: 404,
    asIfMissing: true,
  })),
  'POST /batch-calls/:batchId/retry': [
    ...(['queuedBatch', 'processingBatch', 'completedBatch', 'cancelledBatch'] as const).map(
      (k) => ({
        what: `retrying B's ${k}`,
        call: (t: Target): Call => ({ method: 'POST', path: `/batch-calls/${t[k]}/retry` }),
        status: 404,
        asIfMissing: true,
      }),
    ),
    {
      what: "retrying B's job through A's batch",
      call: (t, own) => ({
        method: 'POST',
        path: `/batch-calls/${own.batchId}/retry`,
        json: { jobIds: [t.completedJob] },
      }),
      status: 400,
    },
  ],
  'DELETE /batch-calls/:batchId/calls/:jobId': [
    {
      what: "cancelling B's waiting job",
      call: (t) => ({
        method: 'DELETE',
        path: `/batch-calls/${t.queuedBatch}/calls/${t.waitingJob}`,
      }),
      status: 404,
      asIfMissing: true,
    },
    {
      // B gets 409 "Call in progress".
      what: "cancelling B's active job",
      call: (t) => ({
        method: 'DELETE',
        path: `/batch-calls/${t.processingBatch}/calls/${t.activeJob}`,
      }),
      status: 404,
      asIfMissing: true,
    },
    {
      // B gets 409 "Call already completed".
      what: "cancelling B's completed job",
      call: (t) => ({
        method: 'DELETE',
        path: `/batch-calls/${t.completedBatch}/calls/${t.completedJob}`,
      }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "cancelling B's waiting job through A's batch",
      call: (t, own) => ({
        method: 'DELETE',
        path: `/batch-calls/${own.batchId}/calls/${t.waitingJob}`,
      }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'DELETE /batch-calls/:batchId/contacts/:phone': [
    {
      what: "cancelling B's waiting number",
      call: (t) => ({
        method: 'DELETE',
        path: `/batch-calls/${t.queuedBatch}/contacts/${enc(t.waitingPhone)}`,
      }),
      status: 404,
      asIfMissing: true,
    },
    {
      // B gets 409 "Call in progress".
      what: "cancelling B's number in progress",
      call: (t) => ({
        method: 'DELETE',
        path: `/batch-calls/${t.processingBatch}/contacts/${enc(t.activePhone)}`,
      }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "cancelling B's number through A's batch",
      call: (t, own) => ({
        method: 'DELETE',
        path: `/batch-calls/${own.batchId}/contacts/${enc(t.waitingPhone)}`,
      }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'GET /batch-calls/:batchId/export-results': (['completedBatch', 'queuedBatch'] as const).map(
    (k) => ({
      what: `exporting B's ${k}`,
      call: (t: Target) => ({ method: 'GET', path: `/batch-calls/${t[k]}/export-results` }),
      status: 404,
      asIfMissing: true,
    }),
  ),
  'GET /batch-calls/template': [
    {
      what: "the template of B's agent (its {variables})",
      call: (t) => ({ method: 'GET', path: `/batch-calls/template?agentId=${t.agentInUse}` }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: "the template of B's deleted agent",
      call: (t) => ({ method: 'GET', path: `/batch-calls/template?agentId=${t.deletedAgent}` }),
      status: 404,
      asIfMissing: true,
    },
    {
      what: 'the plain template',
      call: () => ({ method: 'GET', path: '/batch-calls/template' }),
      status: 200,
    },
  ],
  'POST /batch-calls/validate': [
    {
      what: "A's CSV with B's agent id as a field",
      call: (t) => ({
        method: 'POST',
        path: '/batch-calls/validate',
        form: { fields: { agentId: t.agentInUse }, csv: csvOf(A_SPARE_PHONES) },
      }),
      // validate checks the file against the agent's variables: B's agent is unknown to A.
      status: 400,
      asIfMissing: true,
      check: (res) => expect(res.json().error).toBe('Agent not found'),
    },
    {
      what: "A's CSV without an agent id",
      call: () => ({
        method: 'POST',
        path: '/batch-calls/validate',
        form: { fields: {}, csv: csvOf(A_SPARE_PHONES) },
      }),
      status: 200,
      check: (res) => expect(res.json().validRows).toBe(A_SPARE_PHONES.length),
    },
  ],
  'POST /batch-calls/preview': [
    {
      what: "A's recipients with B's agent id",
      call: (t) => ({
        method: 'POST',
        path: '/batch-calls/preview',
        json: { agentId: t.agentInUse, recipients: recipientsOf(A_SPARE_PHONES) },
      }),
      status: 400,
      asIfMissing: true,
      check: (res) => expect(res.json().error).toBe('Agent not found'),
    },
    {
      what: "A's recipients without an agent id",
      call: () => ({
        method: 'POST',
        path: '/batch-calls/preview',
        json: { recipients: recipientsOf(A_SPARE_PHONES) },
      }),
      status: 200,
      check: (res) => expect(res.json().rows).toHaveLength(A_SPARE_PHONES.length),
    },
  ],
  'POST /batch-calls/estimate': [
    {
      what: "A's CSV with B's agent id",
      call: (t) => ({
        method: 'POST',
        path: '/batch-calls/estimate',
        form: { fields: { agentId: t.agentInUse }, csv: csvOf(A_SPARE_PHONES) },
      }),
      status: 400,
      asIfMissing: true,
      check: (res) => expect(res.json().error).toBe('Agent not found'),
    },
    {
      what: "A's recipients with A's agent: A's limits, nothing of B's",
      call: (_t, own) => ({
        method: 'POST',
        path: '/batch-calls/estimate',
        json: { agentId: own.agentId, recipients: recipientsOf(A_SPARE_PHONES) },
      }),
      status: 200,
      // The matrix lists these numbers on A's do-not-call list too: then they are suppressed.
      check: (res) => {
        const { rows, dialableRows, suppressedRows } = res.json();
        expect({ rows, counted: dialableRows + suppressedRows }).toEqual({
          rows: A_SPARE_PHONES.length,
          counted: A_SPARE_PHONES.length,
        });
      },
    },
  ],
  'GET /workspace': [
    {
      what: "A's workspace",
      call: () => ({ method: 'GET', path: '/workspace' }),
      status: 200,
      check: (res, w) => expect(res.json().id).toBe(w.a.workspaceId),
    },
  ],
  'POST /workspace/pause': [
    {
      what: "pauses A's workspace only",
      call: () => ({ method: 'POST', path: '/workspace/pause' }),
      status: 200,
      check: (res) => expect(res.json()).toEqual({ paused: true }),
    },
  ],
  'POST /workspace/resume': [
    {
      what: "resumes A's workspace only",
      call: () => ({ method: 'POST', path: '/workspace/resume' }),
      status: 200,
      check: (res) => expect(res.json()).toEqual({ paused: false }),
    },
  ],
  'GET /dnc': [
    {
      what: "lists A's do-not-call numbers only",
      call: () => ({ method: 'GET', path: '/dnc?limit=100' }),
      status: 200,
    },
    {
      what: "filtering by B's number finds nothing",
      call: (t) => ({ method: 'GET', path: `/dnc?phone=${enc(t.dncPhone)}` }),
      status: 200,
      check: (res) => expect(res.json().entries).toEqual([]),
    },
  ],
  'POST /dnc': [
    {
      what: "lists numbers on A's list only",
      call: () => ({ method: 'POST', path: '/dnc', json: { phoneNumbers: A_SPARE_PHONES } }),
      status: 200,
      check: (res) => expect(res.json().added + res.json().alreadyListed).toBe(2),
    },
  ],
  'GET /dnc/:phone': [
    {
      what: "B's listed number",
      call: (t) => ({ method: 'GET', path: `/dnc/${enc(t.dncPhone)}` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'DELETE /dnc/:phone': [
    {
      what: "removing B's listed number",
      call: (t) => ({ method: 'DELETE', path: `/dnc/${enc(t.dncPhone)}` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'PATCH /workspace': [
    {
      what: "changes A's settings only",
      call: () => ({
        method: 'PATCH',
        path: '/workspace',
        json: {
          maxConcurrentCalls: 3,
          timezone: 'Asia/Tokyo',
          callingWindow: { start: '09:00', end: '17:00' },
          // true would refuse the later uploads of this shared world (no consent column).
          requireConsent: false,
        },
      }),
      status: 200,
      check: (res, w) =>
        expect(res.json()).toMatchObject({
          id: w.a.workspaceId,
          timezone: 'Asia/Tokyo',
          callingWindow: { start: '09:00', end: '17:00' },
          requireConsent: false,
        }),
    },
    {
      what: "a body naming B's workspace is refused",
      call: (t) => ({
        method: 'PATCH',
        path: '/workspace',
        json: { id: t.workspace, callsPerSecond: 1 },
      }),
      status: 400,
    },
  ],
  'POST /webhooks': [
    {
      what: "a body naming B's endpoint and workspace: A's own create, refused here for want of a key",
      call: (t) => ({
        method: 'POST',
        path: '/webhooks',
        json: { url: 'https://aurora.example/hooks', events: ['*'], id: t.webhook },
      }),
      status: 409,
      check: (res) => expect(res.json().error).toBe('No encryption key'),
    },
  ],
  'GET /webhooks': [
    {
      what: "lists A's endpoints only",
      call: () => ({ method: 'GET', path: '/webhooks' }),
      status: 200,
      check: (res) => expect(res.json().webhooks).toEqual([]),
    },
  ],
  'GET /webhooks/:webhookId': [
    {
      what: "B's endpoint",
      call: (t) => ({ method: 'GET', path: `/webhooks/${t.webhook}` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'PATCH /webhooks/:webhookId': [
    {
      what: "B's endpoint",
      call: (t) => ({ method: 'PATCH', path: `/webhooks/${t.webhook}`, json: { enabled: false } }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'DELETE /webhooks/:webhookId': [
    {
      what: "B's endpoint",
      call: (t) => ({ method: 'DELETE', path: `/webhooks/${t.webhook}` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'POST /webhooks/:webhookId/rotate-secret': [
    {
      what: "B's endpoint",
      call: (t) => ({ method: 'POST', path: `/webhooks/${t.webhook}/rotate-secret` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'POST /webhooks/:webhookId/test': [
    {
      what: "B's endpoint",
      call: (t) => ({ method: 'POST', path: `/webhooks/${t.webhook}/test` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'GET /webhooks/:webhookId/deliveries': [
    {
      what: "B's endpoint",
      call: (t) => ({ method: 'GET', path: `/webhooks/${t.webhook}/deliveries` }),
      status: 404,
      asIfMissing: true,
    },
  ],
  'POST /webhooks/:webhookId/deliveries/:deliveryId/redeliver': [
    {
      what: "B's endpoint and delivery",
      call: (t) => ({
        method: 'POST',
        path: `/webhooks/${t.webhook}/deliveries/${t.delivery}/redeliver`,
      }),
      status: 404,
      asIfMissing: true,
    },
  ],
};

const isPublic = (url: string) =>
  PUBLIC_ROUTES.some((p) => (p.endsWith('*') ? url.startsWith(p.slice(0, -1)) : url === p));

/** `GET /v1/api/agents/` as [prefix, 'GET /agents']; undefined outside the API prefixes. */
function matrixKey(method: string, url: string): [string, string] | undefined {
  // Longest prefix first: /v1/api/… also starts with /v1/.
  const prefix = [...API_PREFIXES]
    .sort((x, y) => y.length - x.length)
    .find((p) => url === p || url.startsWith(`${p}/`));
  if (prefix === undefined) return undefined;
  const path = url.slice(prefix.length).replace(/\/+$/, '') || '/';
  // HEAD runs the GET handler; the GET entry covers it.
  return [prefix, `${method === 'HEAD' ? 'GET' : method} ${path}`];
}

function toInject(prefix: string, c: Call): InjectOptions & { url: string } {
  const url = `${prefix}${c.path}`;
  if (c.form) {
    const body = multipart(
      c.form.fields,
      c.form.csv === undefined ? undefined : { content: c.form.csv },
    );
    return {
      method: c.method,
      url,
      payload: body.payload,
      headers: { ...c.headers, ...body.headers },
    };
  }
  if (c.json !== undefined) {
    return {
      method: c.method,
      url,
      payload: JSON.stringify(c.json),
      headers: { ...c.headers, 'content-type': 'application/json' },
    };
  }
  return { method: c.method, url, ...(c.headers ? { headers: c.headers } : {}) };
}

/** The text of a request, to tell which target ids it carries (and a response may echo). */
const requestText = (c: Call) =>
  [
    c.path,
    JSON.stringify(c.json ?? null),
    JSON.stringify(c.form ?? null),
    JSON.stringify(c.headers ?? null),
  ].join('\n');

/** The ids of `t` the request carries, longest first (so none is masked inside another). */
function carried(c: Call, t: Target): Array<[string, string]> {
  const text = requestText(c);
  return (Object.entries(t) as Array<[string, string]>)
    .filter(([, v]) => text.includes(v) || text.includes(enc(v)))
    .sort((x, y) => y[1].length - x[1].length);
}

/** Body and headers with the carried ids named by their role: what an echo looks like. */
function masked(res: Response, ids: Array<[string, string]>): { body: string; headers: string } {
  const mask = (s: string) =>
    ids.reduce((acc, [k, v]) => acc.replaceAll(v, `<${k}>`).replaceAll(enc(v), `<${k}>`), s);
  // Per-request headers: the time, the request id and the workspace's remaining request budget.
  const {
    date: _d,
    'x-request-id': _r,
    'x-ratelimit-remaining': _l,
    'x-ratelimit-reset': _s,
    ...headers
  } = res.headers;
  return { body: mask(res.body), headers: mask(JSON.stringify(headers)) };
}

function expectNoBStrings(w: World, text: string, where: string) {
  const found = w.bStrings.filter((s) => text.includes(s) || text.includes(enc(s)));
  expect(found, `${where} leaks B's data`).toEqual([]);
}

const label = (prefix: string, key: string, p: Probe) =>
  `${key.replace(' ', ` ${prefix}`)}: ${p.what}`;

describeEachDb('tenant isolation matrix (issue 5 §1)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let w: World;
  let bBefore: unknown;
  const registered: Array<{ method: string; url: string }> = [];

  beforeAll(async () => {
    t = await createTestDb(backend);
    // A few hundred requests as A inside one fake-clock minute: the workspace limit is not under test.
    // Every answer is also checked against the app's /openapi.json: B's ids, 403s, HEADs, aliases.
    h = await createTestApp(t.db, { rateLimitPerMin: 100_000 }, undefined, { checkAnswers: true });
    w = await buildWorld(h, t);
    bBefore = await snapshotOf(h, w.b, w.bIds);
    // The routes, from the app itself: a second app on the same runtime registers the same set.
    const collect = (r: RouteOptions) => {
      for (const m of [r.method].flat()) registered.push({ method: String(m), url: r.url });
    };
    const probe = await buildApp(h.rt, { onRoute: collect });
    await probe.ready();
    await probe.close();
  });
  afterAll(() => closeApp(h, t));

  it('has an entry for every route the app registers, under both prefixes, and none stale', () => {
    expect(registered.length).toBeGreaterThan(40);
    const unlisted: string[] = [];
    const seen = new Set<string>();
    for (const r of registered) {
      const key = matrixKey(r.method, r.url);
      if (key === undefined) {
        if (!isPublic(r.url)) unlisted.push(`${r.method} ${r.url} (neither /v1 nor public)`);
        continue;
      }
      seen.add(`${key[0]} ${key[1]}`);
      if (!MATRIX[key[1]]?.length) unlisted.push(`${r.method} ${r.url}`);
    }
    expect(unlisted).toEqual([]);
    const stale = API_PREFIXES.flatMap((p) =>
      Object.keys(MATRIX)
        .filter((k) => !seen.has(`${p} ${k}`))
        .map((k) => `${p} ${k}`),
    );
    expect(stale).toEqual([]);
  });

  it("A's key with A's workspace: B's ids answer as if they never existed; lists hold A's rows only", async () => {
    let requests = 0;
    for (const prefix of API_PREFIXES) {
      for (const [key, probes] of Object.entries(MATRIX)) {
        for (const p of probes) {
          const where = label(prefix, key, p);
          const call = p.call(w.bIds, w.own);
          const res = await send(h, toInject(prefix, call), w.a.headers);
          requests++;
          expect(res.statusCode, `${where}: ${res.body}`).toBe(p.status);
          const mine = masked(res, carried(call, w.bIds));
          expectNoBStrings(w, `${mine.body}\n${mine.headers}`, where);
          if (p.asIfMissing) {
            const nCall = p.call(w.never, w.own);
            const none = await send(h, toInject(prefix, nCall), w.a.headers);
            requests++;
            expect(none.statusCode, `${where} (never-existing ids)`).toBe(p.status);
            const theirs = masked(none, carried(nCall, w.never));
            expect(mine.body, where).toBe(theirs.body);
            expect(mine.headers, where).toBe(theirs.headers);
          }
          p.check?.(res, w);
          if (call.method === 'GET') {
            const head = await send(h, { ...toInject(prefix, call), method: 'HEAD' }, w.a.headers);
            requests++;
            expect(head.statusCode, `HEAD ${where}`).toBe(p.status);
            expect(head.body).toBe('');
            expectNoBStrings(w, JSON.stringify(masked(head, carried(call, w.bIds)).headers), where);
          }
        }
      }
    }
    expect(requests).toBeGreaterThan(150);
    expect(await snapshotOf(h, w.b, w.bIds)).toEqual(bBefore);
  });

  it("A's key with B's workspace: 403 Forbidden on every route, and B's data untouched", async () => {
    const asBWorkspace = { 'x-api-key': w.a.apiKey, 'x-workspace-id': w.b.workspaceId };
    for (const [i, prefix] of API_PREFIXES.entries()) {
      // Each prefix from its own address: a per-source limit on failed authentication (being
      // added) must not turn the later 403s into 429s; this test is about tenancy, not that limit.
      const remoteAddress = `192.0.2.${10 + i}`;
      for (const [key, probes] of Object.entries(MATRIX)) {
        // A route that takes no API key cannot answer for one (its own credential decides).
        if (KEYLESS.has(key)) continue;
        for (const p of probes) {
          const where = label(prefix, key, p);
          const call = p.call(w.bIds, w.own);
          const methods = call.method === 'GET' ? (['GET', 'HEAD'] as const) : [call.method];
          for (const method of methods) {
            const res = await send(
              h,
              { ...toInject(prefix, call), method, remoteAddress },
              asBWorkspace,
            );
            expect(res.statusCode, `${method} ${where}: ${res.body}`).toBe(403);
            const mine = masked(res, carried(call, w.bIds));
            if (method !== 'HEAD') {
              const body = res.json();
              expect(body.error).toBe('Forbidden');
              expect(typeof body.message).toBe('string');
              expect(
                Object.keys(body).filter((k) => !['error', 'message', 'code'].includes(k)),
              ).toEqual([]);
            }
            expectNoBStrings(
              w,
              `${mine.body}\n${mine.headers}`.replaceAll(w.b.workspaceId, '<ws>'),
              where,
            );
          }
        }
      }
    }
    expect(await snapshotOf(h, w.b, w.bIds)).toEqual(bBefore);
  });

  it('a revoked key is refused on every route as soon as its revocation is announced', async () => {
    const now = h.clock.now();
    const key = generateApiKey();
    const keyId = newId('key', now);
    const secret = await resolveKeySecret(t.db);
    await insertApiKey(t.db, secret, {
      id: keyId,
      workspaceId: w.a.workspaceId,
      key,
      createdAt: now,
    });
    const headers = { 'x-api-key': key, 'x-workspace-id': w.a.workspaceId };
    // Verified once, so the app has it cached: the revocation must reach the cache.
    const first = await send(h, { method: 'GET', url: '/v1/api/workspace' }, headers);
    expect(first.statusCode).toBe(200);
    const aBefore = await snapshotOf(h, w.a, { ...w.never, queuedBatch: w.own.batchId });

    // The app drops cached keys on KEYS_CHANNEL; a listener added after the app's hears the
    // notification after it, so once ours fires the app has cleared its cache. PGlite delivers it
    // before the revoking call returns: there the very next request must be refused. PostgreSQL
    // delivers it on the listening connection a moment after the commit, so a request sent in
    // that moment still passes with the cached key; this test starts once the notice is in.
    let heard!: () => void;
    let heardYet = false;
    const announced = new Promise<void>((resolve) => {
      heard = resolve;
    });
    const unlisten = await t.db.listen(KEYS_CHANNEL, (payload) => {
      if (payload !== keyId) return;
      heardYet = true;
      heard();
    });
    try {
      expect(await revokeApiKey(t.db, keyId, now)).toBe(true);
      if (backend === 'pglite') expect(heardYet).toBe(true);
      await Promise.race([
        announced,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('no revocation notice')), 5_000),
        ),
      ]);
    } finally {
      await unlisten();
    }

    // One prefix only, from one address: these are failed authentications, which are rate limited.
    const prefix = API_PREFIXES[0];
    let routes = 0;
    for (const [k, probes] of Object.entries(MATRIX)) {
      if (KEYLESS.has(k)) continue;
      const call = probes[0]!.call(w.bIds, w.own);
      const methods = call.method === 'GET' ? (['GET', 'HEAD'] as const) : [call.method];
      for (const method of methods) {
        const res = await send(
          h,
          { ...toInject(prefix, call), method, remoteAddress: '192.0.2.20' },
          headers,
        );
        routes++;
        expect(res.statusCode, `${method} ${prefix} ${k}: ${res.body}`).toBe(401);
        if (method !== 'HEAD') {
          expect(res.json()).toEqual({ error: 'Unauthorized', message: expect.any(String) });
        }
      }
    }
    expect(routes).toBeGreaterThan(Object.keys(MATRIX).length);
    // Nothing the refused requests asked for happened in A either.
    expect(await snapshotOf(h, w.a, { ...w.never, queuedBatch: w.own.batchId })).toEqual(aBefore);
  });
});
