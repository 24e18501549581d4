import { Counter, Histogram, Registry } from 'prom-client';
import type { Runtime } from '../runtime.js';

// What the dispatch engines of one process measure, exported by that process's /metrics (the API
// port for `outdial serve`, OUTDIAL_METRICS_PORT for `outdial worker`). One set per runtime: tests
// run many runtimes in one process, and each must count only its own engines.
//
// Latencies are wall time (performance.now), not the engine clock: they describe how long the
// database and the provider took, which a fake clock would not.

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CALL_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800];

export interface EngineMetrics {
  registry: Registry;
  attempts: Counter<'reason'>;
  claimDuration: Histogram<'result'>;
  claimedCalls: Counter;
  providerDuration: Histogram<'provider' | 'operation'>;
  leaseExpirations: Counter;
}

const perRuntime = new WeakMap<Runtime, EngineMetrics>();

export function engineMetrics(rt: Runtime): EngineMetrics {
  let m = perRuntime.get(rt);
  if (!m) {
    m = create();
    perRuntime.set(rt, m);
  }
  return m;
}

function create(): EngineMetrics {
  const registry = new Registry();
  return {
    registry,
    attempts: new Counter({
      name: 'outdial_call_attempts_total',
      help: 'Attempts ended by this process, by reason (unknown = outcome lost with a worker)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    claimDuration: new Histogram({
      name: 'outdial_claim_duration_seconds',
      help: 'Duration of one claim transaction, by result (claimed, empty, error)',
      labelNames: ['result'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    claimedCalls: new Counter({
      name: 'outdial_claimed_calls_total',
      help: 'Calls this process claimed to dial',
      registers: [registry],
    }),
    providerDuration: new Histogram({
      name: 'outdial_provider_request_duration_seconds',
      help: 'Duration of telephony provider requests, by provider and operation (dial = the whole call)',
      labelNames: ['provider', 'operation'] as const,
      buckets: [...LATENCY_BUCKETS, ...CALL_BUCKETS.filter((b) => b > 10)],
      registers: [registry],
    }),
    leaseExpirations: new Counter({
      name: 'outdial_lease_expirations_total',
      help: 'Active calls whose lease expired (their worker died or stalled), taken over by this process',
      registers: [registry],
    }),
  };
}
