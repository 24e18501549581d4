import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Runtime } from '../runtime.js';

// What the dispatch engines of one process measure, exported by that process's /metrics (the API
// port for `outdial serve`, OUTDIAL_METRICS_PORT for `outdial worker`). One set per runtime: tests
// run many runtimes in one process, and each must count only its own engines.
//
// Latencies are wall time (performance.now), not the engine clock: they describe how long the
// database and the provider took, which a fake clock would not.

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What an engine tells the gauges about itself when scraped. */
export interface EngineGauges {
  /** Attempts it holds between claim and the carrier's answer. */
  held(): number;
  /** The most it may hold (config.maxPlacing). */
  limit: number;
  /** Calls in progress at its in-process providers, by provider. */
  localCalls(): Array<{ provider: string; calls: number }>;
}

export interface EngineMetrics {
  registry: Registry;
  attempts: Counter<'reason'>;
  claimDuration: Histogram<'result'>;
  claimedCalls: Counter;
  providerDuration: Histogram<'provider' | 'operation'>;
  /** Attempts recovery took over, by the state it found them in. */
  recoveries: Counter<'state'>;
  /** Registers a running engine with the gauges; returns its removal. */
  track(engine: EngineGauges): () => void;
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
  const engines = new Set<EngineGauges>();
  new Gauge({
    name: 'outdial_engine_attempts_held',
    help: 'Attempts the engines of this process hold between claim and the carrier accepting them',
    registers: [registry],
    collect() {
      this.set([...engines].reduce((n, e) => n + e.held(), 0));
    },
  });
  new Gauge({
    name: 'outdial_engine_attempts_held_limit',
    help: 'The most attempts the engines of this process may hold at once (OUTDIAL_MAX_PLACING per engine); calls in progress are not counted',
    registers: [registry],
    collect() {
      this.set([...engines].reduce((n, e) => n + e.limit, 0));
    },
  });
  new Gauge({
    name: 'outdial_provider_calls_in_progress',
    help: 'Calls in progress at the in-process providers (the simulator) of this process',
    labelNames: ['provider'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const sums = new Map<string, number>();
      for (const e of engines) {
        for (const l of e.localCalls()) sums.set(l.provider, (sums.get(l.provider) ?? 0) + l.calls);
      }
      for (const [provider, calls] of sums) this.labels(provider).set(calls);
    },
  });
  return {
    registry,
    attempts: new Counter({
      name: 'outdial_call_attempts_total',
      help: 'Attempts ended by this process, by reason (unknown = nobody could tell the outcome)',
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
      help: 'Duration of telephony provider requests, by provider and operation (place, lookup, hang_up)',
      labelNames: ['provider', 'operation'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    recoveries: new Counter({
      name: 'outdial_attempt_recoveries_total',
      help: 'Attempts recovery took over in this process (a lost worker, or no end reported by the deadline), by the state they were in',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    track(engine) {
      engines.add(engine);
      return () => engines.delete(engine);
    },
  };
}
