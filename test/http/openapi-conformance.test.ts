import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiFixture, apiFixture } from '../support/api-fixture.js';
import { describeEachDb } from '../support/databases.js';
import { closeApp, inConformanceSuite } from '../support/http.js';
import {
  type Answer,
  ConformanceError,
  checkEveryAnswer,
  ResponseConformance,
  servedDocumentConformance,
} from '../support/openapi-conformance.js';

// The checker the contract suite runs every answer through (test/support/http.ts) must catch a
// document that no longer describes the server: here real answers are checked against the served
// document (clean) and against copies of it with one thing changed (each caught).

type Json = Record<string, any>;
const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

describeEachDb('answers checked against /openapi.json', (backend) => {
  let f: ApiFixture;
  let doc: Json;
  let served: ResponseConformance;
  let batchId: string;
  let agent: Json;

  beforeAll(async () => {
    f = await apiFixture(backend, T0);
    served = await servedDocumentConformance(f.h.app);
    doc = served.doc;
    const res = await f.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: f.a.headers,
      payload: { agentId: f.a.agentId, recipients: [{ phone_number: '+15005550001' }] },
    });
    batchId = res.json().batchId;
    const created = await f.h.app.inject({
      method: 'POST',
      url: '/v1/api/agents',
      headers: f.a.headers,
      payload: { name: 'Caller', fromNumber: '+15005550006' },
    });
    agent = created.json();
  });
  afterAll(() => closeApp(f?.h, f?.t));

  const get = (url: string, headers = f.a.headers) =>
    f.h.app.inject({ method: 'GET', url, headers }) as Promise<Answer>;

  /** The problems of `GET url` against the served document with `change` applied. */
  const problemsWith = async (change: (d: Json) => void, url: string, headers = f.a.headers) => {
    const copy = structuredClone(doc);
    change(copy);
    return new ResponseConformance(copy).problems('GET', url, await get(url, headers));
  };

  it('outside the contract suite answers are not checked unless asked', () => {
    expect(inConformanceSuite()).toBe(false);
    expect(f.h.conformance).toBeUndefined();
  });

  it('the served document describes these answers exactly, under both prefixes', async () => {
    const urls = [
      `/v1/api/agents/${agent['id']}`,
      '/v1/agents/agent_unknown',
      `/v1/api/batch-calls/${batchId}`,
      `/v1/batch-calls/${batchId}/export-results`,
      '/v1/api/batch-calls/batch_unknown/export-results',
      '/v1/api/batch-calls/template',
      '/healthz',
      '/metrics',
    ];
    for (const url of urls) expect(served.problems('GET', url, await get(url)), url).toEqual([]);
    const noKey = await get('/v1/api/workspace', {});
    expect(served.problems('GET', '/v1/api/workspace', noKey)).toEqual([]);
    const head = await f.h.app.inject({ method: 'HEAD', url: '/healthz' });
    expect(served.problems('HEAD', '/healthz', head)).toEqual([]);
  });

  it('reads a request path as the router does: aliases, concrete paths first, empty parameters', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['POST', '/v1/api/batch-calls/validate', '/v1/api/batch-calls/validate'],
      // No GET on /validate: the router takes it as a batch id, and so does the document.
      ['GET', '/v1/batch-calls/validate', '/v1/api/batch-calls/{batchId}'],
      ['GET', '/v1/agents/?x=1', '/v1/api/agents'],
      ['GET', '/v1/api/agents/a%2Fb', '/v1/api/agents/{agentId}'],
      [
        'DELETE',
        '/v1/api/batch-calls/b/contacts/',
        '/v1/api/batch-calls/{batchId}/contacts/{phone}',
      ],
      ['GET', '/v1/api/nowhere', undefined],
      ['GET', '/docs', '/docs'],
    ];
    for (const [method, url, path] of cases) {
      expect(served.documentedPath(url, method), `${method} ${url}`).toBe(path);
    }
  });

  it('catches a content type the document does not give for that status', async () => {
    const template = '/v1/api/batch-calls/template';
    expect(
      await problemsWith((d) => {
        const ok = d['paths'][template].get.responses['200'];
        ok.content = { 'application/json': ok.content['text/csv'] };
      }, template),
    ).toEqual([
      `GET ${template} → 200: Content-Type text/csv is not documented (application/json)`,
    ]);
    const path = '/v1/api/batch-calls/{batchId}/export-results';
    expect(
      await problemsWith((d) => {
        const missing = d['paths'][path].get.responses['404'];
        missing.content = { 'text/csv': missing.content['application/json'] };
      }, '/v1/api/batch-calls/batch_unknown/export-results'),
    ).toEqual([`GET ${path} → 404: Content-Type application/json is not documented (text/csv)`]);
  });

  it('catches a status, a path or a method the document does not list', async () => {
    const path = '/v1/api/agents/{agentId}';
    expect(
      await problemsWith((d) => {
        delete d['paths'][path].get.responses['404'];
      }, '/v1/agents/agent_unknown'),
    ).toEqual([expect.stringMatching(/^status 404 is not documented/)]);
    expect(served.problems('GET', '/v1/api/nowhere', await get('/v1/api/nowhere'))).toEqual([
      'no documented path matches /v1/api/nowhere',
    ]);
    const put = await f.h.app.inject({ method: 'PUT', url: '/healthz' });
    expect(served.problems('PUT', '/healthz', put)).toEqual(['PUT is not documented for /healthz']);
  });

  it('catches a body of another type, a missing required field and an undocumented field', async () => {
    const url = `/v1/api/agents/${agent['id']}`;
    const schemaOf = (d: Json) =>
      d['paths']['/v1/api/agents/{agentId}'].get.responses['200'].content['application/json']
        .schema;
    expect(await problemsWith((d) => (schemaOf(d).properties.name.type = 'integer'), url)).toEqual([
      expect.stringMatching(/ body\/name: must be integer$/),
    ]);
    expect(await problemsWith((d) => schemaOf(d).required.push('voice'), url)).toEqual([
      expect.stringMatching(/ body: must have required property 'voice'$/),
    ]);
    expect(await problemsWith((d) => delete schemaOf(d).properties.fromNumber, url)).toEqual([
      expect.stringMatching(/ body: must NOT have additional properties \(fromNumber\)$/),
    ]);
  });

  it('reads OpenAPI 3.0 nullable: a null completedTime is valid only while documented nullable', async () => {
    const url = `/v1/api/batch-calls/${batchId}`;
    expect((await get(url)).statusCode).toBe(200);
    expect(served.problems('GET', url, await get(url))).toEqual([]);
    const problems = await problemsWith((d) => {
      const progress =
        d['paths']['/v1/api/batch-calls/{batchId}'].get.responses['200'].content['application/json']
          .schema.properties.progress;
      delete progress.properties.completedTime.nullable;
    }, url);
    expect(problems).toEqual([
      expect.stringMatching(/body\/progress\/completedTime: must be integer$/),
    ]);
  });

  it('catches a documented response header whose value departs from its schema', async () => {
    const metrics = await get('/metrics');
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    const copy = structuredClone(doc);
    copy['paths']['/metrics'].get.responses['200'].headers = {
      'Content-Type': { schema: { type: 'string', pattern: '^application/' } },
    };
    expect(new ResponseConformance(copy).problems('GET', '/metrics', metrics)).toEqual([
      expect.stringMatching(/^GET \/metrics → 200 Content-Type: must match pattern/),
    ]);
  });

  it("a checked app's inject rejects an answer the document does not describe", async () => {
    const copy = structuredClone(doc);
    delete copy['paths']['/healthz'].get.responses['200'];
    const unchecked = f.h.app.inject;
    checkEveryAnswer(f.h.app, new ResponseConformance(copy));
    try {
      await expect(f.h.app.inject({ method: 'GET', url: '/healthz' })).rejects.toThrow(
        ConformanceError,
      );
      await expect(f.h.app.inject({ method: 'GET', url: '/readyz' })).resolves.toMatchObject({
        statusCode: 200,
      });
    } finally {
      Object.defineProperty(f.h.app, 'inject', { value: unchecked });
    }
  });
});
