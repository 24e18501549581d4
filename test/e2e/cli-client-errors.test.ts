// How the CLI client fails (issue 15): one clear line naming what to fix, the documented exit
// code (1 for the server's no, 2 for the command line), and never the key, against a real server,
// a port where nothing listens, and real HTTP servers that are not Outdial.
import { writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/cli.js';
import {
  AGENT,
  type ClientRun,
  type ClientServer,
  KEY,
  outdial,
  startClientServer,
  WS,
} from './cli-client-harness.js';

const WRONG_KEY = 'od_wrong_key_for_the_cli_client_tests';

/** Exit code `code`, nothing on stdout, exactly `line` on stderr, and no key anywhere. */
function expectFailure(run: ClientRun, code: number, line: string | RegExp) {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stdout).toBe('');
  if (typeof line === 'string') expect(run.stderr).toBe(`${line}\n`);
  else expect(run.stderr).toMatch(line);
  for (const key of [KEY, WRONG_KEY]) expect(run.stderr + run.stdout).not.toContain(key);
}

const listen = (handler: Parameters<typeof createServer>[1]) =>
  new Promise<{ server: HttpServer; url: string }>((resolve) => {
    const server = createServer(handler);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });

describe('the CLI client when things go wrong', () => {
  let s: ClientServer;
  const others: HttpServer[] = [];

  beforeAll(async () => {
    // Two wrong keys a minute from one address, then 429 for keys not verified lately.
    s = await startClientServer('pglite', { OUTDIAL_AUTH_FAILURES_PER_MIN: '2' });
  }, 120_000);
  afterEach(() => s.check());
  afterAll(async () => {
    for (const o of others) o.close();
    await s?.stop();
  });

  it('names the address when no server answers there', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    expectFailure(
      await outdial(['batch', 'list'], { ...s.env, OUTDIAL_URL: url }),
      1,
      `outdial: cannot reach the Outdial server at ${url} (connection refused): is it running? ` +
        'Start it with `npx outdial serve`, or correct OUTDIAL_URL',
    );
    expectFailure(
      await outdial(['batch', 'status', 'batch_x', '--url', url], s.env),
      1,
      `outdial: cannot reach the Outdial server at ${url} (connection refused): is it running? ` +
        'Start it with `npx outdial serve`, or correct --url',
    );
  });

  it('a key of another workspace names both settings', async () => {
    expectFailure(
      await outdial(['batch', 'list', '--workspace', 'ws_someone_else'], s.env),
      1,
      'outdial: the API key is not for this workspace (403: This API key does not have access to ' +
        'this workspace): check --workspace and OUTDIAL_API_KEY',
    );
  });

  it('usage mistakes exit 2 and say what is missing', async () => {
    const { OUTDIAL_API_KEY: _k, ...noKey } = s.env;
    expectFailure(
      await outdial(['batch', 'list'], noKey),
      2,
      'outdial: no API key: set OUTDIAL_API_KEY or pass --api-key (make one with `npx outdial ' +
        'keys create --workspace ws_…`)',
    );
    const { OUTDIAL_WORKSPACE_ID: _w, ...noWorkspace } = s.env;
    expectFailure(
      await outdial(['batch', 'list'], noWorkspace),
      2,
      'outdial: no workspace: set OUTDIAL_WORKSPACE_ID or pass --workspace (ws_…)',
    );
    expectFailure(
      await outdial(['batch', 'list'], { ...s.env, OUTDIAL_URL: 'localhost:3000' }),
      2,
      "outdial: OUTDIAL_URL must be the server's address like http://127.0.0.1:3000: " +
        '"localhost:3000" does not start with http:// or https://',
    );
    const missing = path.join(s.dir, 'missing.csv');
    expectFailure(
      await outdial(['batch', 'start', missing, '--agent', AGENT], s.env),
      2,
      `outdial: cannot read ${missing}: no such file`,
    );
    expectFailure(
      await outdial(['validate', s.dir], s.env),
      2,
      `outdial: cannot read ${s.dir}: not a file`,
    );
    expectFailure(
      await outdial(['batch', 'status', '..'], s.env),
      2,
      'outdial: ".." is not a batch id',
    );
    expectFailure(
      await outdial(
        ['batch', 'start', 'contacts.csv', '--agent', AGENT, '--column-map', 'Handy'],
        s.env,
      ),
      2,
      /^outdial: --column-map takes variable=Header pairs/,
    );
    // Commander's own usage errors exit 2 as well (1 would read as "the server said no").
    for (const args of [
      ['batch', 'start', 'contacts.csv'],
      ['batch', 'list', '--page', '0'],
      ['batch', 'list', '--bogus'],
      ['batch', 'frobnicate'],
      ['batch'],
      ['validate'],
    ]) {
      const run = await outdial(args, s.env);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
    }
    const help = await outdial(['batch', 'start', '--help'], s.env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--follow');
    expect(help.stdout).toMatch(/Exit codes: 0 done .* 3 a followed batch had failed calls/s);
  });

  it('uploads a file of nearly 20 MB, and names the limit of a larger one', async () => {
    const rows = (n: number, width: number) =>
      Array.from(
        { length: n },
        (_, i) => `+1500555${String(i).padStart(4, '0')},P${i},Monday,${'x'.repeat(width)}`,
      );
    const big = path.join(s.dir, 'big.csv');
    const header = 'phone_number,first_name,appointment_date,note\n';
    writeFileSync(big, `${header}${rows(10_000, 1_960).join('\n')}\n`);
    const ok = await outdial(['validate', big, '--json'], s.env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, totalRows: 10_000 });

    const tooBig = path.join(s.dir, 'too-big.csv');
    writeFileSync(tooBig, `${header}${rows(10_000, 2_100).join('\n')}\n`);
    expectFailure(
      await outdial(['batch', 'start', tooBig, '--agent', AGENT], s.env),
      1,
      'outdial: File too large: The file is larger than the upload limit of 20 MB (413)',
    );
    const { body } = await s.api.get('/v1/api/batch-calls');
    expect(body.pagination.total).toBe(0);
  }, 120_000);

  it('does not follow a redirect: the key stays with the address it was given for', async () => {
    const reached: string[] = [];
    const target = await listen((req, res) => {
      reached.push(String(req.headers['x-api-key']));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"batches":[]}');
    });
    const redirecting = await listen((_req, res) => {
      res.writeHead(307, { location: `${target.url}/v1/api/batch-calls` }).end();
    });
    others.push(target.server, redirecting.server);
    expectFailure(
      await outdial(['batch', 'list', '--url', redirecting.url], s.env),
      1,
      `outdial: ${redirecting.url} answered with a redirect (307 Temporary Redirect) to ` +
        `${target.url}/v1/api/batch-calls; the key is not sent there: correct --url`,
    );
    expect(reached).toEqual([]);
  });

  it('says when the address is some other web server (which got the key in headers only)', async () => {
    const seen: Array<{ url?: string; key?: unknown; workspace?: unknown }> = [];
    const web = await listen((req, res) => {
      seen.push({
        url: req.url,
        key: req.headers['x-api-key'],
        workspace: req.headers['x-workspace-id'],
      });
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
    });
    others.push(web.server);
    await outdial(['batch', 'list', '--page', '2', '--api-key', KEY, '--workspace', WS], {
      OUTDIAL_URL: web.url,
    });
    expect(seen).toEqual([{ url: '/v1/api/batch-calls?page=2', key: KEY, workspace: WS }]);
    expectFailure(
      await outdial(['batch', 'list'], { ...s.env, OUTDIAL_URL: web.url }),
      1,
      `outdial: unexpected answer from ${web.url} (404 Not Found, text/html): is it an Outdial ` +
        'server? If not, correct OUTDIAL_URL',
    );
  });

  // Last: past the limit, the right key works only while the server remembers verifying it
  // (30 s), so a test after this one could get 429s of its own.
  it('a wrong key: the API message and where the key comes from; past the limit, 429 with when to retry', async () => {
    // The right key first: the server keeps it as verified, so the limit below does not shut it out.
    expect((await outdial(['batch', 'list'], s.env)).code).toBe(0);
    for (const [env, flags, source] of [
      [{ ...s.env, OUTDIAL_API_KEY: WRONG_KEY }, [], 'OUTDIAL_API_KEY'],
      [s.env, ['--api-key', WRONG_KEY], '--api-key'],
    ] as const) {
      expectFailure(
        await outdial(['batch', 'list', ...flags], env),
        1,
        `outdial: the server refused the API key (401: Invalid or revoked API key): check ${source} ` +
          '(make one with `npx outdial keys create --workspace ws_…`)',
      );
    }
    expectFailure(
      await outdial(['batch', 'list', '--api-key', WRONG_KEY], s.env),
      1,
      /^outdial: too many requests \(429: Too many requests with a wrong API key from this address; retry later\); retry in \d+ s\n$/,
    );
    expect((await outdial(['batch', 'list'], s.env)).code).toBe(0);
  });
});
