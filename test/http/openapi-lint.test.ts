import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { API_PREFIXES, buildApp } from '../../src/http/app.js';
import { createTestDb, type TestDb } from '../support/databases.js';
import { FakeClock } from '../support/fake-clock.js';
import { lintOpenApi } from '../support/openapi-lint.js';

// The lint of /openapi.json that `npm test` runs: the OpenAPI 3.0 meta-schema (a maintained
// validator) and the checks a conformance tool would make. The document does not depend on the
// database, so one backend serves. The lint is shown to find what it looks for on spoilt copies.

type Json = Record<string, any>;

describe('lint of /openapi.json', () => {
  let t: TestDb;
  let app: FastifyInstance;
  let doc: Json;

  beforeAll(async () => {
    t = await createTestDb('pglite');
    app = await buildApp({
      config: loadConfig({ DATABASE_URL: 'memory://' }),
      db: t.db,
      clock: new FakeClock(),
      log: pino({ level: 'silent' }),
      wake: () => {},
    });
    await app.ready();
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('is clean: meta-schema, ids, summaries, tags, security, parameters, bodies, examples', async () => {
    expect(await lintOpenApi(doc, { prefixes: API_PREFIXES })).toEqual([]);
  });

  const spoilt = (change: (d: Json) => void) => {
    const copy = structuredClone(doc);
    change(copy);
    return lintOpenApi(copy, { prefixes: API_PREFIXES });
  };

  it('finds what breaks the OpenAPI 3.0 meta-schema', async () => {
    const found = await spoilt((d) => {
      d['paths']['/healthz'].get.responses['200'].content['application/json'].schema.const = 'ok';
    });
    expect(found.some((f) => f.startsWith('meta-schema:'))).toBe(true);
  });

  it('finds duplicate operationIds, missing summaries, tags and security', async () => {
    const found = await spoilt((d) => {
      d['paths']['/readyz'].get.operationId = 'healthz';
      delete d['paths']['/v1/api/agents'].get.summary;
      d['paths']['/v1/api/workspace'].get.tags = ['Nowhere'];
      delete d['paths']['/healthz'].get.security;
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'GET /readyz: operationId healthz also used by GET /healthz',
        'GET /v1/api/agents: no summary',
        'GET /v1/api/workspace: tag Nowhere is not declared',
        'GET /healthz: no security (public: [])',
      ]),
    );
  });

  it('finds undeclared path parameters, § citations, non-JSON error bodies and bad examples', async () => {
    const found = await spoilt((d) => {
      const op = d['paths']['/v1/api/agents/{agentId}'].get;
      op.parameters = op.parameters.filter((p: Json) => p.in !== 'path');
      op.summary = 'Get an agent (§14)';
      const export404 =
        d['paths']['/v1/api/batch-calls/{batchId}/export-results'].get.responses['404'];
      export404.content = { 'text/csv': export404.content['application/json'] };
      d['paths']['/healthz'].get.responses['200'].content['application/json'].example = {
        status: 'up',
      };
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'GET /v1/api/agents/{agentId}: path parameter agentId is not declared',
        'cites a section (§) of a contract the document does not ship',
        'GET /v1/api/batch-calls/{batchId}/export-results 404: an error body must be documented as application/json',
        expect.stringMatching(/^GET \/healthz 200 application\/json: an example is invalid/),
      ]),
    );
  });

  it('finds operations listed under the alias prefix, and auth headers listed twice', async () => {
    const found = await spoilt((d) => {
      d['paths']['/v1/agents'] = structuredClone(d['paths']['/v1/api/agents']);
      d['paths']['/v1/agents'].get.operationId = 'listAgentsV1';
      d['paths']['/v1/agents'].post.operationId = 'createAgentV1';
      d['paths']['/v1/api/workspace'].get.parameters = [
        { in: 'header', name: 'x-workspace-id', required: true, schema: { type: 'string' } },
      ];
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'GET /v1/agents: listed under the alias prefix /v1',
        'GET /v1/api/workspace: header x-workspace-id is also a security scheme',
      ]),
    );
  });
});
