import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiFixture, apiFixture } from '../support/api-fixture.js';
import { describeEachDb } from '../support/databases.js';
import { closeApp, multipart } from '../support/http.js';

// Text PostgreSQL cannot store (a NUL, an unpaired UTF-16 surrogate; see
// src/ingest/storable-text.ts) used to reach the database and come back as a 500. Found by
// test/security/api-fuzz.test.ts. Now: in an id it names nothing (the documented 404), in a
// value it is a 400, and in neither case is anything stored.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const NUL = '%00';
const BATCH_404 = (id: string) => ({
  error: 'Batch not found',
  message: `No batch with id ${id}`,
  id,
});
const CALL_404 = { status: 'not_found', error: 'Call not found' };
const AGENT_404 = (id: string) => ({ error: 'Agent not found', message: `No agent with id ${id}` });

describeEachDb('text the database cannot store (NUL, unpaired surrogates)', (backend) => {
  let f: ApiFixture;
  let batchId: string;
  beforeAll(async () => {
    f = await apiFixture(backend, T0);
    const res = await f.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: f.a.headers,
      payload: { agentId: f.a.agentId, recipients: [{ phone_number: '+15005550001' }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    batchId = res.json().batchId;
  });
  afterAll(() => closeApp(f?.h, f?.t));

  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    f.h.app.inject({
      method,
      url,
      headers: f.a.headers,
      ...(payload === undefined ? {} : { payload: payload as string }),
    });

  const tableCounts = async () =>
    (
      await f.t.db.query(
        `SELECT (SELECT count(*)::int FROM agents) AS agents, (SELECT count(*)::int FROM batches) AS batches,
                (SELECT count(*)::int FROM calls) AS calls`,
      )
    )[0];

  it('an id with a NUL is a documented 404 on every route that takes one', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['GET', `/v1/api/agents/${NUL}`, AGENT_404('\0')],
      ['DELETE', `/v1/api/agents/a${NUL}`, AGENT_404('a\0')],
      ['GET', `/v1/api/batch-calls/template?agentId=${NUL}`, AGENT_404('\0')],
      ['GET', `/v1/api/batch-calls/${NUL}`, BATCH_404('\0')],
      ['GET', `/v1/api/batch-calls/${NUL}/status`, BATCH_404('\0')],
      ['GET', `/v1/api/batch-calls/${NUL}/calls`, BATCH_404('\0')],
      ['GET', `/v1/api/batch-calls/${NUL}/export-results`, BATCH_404('\0')],
      ['GET', `/v1/api/batch-calls/${batchId}/calls/${NUL}`, CALL_404],
      ['DELETE', `/v1/api/batch-calls/b${NUL}`, BATCH_404('b\0')],
      ['DELETE', `/v1/api/batch-calls/${batchId}/calls/${NUL}`, CALL_404],
      ['DELETE', `/v1/api/batch-calls/${NUL}/contacts/%2B15005550001`, BATCH_404('\0')],
    ];
    for (const [method, url, body] of cases) {
      const res = await send(method as 'GET', url);
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
      expect(res.json(), url).toEqual(body);
    }
    const put = await send('PUT', `/v1/api/agents/${NUL}`, { name: 'x' });
    expect(put.statusCode).toBe(404);
    expect(put.json()).toEqual(AGENT_404('\0'));
  });

  it('agents: a NUL or an unpaired surrogate in any text field is a 400, nothing stored or changed', async () => {
    const before = await tableCounts();
    const agentBefore = await send('GET', `/v1/api/agents/${f.a.agentId}`);
    const bodies: Array<[string, string]> = [
      ['name', '{"name":"a\\u0000b"}'],
      ['greeting', '{"name":"ok","greeting":"\\udc00"}'],
      ['prompt', '{"name":"ok","prompt":"x\\ud800"}'],
      ['provider', '{"name":"ok","provider":"sim\\u0000"}'],
      ['variables/1', '{"name":"ok","variables":["plan","\\ud800"]}'],
      // Fields the routes ignore are refused too: a body is checked whole, not field by field.
      ['note', '{"name":"ok","note":"x\\u0000"}'],
      ['extra/list/0', '{"name":"ok","extra":{"list":["\\udc00"]}}'],
    ];
    for (const [field, body] of bodies) {
      for (const [method, url] of [
        ['POST', '/v1/api/agents'],
        ['PUT', `/v1/api/agents/${f.a.agentId}`],
      ] as const) {
        const res = await f.h.app.inject({
          method,
          url,
          headers: { ...f.a.headers, 'content-type': 'application/json' },
          payload: body,
        });
        expect(res.statusCode, `${method} ${body}: ${res.body}`).toBe(400);
        expect(res.json()).toEqual({
          error: 'Bad Request',
          message: expect.stringMatching(new RegExp(`^body/${field} contains an? (NUL|unpaired)`)),
          code: 'invalid_request',
        });
      }
    }
    expect(await tableCounts()).toEqual(before);
    expect((await send('GET', `/v1/api/agents/${f.a.agentId}`)).json()).toEqual(agentBefore.json());
  });

  it('§1 and §12: a NUL or an unpaired surrogate in the agent id, the name or a recipient is a 400', async () => {
    const before = await tableCounts();
    const post = (url: string, body: string) =>
      f.h.app.inject({
        method: 'POST',
        url,
        headers: { ...f.a.headers, 'content-type': 'application/json' },
        payload: body,
      });
    const one = '[{"phone_number":"+15005550002"}]';
    const agent = f.a.agentId;
    const rejected: Array<[string, string, Record<string, unknown>]> = [
      [
        '/v1/api/batch-calls',
        `{"agentId":"${agent}\\u0000","recipients":${one}}`,
        { error: 'Agent not found', message: `No agent with id ${agent}\0 in this workspace` },
      ],
      [
        '/v1/api/batch-calls',
        `{"agentId":"${agent}","name":"n\\u0000","recipients":${one}}`,
        { error: 'Invalid name', message: 'name contains a NUL character' },
      ],
      [
        '/v1/api/batch-calls',
        `{"agentId":"${agent}","name":"\\ud800","recipients":${one}}`,
        {
          error: 'Invalid name',
          message: 'name contains an unpaired UTF-16 surrogate (not Unicode text)',
        },
      ],
    ];
    for (const url of ['/v1/api/batch-calls', '/v1/api/batch-calls/preview']) {
      rejected.push(
        [
          url,
          `{"agentId":"${agent}","recipients":[{"phone_number":"+15005550002","v":"\\ud800"}]}`,
          {
            error: 'Invalid recipients',
            message: 'recipients[0].v contains an unpaired UTF-16 surrogate (not Unicode text)',
          },
        ],
        [
          url,
          `{"agentId":"${agent}","recipients":[{"phone_number":"+15005550002","\\udc00":"x"}]}`,
          {
            error: 'Invalid recipients',
            message: 'recipients[0] has a field with an empty or invalid name',
          },
        ],
      );
    }
    for (const [url, body, expected] of rejected) {
      const res = await post(url, body);
      expect(res.statusCode, `${url} ${body}: ${res.body}`).toBe(400);
      expect(res.json()).toEqual(expected);
    }

    // A multipart field carries a NUL byte as it is.
    const form = multipart({ agentId: `${agent}\0` }, { content: 'phone_number\n+15005550002\n' });
    const res = await f.h.app.inject({
      method: 'POST',
      url: '/v1/batch-calls',
      headers: { ...f.a.headers, ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toBe('Agent not found');
    expect(await tableCounts()).toEqual(before);
  });
});
