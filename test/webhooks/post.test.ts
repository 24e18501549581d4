import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook, RESPONSE_BODY_CAP } from '../../src/webhooks/post.js';

// One POST to a real local server: the SSRF check at delivery time (against the resolved
// address), no redirects, the timeout, a dropped connection, the capped answer body.

describe('posting a webhook', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      req.resume();
      if (req.url === '/redirect') return res.writeHead(302, { location: '/ok' }).end();
      if (req.url === '/slow') return; // never answers
      if (req.url === '/drop') return req.socket.destroy();
      if (req.url === '/big') return res.end('x'.repeat(1024 * 1024));
      res.writeHead(200).end('fine');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const post = (path: string, allowPrivate = true, host = '127.0.0.1', timeoutMs?: number) =>
    postWebhook({
      url: `http://${host}:${port}${path}`,
      headers: { 'webhook-id': 'msg_x' },
      body: '{}',
      allowPrivate,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });

  it('answers with the status and a capped body', async () => {
    expect(await post('/ok')).toEqual({ statusCode: 200, bodyPreview: 'fine' });
    const big = await post('/big');
    expect(big.statusCode).toBe(200);
    expect(big.bodyPreview).toHaveLength(RESPONSE_BODY_CAP);
  });

  it('does not follow redirects', async () => {
    const before = hits;
    expect((await post('/redirect')).statusCode).toBe(302);
    expect(hits).toBe(before + 1);
  });

  it('gives up after the timeout, and reports a dropped connection', async () => {
    expect(await post('/slow', true, '127.0.0.1', 200)).toEqual({
      error: 'No answer within 0.2 s',
    });
    expect((await post('/drop')).error).toMatch(/socket hang up|ECONNRESET/);
  });

  it('refuses private targets, also a name that resolves to loopback, unless allowed', async () => {
    const before = hits;
    for (const host of ['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', 'localhost']) {
      const res = await post('/ok', false, host);
      expect(res.error, host).toMatch(/loopback, private or link-local/);
    }
    expect(hits).toBe(before);
    expect((await post('/ok', true, 'localhost')).statusCode).toBe(200);
  });
});
