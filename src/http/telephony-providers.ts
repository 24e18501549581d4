import type { ProviderFactory } from '../providers/registry.js';
import { createRegistry, defaultProviders } from '../providers/registry.js';
import { createTwilioProvider } from '../providers/twilio/twilio-provider.js';
import type { Runtime } from '../runtime.js';
import { twilioDialResolver } from './twilio-dial.js';

/**
 * A process's providers: the simulator, and Twilio for agents with a connection (its plans read
 * the connection and the deployment's keys, which the layers below the API may not).
 */
export function telephonyProviders(rt: Runtime): ProviderFactory {
  const base = defaultProviders({
    clock: rt.clock,
    simSpeed: rt.config.simSpeed,
    simAcceptMs: rt.config.simAcceptMs,
  });
  const resolver = twilioDialResolver(rt);
  return (events) =>
    createRegistry([
      ...base(events).all(),
      createTwilioProvider({
        resolver,
        apiBaseUrl: rt.config.twilioApiBaseUrl,
        now: () => rt.clock.now(),
      }),
    ]);
}
