import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('outdial CLI help', () => {
  it.each([
    [[], 'serve'],
    ['serve', '--workers'],
    ['worker', '--workers'],
    ['migrate', 'migrations'],
    ['workspaces create', '--name'],
    ['keys create', '--workspace'],
    ['keys revoke', 'keyId'],
    ['keys list', '--workspace'],
    ['export-db', '--out'],
    ['import-db', '--in'],
  ])('outdial %s --help', async (cmd, expected) => {
    const args = typeof cmd === 'string' ? [...cmd.split(' '), '--help'] : ['--help'];
    const run = runCli(args);
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain(expected);
  });
});
