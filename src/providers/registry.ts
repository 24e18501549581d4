import type { Clock } from '../domain/clock.js';
import type { AttemptEventSink, TelephonyProvider } from './provider.js';
import { createSimulator } from './simulator/simulator.js';

/** Providers by name (`agents.provider`). */
export interface ProviderRegistry {
  get(name: string): TelephonyProvider | undefined;
  names(): string[];
  all(): TelephonyProvider[];
}

export function createRegistry(providers: readonly TelephonyProvider[]): ProviderRegistry {
  const byName = new Map(providers.map((p) => [p.name, p]));
  return {
    get: (name) => byName.get(name),
    names: () => [...byName.keys()],
    all: () => [...byName.values()],
  };
}

/** Builds a process's providers around the recording path their events go to. */
export type ProviderFactory = (events: AttemptEventSink) => ProviderRegistry;

/** The providers a process has without extra configuration: the simulator. */
export function defaultProviders(opts: {
  clock: Clock;
  simSpeed: number;
  simAcceptMs: number;
}): ProviderFactory {
  return (events) =>
    createRegistry([
      createSimulator({
        clock: opts.clock,
        speed: opts.simSpeed,
        events,
        acceptMs: opts.simAcceptMs,
      }),
    ]);
}
