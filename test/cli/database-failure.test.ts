import { expect, it } from 'vitest';
import { DATABASE_FAILED_EXIT_CODE, failureNotice } from '../../src/cli/database-failure.js';

// The one line an operator reads when the embedded database fails: what happened, what to do.

const at = Date.UTC(2026, 0, 5);

it('a full disk: which disk, how much is free, free space and start again', () => {
  expect(
    failureNotice(
      { reason: 'disk_full', detail: 'ENOSPC: no space left on device, write', at },
      '/srv/outdial/data',
      3 * 1024 * 1024 + 5,
    ),
  ).toBe(
    'the embedded database stopped: the disk holding /srv/outdial/data is full (3 MB free). ' +
      'Outdial exits with code 75: free space on that disk, then start Outdial again (npm start, ' +
      'or let your service manager restart it). Everything committed before the failure is kept; ' +
      'the request that hit it stored nothing',
  );
  expect(DATABASE_FAILED_EXIT_CODE).toBe(75);
});

it('a failed device and a crash say what failed, without a free-space figure it cannot know', () => {
  expect(
    failureNotice({ reason: 'io_error', detail: 'EIO: i/o error, write', at }, '/d', undefined),
  ).toMatch(
    /^the embedded database stopped: a write to \/d failed \(EIO: i\/o error, write\)\. Outdial exits with code 75: check that disk, then start Outdial again/,
  );
  expect(
    failureNotice({ reason: 'crashed', detail: 'PANIC: cannot drop active portal', at }, '/d', 0),
  ).toMatch(
    /^the embedded database stopped: PostgreSQL inside it crashed \(PANIC: cannot drop active portal\)\. Outdial exits with code 75: start Outdial again/,
  );
});

it('an embedded database in memory says its data is gone', () => {
  expect(
    failureNotice(
      { reason: 'crashed', detail: 'PostgreSQL stopped: unreachable', at },
      undefined,
      undefined,
    ),
  ).toMatch(
    /start Outdial again \(npm start, or let your service manager restart it\)\. Its data was in memory \(DATABASE_URL=memory:\/\/\) and is lost$/,
  );
});
