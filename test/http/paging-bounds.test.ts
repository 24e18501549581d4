import { afterAll, beforeAll, expect, it } from 'vitest';
import { PAGE_MAX } from '../../src/http/schemas/pagination.js';
import { type ApiFixture, apiFixture } from '../support/api-fixture.js';
import { describeEachDb } from '../support/databases.js';
import { closeApp } from '../support/http.js';

// §4 and §13 paging. Ajv coerces "Infinity" (and "1e400") into a number its bounds do not check,
// and a huge page made an OFFSET PostgreSQL refuses: both were 500s, found by
// test/security/api-fuzz.test.ts. Now both are the 400 a query outside the schema gets.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

describeEachDb('paging bounds (§4, §13)', (backend) => {
  let f: ApiFixture;
  let lists: string[];
  beforeAll(async () => {
    f = await apiFixture(backend, T0);
    const res = await f.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: f.a.headers,
      payload: { agentId: f.a.agentId, recipients: [{ phone_number: '+15005550001' }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    lists = [`/v1/api/batch-calls/${res.json().batchId}/calls`, '/v1/api/batch-calls'];
  });
  afterAll(() => closeApp(f?.h, f?.t));

  const get = (url: string) => f.h.app.inject({ method: 'GET', url, headers: f.a.headers });

  it('a page or limit that is not a finite number in range is a 400 naming it', async () => {
    const cases: Array<[string, string]> = [
      ['limit=Infinity', 'querystring/limit must be <= 100'],
      ['limit=1e400', 'querystring/limit must be <= 100'],
      ['page=Infinity', `querystring/page must be <= ${PAGE_MAX}`],
      ['page=1e308', `querystring/page must be <= ${PAGE_MAX}`],
      ['page=99999999999999999999', `querystring/page must be <= ${PAGE_MAX}`],
      [`page=${PAGE_MAX + 1}`, `querystring/page must be <= ${PAGE_MAX}`],
    ];
    for (const list of lists) {
      for (const [query, message] of cases) {
        const res = await get(`${list}?${query}`);
        expect(res.statusCode, `${list}?${query}: ${res.body}`).toBe(400);
        expect(res.json()).toEqual({ error: 'Bad Request', message, code: 'invalid_request' });
      }
      // -Infinity is below the minimum; Ajv's own message says so.
      const negative = await get(`${list}?page=-Infinity`);
      expect(negative.statusCode).toBe(400);
      expect(negative.json().code).toBe('invalid_request');
    }
  });

  it('the last page allowed is an empty page, not an error', async () => {
    for (const list of lists) {
      const res = await get(`${list}?page=${PAGE_MAX}&limit=100`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.pagination).toMatchObject({
        page: PAGE_MAX,
        limit: 100,
        total: 1,
        hasNext: false,
      });
      expect(body.calls ?? body.batches).toEqual([]);
    }
  });
});
