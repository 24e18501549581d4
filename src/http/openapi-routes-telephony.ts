import type { RouteDoc } from './openapi-route-parts.js';

// The route docs of real telephony: connections, carrier callbacks, the agent's own routes (ext).

export const TELEPHONY_ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /telephony/connections': {
    tag: 'Telephony',
    summary: 'Connect a carrier account',
    operationId: 'createConnection',
    description:
      'The credentials are checked with the carrier, stored encrypted and never returned; every ' +
      'fromNumber must be an incoming number or verified caller ID of the account. Unknown ' +
      'top-level fields are ignored and never stored.',
    answers: {
      201: 'The connection as stored, without its credentials',
      400: 'An invalid field, credentials the carrier refuses, a number not in the account, or OUTDIAL_PUBLIC_URL unset; nothing stored',
      409: 'No encryption key outside the database (set OUTDIAL_KEY_SECRET)',
      502: 'The carrier could not be asked; nothing stored',
    },
  },
  'GET /telephony/connections': {
    tag: 'Telephony',
    summary: "List the workspace's connections",
    operationId: 'listConnections',
  },
  'GET /telephony/connections/{}': {
    tag: 'Telephony',
    summary: 'Get a connection',
    operationId: 'getConnection',
    answers: { 404: 'No such connection in this workspace' },
  },
  'PATCH /telephony/connections/{}': {
    tag: 'Telephony',
    summary: 'Change the given fields of a connection',
    operationId: 'updateConnection',
    description:
      'New credentials or numbers are checked with the carrier first. Unknown top-level fields ' +
      'are ignored.',
    answers: {
      200: 'The connection as stored, without its credentials',
      400: 'An invalid field, nothing to change, credentials the carrier refuses or a number not in the account; nothing changed',
      404: 'No such connection in this workspace',
      409: 'No encryption key outside the database, or stored credentials it cannot open',
      502: 'The carrier could not be asked; nothing changed',
    },
  },
  'DELETE /telephony/connections/{}': {
    tag: 'Telephony',
    summary: 'Delete a connection; its credentials are erased',
    operationId: 'deleteConnection',
    answers: {
      404: 'No such connection in this workspace',
      409: 'An agent with a queued or processing batch uses it',
    },
  },
  'POST /telephony/twilio/events/{}': {
    tag: 'Telephony',
    summary: "Twilio's status callbacks for one attempt (no API key: Twilio's signature)",
    operationId: 'twilioEvents',
    description:
      'Called by Twilio, never by clients: the URL is given to Twilio with each call. The body ' +
      "is Twilio's form-encoded callback; X-Twilio-Signature must be Twilio's signature of it " +
      "under the connection's auth token, over OUTDIAL_PUBLIC_URL and this path. The same URL " +
      "takes the bridge's callbacks: a `<Stream>` status callback (StreamEvent " +
      'stream-started / stream-error) and, for SIP agents, the `<Dial>` action (DialCallStatus), ' +
      'which is answered with TwiML. A call that never reached the agent ends with reason ' +
      '`agent_unreachable`.',
    security: [],
    bodies: {
      'application/x-www-form-urlencoded': {
        type: 'object',
        description:
          "Twilio's callback fields (CallSid, CallStatus, SipResponseCode, AnsweredBy, " +
          'StreamEvent, StreamError, DialCallStatus…)',
        additionalProperties: { type: 'string' },
      },
    },
    answers: {
      200:
        'A SIP `<Dial>` action, recorded: TwiML for Twilio to go on with (the fallback message ' +
        'when the leg did not reach the agent, then hang up)',
      204: 'Recorded (or already known)',
      403: 'Not a genuine callback of a call this deployment placed; nothing recorded',
    },
  },
  'GET /agent/attempts/{}': {
    tag: 'Telephony',
    summary: "What the agent on a call reads about it (Bearer: the attempt's report token)",
    operationId: 'getAgentAttempt',
    description:
      "For the user's voice agent, not API clients: `Authorization: Bearer <reportToken>`, the " +
      "token it received with the call (good for this attempt only, for 24 hours). The row's " +
      'variables, and the greeting and prompt with them filled in.',
    security: [{ reportToken: [] }],
    answers: { 401: 'No token, a wrong or expired one, or one of another attempt' },
  },
  'POST /agent/attempts/{}/report': {
    tag: 'Telephony',
    summary: "The agent's report of its call: outcome and transcript (Bearer: the report token)",
    operationId: 'reportAgentAttempt',
    description:
      "For the user's voice agent: `Authorization: Bearer <reportToken>`. Once per attempt. A " +
      "report before the carrier's end is held and becomes the call's result when the call ends. " +
      'An answered call waits for its report up to OUTDIAL_AGENT_REPORT_GRACE_MS after the end ' +
      "(the job active): a report in that time completes it with the report's result " +
      '(callbackAt schedules the next attempt); without one it completes with outcome `unknown`. ' +
      "A later report replaces the call's result and fires `call.result_updated`, without " +
      'reopening the job. `opted_out` adds the number to the do-not-call list.',
    security: [{ reportToken: [] }],
    answers: {
      202: 'Received',
      400: 'A body outside the schema, or a callbackAt that is not an ISO-8601 date-time',
      401: 'No token, a wrong or expired one, or one of another attempt',
      409: 'A report for this attempt was already received ({"error":"Report already received"})',
    },
  },
};
