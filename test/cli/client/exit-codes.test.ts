import { describe, expect, it } from 'vitest';
import { EXIT, followExitCode } from '../../../src/cli/client/exit-codes.js';

const batch = (status: string, failed = 0, cancelled = 0) => ({
  status,
  progress: { failed, cancelled },
});

describe('the exit code of a followed batch', () => {
  it('is 0 when every job completed', () => {
    expect(followExitCode(batch('completed'))).toBe(0);
  });

  it('is 3 when some jobs failed, or the batch itself failed', () => {
    expect(followExitCode(batch('completed', 1))).toBe(3);
    expect(followExitCode(batch('failed'))).toBe(3);
  });

  it('is 4 when the batch was cancelled, even with failed jobs (cancelled wins)', () => {
    expect(followExitCode(batch('cancelled'))).toBe(4);
    expect(followExitCode(batch('cancelled', 5))).toBe(4);
  });

  it('is 4 when single jobs were cancelled in a batch that otherwise completed', () => {
    expect(followExitCode(batch('completed', 0, 1))).toBe(4);
    expect(followExitCode(batch('completed', 2, 1))).toBe(4);
  });

  it('keeps the documented values', () => {
    expect(EXIT).toEqual({
      ok: 0,
      error: 1,
      usage: 2,
      someFailed: 3,
      cancelled: 4,
      interrupted: 130,
    });
  });
});
