import { describe, expect, it } from 'vitest';
import {
  answerFailure,
  type FailedAnswer,
  networkCode,
  unreachable,
} from '../../../src/cli/client/api-failure.js';

const fromEnv = {
  baseUrl: 'http://127.0.0.1:3000',
  urlSource: 'default' as const,
  keySource: 'OUTDIAL_API_KEY',
  workspaceSource: 'OUTDIAL_WORKSPACE_ID',
};
const fromFlags = {
  ...fromEnv,
  baseUrl: 'https://dial.example.com',
  urlSource: '--url' as const,
  keySource: '--api-key',
  workspaceSource: '--workspace',
};

const json = (status: number, body: unknown, extra: Partial<FailedAnswer> = {}): FailedAnswer => ({
  status,
  statusText: '',
  contentType: 'application/json; charset=utf-8',
  text: JSON.stringify(body),
  ...extra,
});

describe('a failed answer as one line', () => {
  it('401 quotes the API and names where the key comes from', () => {
    const body = { error: 'Unauthorized', message: 'Invalid or revoked API key' };
    const err = answerFailure(json(401, body), fromEnv);
    expect(err.message).toBe(
      'the server refused the API key (401: Invalid or revoked API key): check OUTDIAL_API_KEY ' +
        '(make one with `npx outdial keys create --workspace ws_…`)',
    );
    expect(err.exitCode).toBe(1);
    expect(err.status).toBe(401);
    expect(err.apiBody).toBe(JSON.stringify(body));
    expect(answerFailure(json(401, body), fromFlags).message).toContain('check --api-key');
  });

  it('403 names the workspace setting', () => {
    const body = {
      error: 'Forbidden',
      message: 'This API key does not have access to this workspace',
    };
    expect(answerFailure(json(403, body), fromFlags).message).toBe(
      'the API key is not for this workspace (403: This API key does not have access to this ' +
        'workspace): check --workspace and --api-key',
    );
  });

  it('404 and other 4xx give the API error and message with the status', () => {
    const body = { error: 'Batch not found', message: 'No batch with id batch_x', id: 'batch_x' };
    expect(answerFailure(json(404, body), fromEnv).message).toBe(
      'Batch not found: No batch with id batch_x (404)',
    );
    // §5's call-not-found body has no message.
    const call = { status: 'not_found', error: 'Call not found' };
    expect(answerFailure(json(404, call), fromEnv).message).toBe('Call not found (404)');
    expect(answerFailure(json(409, { error: 'Batch already completed' }), fromEnv).message).toBe(
      'Batch already completed (409)',
    );
  });

  it('429 reads the nested body and says when to retry', () => {
    const body = {
      error: {
        code: 'rate_limit_exceeded',
        message: 'Rate limit exceeded: 3 requests per minute for this workspace',
        reset_at: '2026-05-04T09:01:00.000Z',
      },
    };
    const err = answerFailure(json(429, body, { retryAfter: '42' }), fromEnv);
    expect(err.message).toBe(
      'too many requests (429: Rate limit exceeded: 3 requests per minute for this workspace); ' +
        'retry in 42 s',
    );
    expect(err.retryAfterSeconds).toBe(42);
  });

  it('a CSV refused for its rows lists them under the line', () => {
    const body = {
      error: 'CSV validation failed',
      message: '2 invalid rows',
      errors: [
        { row: 2, column: 'phone_number', value: '12ab', message: 'Not a phone number' },
        { row: 4, column: 'phone_number', value: '+15005550001', message: 'Duplicate' },
      ],
      errorCount: 25,
    };
    const err = answerFailure(json(400, body), fromEnv);
    expect(err.message).toBe('CSV validation failed: 2 invalid rows (400)');
    expect(err.details).toEqual([
      'row 2, phone_number "12ab": Not a phone number',
      'row 4, phone_number "+15005550001": Duplicate',
      '… and 23 more',
    ]);
  });

  it('5xx points at the server log', () => {
    const err = answerFailure(
      json(
        503,
        { error: 'Service Unavailable', message: 'Database unavailable' },
        {
          statusText: 'Service Unavailable',
        },
      ),
      fromEnv,
    );
    expect(err.message).toBe(
      'the server failed (503 Service Unavailable: Service Unavailable: Database unavailable); ' +
        'see its log',
    );
  });

  it('an answer that is not the API says so, and how to point at the right server', () => {
    const html: FailedAnswer = {
      status: 404,
      statusText: 'Not Found',
      contentType: 'text/html',
      text: '<h1>Not Found</h1>',
    };
    const err = answerFailure(html, fromEnv);
    expect(err.message).toBe(
      'unexpected answer from http://127.0.0.1:3000 (404 Not Found, text/html): is it an ' +
        'Outdial server? If not, set OUTDIAL_URL (or --url) to its address',
    );
    expect(err.apiBody).toBeUndefined();
  });

  it('a redirect is not followed (the key would go with it) and is named', () => {
    const moved: FailedAnswer = {
      status: 301,
      statusText: 'Moved Permanently',
      contentType: 'text/html',
      text: '',
      location: 'https://elsewhere.example.com/v1/api/batch-calls',
    };
    expect(answerFailure(moved, fromFlags).message).toBe(
      'https://dial.example.com answered with a redirect (301 Moved Permanently) to ' +
        'https://elsewhere.example.com/v1/api/batch-calls; the key is not sent there: correct --url',
    );
  });
});

describe('no answer at all', () => {
  const refused = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3000'), {
      code: 'ECONNREFUSED',
    }),
  });

  it('names the address, the reason and what to do', () => {
    const err = unreachable(refused, fromEnv);
    expect(err.message).toBe(
      'cannot reach the Outdial server at http://127.0.0.1:3000 (connection refused): is it ' +
        'running? Start it with `npx outdial serve`, or set OUTDIAL_URL (or --url) to its address',
    );
    expect(err.status).toBeUndefined();
    expect(err.exitCode).toBe(1);
  });

  it('finds the code wherever fetch put it', () => {
    const happyEyeballs = Object.assign(new TypeError('fetch failed'), {
      cause: new AggregateError([Object.assign(new Error('x'), { code: 'ENETUNREACH' })]),
    });
    expect(networkCode(happyEyeballs)).toBe('ENETUNREACH');
    expect(networkCode(new DOMException('timed out', 'TimeoutError'))).toBe(
      'UND_ERR_HEADERS_TIMEOUT',
    );
    expect(networkCode(new TypeError('fetch failed', { cause: new Error('bad port') }))).toBe(
      'BAD_PORT',
    );
    expect(networkCode(new Error('no code'))).toBeUndefined();
  });

  it('never repeats the error text, which may quote what was sent', () => {
    const quoting = new TypeError('Headers.append: "od_secret_key" is an invalid header value.');
    const err = unreachable(quoting, fromEnv);
    expect(err.message).not.toContain('od_secret_key');
    expect(err.message).toContain('(no answer)');
  });
});
