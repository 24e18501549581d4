import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what its last full collection kept, for the
 * long-running commands (`serve`, `worker`). V8's own choice goes up to four times, which suits a
 * program whose data lives long. Ours lives for a call or a request: a worker dispatching flat
 * out keeps about 20 MB alive while it allocates hundreds of MB that die within a call, and young
 * collections promote much of it first (calls outlive a few of them). At four times, that dead
 * weight is most of the process's memory; at twice (the default, 100) the worker peaks near
 * 140 MB instead of 185 MB for a few more full collections of a small heap. 0 leaves V8's choice.
 */
export function applyHeapGrowth(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}
