import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ROOT } from '../support/cli.js';

// The heap growth of `serve` and `worker` (src/cli/heap-growth.ts), seen where it matters: a
// process that keeps a little alive while allocating much that dies after a few young
// collections, the way a dispatching worker does, collects in full more often with it, which is
// what keeps its peak down. Run in child processes (built code: `npm test` builds first), since a
// V8 flag, once set, stays set for the process.

const run = promisify(execFile);

// Calls-like objects kept in a ring (about 10 MB alive), so each survives a few young
// collections and is promoted before it dies; then the full collections are counted.
const WORKLOAD = `
import { PerformanceObserver, constants } from 'node:perf_hooks';
const { applyHeapGrowth } = await import(process.env.MODULE);
applyHeapGrowth(Number(process.env.PERCENT));
let majors = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
}).observe({ entryTypes: ['gc'] });
const ring = new Array(100_000);
for (let i = 0; i < 3_000_000; i++) ring[i % ring.length] = { i, s: 'call ' + i, a: [i, i + 1] };
await new Promise((r) => setTimeout(r, 50));
process.stdout.write(String(majors));
`;

async function fullCollections(percent: number): Promise<number> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', WORKLOAD], {
    env: {
      ...process.env,
      MODULE: path.join(ROOT, 'dist/cli/heap-growth.js'),
      PERCENT: String(percent),
    },
  });
  return Number(stdout);
}

describe('heap growth of the long-running commands', () => {
  it('is twice the live data by default, and 0 leaves V8 its own choice', () => {
    expect(loadConfig({ DATABASE_URL: 'memory://' }).heapGrowthPercent).toBe(100);
    const set = { DATABASE_URL: 'memory://', OUTDIAL_HEAP_GROWTH_PERCENT: '0' };
    expect(loadConfig(set).heapGrowthPercent).toBe(0);
  });

  it('makes V8 collect in full sooner, so less dead weight piles up', async () => {
    const own = await fullCollections(0);
    const twice = await fullCollections(100);
    expect(own).toBeGreaterThan(0);
    expect(twice).toBeGreaterThan(own);
    // Half way between: more still.
    expect(await fullCollections(30)).toBeGreaterThan(twice);
  }, 60_000);
});
