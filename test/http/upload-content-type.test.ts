import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiFixture, apiFixture } from '../support/api-fixture.js';
import { describeEachDb } from '../support/databases.js';
import { closeApp } from '../support/http.js';

// §1, §11, §12 answer any body that is not multipart or JSON with §1's 400, never Fastify's 415.
// A Content-Type that is not a media type at all ("json", ";") failed before any parser and came
// out as 415; found by test/security/api-fuzz.test.ts.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const EXPECTED_MULTIPART = {
  error: 'Expected multipart/form-data',
  message: 'Upload the CSV as multipart/form-data with a "file" field and an "agentId" field',
};

describeEachDb('upload routes and unparseable content types', (backend) => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await apiFixture(backend, T0);
  });
  afterAll(() => closeApp(f?.h, f?.t));

  const post = (url: string, contentType: string, payload: string) =>
    f.h.app.inject({
      method: 'POST',
      url,
      headers: { ...f.a.headers, 'content-type': contentType },
      payload,
    });

  it('answer a Content-Type that is no media type with the 400 of any other non-upload body', async () => {
    for (const url of [
      '/v1/api/batch-calls',
      '/v1/batch-calls/validate',
      '/v1/api/batch-calls/preview',
    ]) {
      for (const type of ['json', ';', 'text', 'multipart']) {
        const res = await post(url, type, 'phone_number\n+15005550001\n');
        expect(res.statusCode, `${url} ${type}: ${res.body}`).toBe(400);
        expect(res.json()).toEqual(EXPECTED_MULTIPART);
      }
    }
    const batches = await f.t.db.query('SELECT id FROM batches');
    expect(batches).toEqual([]);
  });

  it('leave the JSON routes their 415', async () => {
    const res = await post('/v1/api/agents', 'json', '{"name":"Ava"}');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ error: 'Unsupported Media Type' });
  });
});
