import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { TELEPHONY_DEFAULTS } from '../../domain/agent-transport.js';
import { forbidden } from '../../domain/errors.js';
import type { AttemptEventSink } from '../../providers/provider.js';
import { dialActionTwiml } from '../../providers/twilio/bridge-twiml.js';
import { bridgeEvent, callbackEvent, isDialAction } from '../../providers/twilio/call-status.js';
import { isTwilioSignature } from '../../providers/twilio/twilio-signature.js';
import type { Runtime } from '../../runtime.js';
import { getDialContext } from '../../storage/telephony-dial-repo.js';
import { ErrorBody } from '../schemas/error-bodies.js';
import { type DeploymentKeys, openCredentials } from '../twilio-dial.js';

// §21 carrier callbacks: no API key. The URL's token names the attempt (an HMAC, so a guessed URL
// names nothing); the request must carry Twilio's signature under the connection's auth token,
// over OUTDIAL_PUBLIC_URL + the path as Twilio called it. Anything else is a 403 and nothing is
// recorded. What passes goes to the one recording path, which makes repeats and late arrivals
// harmless. The same URL takes the bridge's callbacks (ext §21): a `<Stream>`'s status and a SIP
// `<Dial>`'s action, which Twilio expects TwiML back from.

const refused = () => forbidden('Not a callback of a call this deployment placed');

/** Twilio posts form fields; they are kept as the flat string map its signature covers. */
const FORM_LIMIT = 64 * 1024;

export async function telephonyCallbackRoutes(
  app: FastifyInstance,
  opts: { rt: Runtime; events: AttemptEventSink; keys: () => Promise<DeploymentKeys> },
) {
  const { rt } = opts;
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.post(
    '/twilio/events/:token',
    {
      bodyLimit: FORM_LIMIT,
      schema: {
        consumes: ['application/x-www-form-urlencoded'],
        params: Type.Object({ token: Type.String() }),
        response: {
          200: {
            description: 'TwiML, the answer to a SIP `<Dial>` action',
            content: { 'text/xml': { schema: Type.String() } },
          },
          204: Type.Null(),
          403: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const { token } = req.params as { token: string };
      const keys = await opts.keys();
      const verified = keys.tokens.verify('callback', token, rt.clock.now());
      if (!verified) throw refused();
      const publicUrl = rt.config.publicUrl;
      const signature = req.headers['x-twilio-signature'];
      const params = (req.body ?? {}) as Record<string, string>;
      if (!publicUrl || typeof signature !== 'string' || typeof params !== 'object') {
        throw refused();
      }
      const ctx = await getDialContext(rt.db, verified.attemptId);
      const creds = ctx && openCredentials(keys, ctx);
      if (
        !creds ||
        !isTwilioSignature(creds.authToken, signature, `${publicUrl}${req.url}`, params)
      ) {
        throw refused();
      }
      const event = callbackEvent(verified.attemptId, params, rt.clock.now());
      if (event) await opts.events.record(event);
      if (isDialAction(params)) {
        // Twilio continues the call with this answer: the fallback when the agent was not reached.
        const reached = bridgeEvent(verified.attemptId, params, 0)?.kind === 'bridge_started';
        const fallback = ctx.fallbackMessage ?? TELEPHONY_DEFAULTS.fallbackMessage;
        return reply
          .code(200)
          .type('text/xml')
          .serializer((x: unknown) => x as string)
          .send(dialActionTwiml(fallback, reached));
      }
      return reply.code(204).send();
    },
  );
}
