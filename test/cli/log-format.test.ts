// What a person at a terminal reads: pino's records as one short line each.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { formatLogRecord, prettyDestination } from '../../src/cli/log-format.js';

const at = (h: number, m: number, s: number) => new Date(2026, 0, 2, h, m, s).getTime();

describe('log lines on a terminal', () => {
  it('shows time, level, message and fields, without pid and hostname', () => {
    expect(
      formatLogRecord({
        level: 30,
        time: at(9, 5, 7),
        pid: 42,
        hostname: 'vm',
        reqId: 'req_a1',
        method: 'GET',
        url: '/v1/api/batch-calls',
        statusCode: 200,
        responseTime: 1.5,
        database: 'embedded PostgreSQL in /srv/data',
        msg: 'request completed',
      }),
    ).toBe(
      '09:05:07 INFO  request completed reqId=req_a1 method=GET url=/v1/api/batch-calls ' +
        'statusCode=200 responseTime=1.5 database="embedded PostgreSQL in /srv/data"',
    );
  });

  it('puts an error message on the line and its stack below, indented', () => {
    const line = formatLogRecord({
      level: 50,
      time: at(23, 59, 59),
      msg: 'unhandled error',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.js:1:1)' },
    });
    expect(line).toBe(
      '23:59:59 ERROR unhandled error err=boom\n    Error: boom\n        at x (y.js:1:1)',
    );
  });

  it('formats what pino writes, after its redaction, and passes other text through', () => {
    const out: string[] = [];
    const log = pino(
      { redact: { paths: ['apiKey'], censor: '[redacted]' } },
      prettyDestination({ write: (t: string) => out.push(t) }),
    );
    log.warn({ apiKey: 'od_secret', workspaceId: 'ws_1' }, 'second signal: exiting now');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^\d\d:\d\d:\d\d WARN {2}second signal: exiting now apiKey=\[redacted\] workspaceId=ws_1\n$/,
    );
    prettyDestination({ write: (t: string) => out.push(t) }).write('plain text\n');
    expect(out[1]).toBe('plain text\n');
  });
});
