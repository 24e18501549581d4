import { describe, expect, it } from 'vitest';
import { shutdownNotice } from '../../src/cli/shutdown.js';

describe('the first Ctrl-C', () => {
  it('says how many calls get how long, and that a second Ctrl-C stops at once', () => {
    expect(shutdownNotice(3, 30_000)).toBe(
      'stopping: no new call starts; 3 calls in progress get up to 30 s to finish. Press ' +
        'Ctrl-C again (or send another SIGTERM) to stop at once (calls cut short are ' +
        'reconciled at the next start).',
    );
    expect(shutdownNotice(1, 4_500)).toContain('1 call in progress gets up to 5 s to finish');
  });

  it('with no call in progress, still says a second Ctrl-C stops at once', () => {
    expect(shutdownNotice(0, 30_000)).toBe(
      'stopping: no call in progress, and no new call starts. Press Ctrl-C again (or send ' +
        'another SIGTERM) to stop at once.',
    );
  });
});
