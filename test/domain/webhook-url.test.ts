import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { nextRetryAt } from '../../src/domain/webhook-retry.js';
import { newWebhookSecret, signWebhook } from '../../src/domain/webhook-signature.js';
import { checkWebhookUrl, isPrivateAddress } from '../../src/domain/webhook-url.js';

describe('webhook targets (§20)', () => {
  it('classifies loopback, private, link-local and IPv6-mapped addresses', () => {
    for (const a of [
      '127.0.0.1',
      '127.9.9.9',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.10',
      '169.254.169.254',
      '100.64.1.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd12::3',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '0:0:0:0:0:ffff:10.0.0.1',
      'not-an-address',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.215.14', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
  });

  it('checks the URL: scheme, credentials, and a literal or local host', () => {
    expect(checkWebhookUrl('https://example.com/hook', false).ok).toBe(true);
    expect(checkWebhookUrl('http://example.com:8080/hook?x=1', false).ok).toBe(true);
    for (const bad of [
      'ftp://example.com/',
      'javascript:alert(1)',
      '/relative',
      'https://u:p@example.com/',
      'http://127.0.0.1/',
      'http://2130706433/',
      'http://localhost:3000/',
      'http://api.localhost/',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      expect(checkWebhookUrl(bad, false).ok, bad).toBe(false);
    }
    expect(checkWebhookUrl('http://127.0.0.1:9/', true).ok).toBe(true);
    expect(checkWebhookUrl('ftp://127.0.0.1/', true).ok).toBe(false);
  });
});

describe('webhook signatures', () => {
  it('equal those of the standardwebhooks reference package, one per secret', () => {
    const s1 = newWebhookSecret();
    const s2 = newWebhookSecret();
    expect(s1).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const body = JSON.stringify({ type: 'call.completed', data: { jobId: 'call_1', note: 'é ✓' } });
    const ts = 1_767_625_200;
    const header = signWebhook([s1, s2], 'msg_1', ts, body);
    expect(header.split(' ')).toEqual([
      new Webhook(s1).sign('msg_1', new Date(ts * 1000), body),
      new Webhook(s2).sign('msg_1', new Date(ts * 1000), body),
    ]);
    // And the package's own verification (wall-clock timestamp) accepts it.
    const now = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_2',
      'webhook-timestamp': String(now),
      'webhook-signature': signWebhook([s1], 'msg_2', now, body),
    };
    expect(new Webhook(s1).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(s2).verify(body, headers)).toThrow();
  });
});

describe('webhook retries', () => {
  it('back off about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then stop', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => nextRetryAt(n, 0));
    expect(delays).toEqual([5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6]);
    expect(nextRetryAt(8, 0)).toBeUndefined();
  });
});
