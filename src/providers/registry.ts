import type { Clock } from '../domain/clock.js';
import type { TelephonyProvider } from './provider.js';
import { createSimulator } from './simulator/simulator.js';

/** Providers by name (`agents.provider`). */
export interface ProviderRegistry {
  get(name: string): TelephonyProvider | undefined;
  names(): string[];
}

export function createRegistry(providers: readonly TelephonyProvider[]): ProviderRegistry {
  const byName = new Map(providers.map((p) => [p.name, p]));
  return {
    get: (name) => byName.get(name),
    names: () => [...byName.keys()],
  };
}

/** The providers a process has without extra configuration: the simulator. */
export function defaultRegistry(opts: { clock: Clock; simSpeed: number }): ProviderRegistry {
  return createRegistry([createSimulator({ clock: opts.clock, speed: opts.simSpeed })]);
}
