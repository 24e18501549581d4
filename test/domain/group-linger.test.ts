import { describe, expect, it } from 'vitest';
import {
  GroupLinger,
  keysOf,
  LINGER_BELOW,
  lingerBeforeNext,
} from '../../src/domain/group-linger.js';

// The wait of a group commit under a steady load (the recording path's events, the delivery
// workers' successes): real timers, since it runs on the wall clock by design.

const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);
const itself = (k: string) => k;

describe('lingerBeforeNext', () => {
  it('waits for more only when several keys, but not yet a large group, are pending', () => {
    expect(lingerBeforeNext(0)).toBe(false);
    expect(lingerBeforeNext(1)).toBe(false);
    expect(lingerBeforeNext(2)).toBe(true);
    expect(lingerBeforeNext(LINGER_BELOW - 1)).toBe(true);
    expect(lingerBeforeNext(LINGER_BELOW)).toBe(false);
  });
});

describe('GroupLinger', () => {
  it('does not wait for one key, for a large group, or with no linger configured', async () => {
    const linger = new GroupLinger();
    // A minute each: the test would time out if any of them waited.
    await linger.wait(60_000, keys(1), itself);
    await linger.wait(60_000, keys(LINGER_BELOW), itself);
    await linger.wait(0, keys(5), itself);
  });

  it('waits its time for a few keys', async () => {
    const started = performance.now();
    await new GroupLinger().wait(30, keys(3), itself);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('ends the wait as soon as enough distinct keys are pending', async () => {
    const linger = new GroupLinger();
    let ended = false;
    const waiting = linger.wait(60_000, keys(2), itself).then(() => {
      ended = true;
    });
    // Work of keys already pending counts once.
    linger.add('k0');
    linger.add('k1');
    for (let i = 2; i < LINGER_BELOW - 1; i++) linger.add(`k${i}`);
    await Promise.resolve();
    expect(ended).toBe(false);
    linger.add(`k${LINGER_BELOW - 1}`);
    await waiting;
    expect(ended).toBe(true);
  });

  it('ends the wait when told to (a writer closing), and is idle afterwards', async () => {
    const linger = new GroupLinger();
    const waiting = linger.wait(60_000, keys(3), itself);
    linger.end();
    await waiting;
    linger.end();
    linger.add('late');
  });
});

describe('keysOf', () => {
  it('counts distinct keys up to a bound', () => {
    const items = ['a', 'b', 'a', 'c', 'd'];
    expect([...keysOf(items, (x) => x, 10)]).toEqual(['a', 'b', 'c', 'd']);
    expect(keysOf(items, (x) => x, 2).size).toBe(2);
  });
});
