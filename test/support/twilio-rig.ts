import type { AddressInfo } from 'node:net';
import type { Config } from '../../src/config.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { type Harness, harness, T0 } from '../engine/harness.js';
import type { Backend } from './databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from './http.js';
import { startTwilioStandIn, type TwilioStandIn } from './twilio-stand-in.js';

// The set-up of the end-to-end Twilio tests: the engine on the stepping clock, the API listening
// on a real port (Twilio's callbacks are real requests), one workspace whose key secret lives
// outside the database (so credentials can be sealed), and the Twilio stand-in calling back the
// public URL through a route to the local API.

export const PUBLIC_URL = 'https://outdial.example.com';

export interface TwilioRig {
  h: Harness;
  api: TestApp;
  standIn: TwilioStandIn;
  a: Tenant;
  /** The API's local address, which the public URL stands for. */
  local: string;
}

type StandInOptions = NonNullable<Parameters<typeof startTwilioStandIn>[0]>;

export async function startTwilioRig(
  backend: Backend,
  config: Partial<Config>,
  standIn: Omit<StandInOptions, 'route'> & { route?: (url: string) => string } = {},
): Promise<TwilioRig> {
  const h = await harness(backend, { publicUrl: PUBLIC_URL, ...config });
  const a = await seedTenant(h.db, T0, 'A');
  h.rt.config.keySecret = (await resolveKeySecret(h.db)).toString();
  const api = await createTestApp(h.db, h.rt.config, h.clock);
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const local = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  const extra = standIn.route;
  const twilio = await startTwilioStandIn({
    ...standIn,
    route: (url) => {
      const routed = url.replace(PUBLIC_URL, local);
      return extra ? extra(routed) : routed;
    },
  });
  h.rt.config.twilioApiBaseUrl = twilio.url;
  api.rt.config.twilioApiBaseUrl = twilio.url;
  // T0 is 07:00 in San Francisco, before the default legal floor (§19) opens; these tests are
  // about the carrier, so the workspace's floor is the whole day (the floor has its own tests).
  const floor = await api.app.inject({
    method: 'PATCH',
    url: '/v1/api/workspace',
    headers: a.headers,
    payload: { callingWindow: { start: '00:00', end: '24:00' } },
  });
  if (floor.statusCode !== 200) throw new Error(`workspace floor: ${floor.body}`);
  return { h, api, standIn: twilio, a, local };
}

/** Waits in real time (the stand-in and the route are real servers) for `ok`, briefly. */
export async function until(ok: () => boolean | Promise<boolean>, what: string, tries = 3_000) {
  for (let i = 0; i < tries; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Closes what `startTwilioRig` started, whatever part of it a failed set-up left. */
export async function stopTwilioRig(r: Partial<TwilioRig>): Promise<void> {
  await r.standIn?.close();
  await closeApp(r.api, undefined);
  await r.h?.close();
}
