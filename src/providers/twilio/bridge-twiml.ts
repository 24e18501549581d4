// The builder alone: the package's index loads its whole REST client (see twilio-client.ts).
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import type { AgentTransport } from '../../domain/agent-transport.js';

// The TwiML that bridges an answered call to the user's agent (extensions §21), built with the
// official package's builder (it escapes every value). Twilio refuses a `Twiml` parameter over
// 4,000 characters, so what the agent needs to find its call — ids and the report token — always
// goes in, and the row's variables only while the whole document fits; the agent can always
// fetch them with its token. After the bridge ends, or if it never starts, the callee hears the
// agent's fallback message and the call hangs up: nobody who answers hears silence.

/** Twilio's limit on the `Twiml` parameter of a call. */
export const TWIML_MAX_CHARS = 4_000;

export interface BridgeIds {
  jobId: string;
  batchId: string;
  attemptId: string;
  reportToken: string;
}

export interface BridgeInput {
  /** A stream or SIP transport (a `twiml` transport is the user's own URL, not built here). */
  transport: Exclude<AgentTransport, { type: 'twiml' }>;
  ids: BridgeIds;
  /** The row's variables, in the order they are offered. */
  variables: ReadonlyArray<readonly [string, string]>;
  fallbackMessage: string;
  /** Where Twilio reports the stream's or the SIP leg's fate (bridge watching). */
  bridgeCallbackUrl?: string;
}

export interface BridgeTwiml {
  twiml: string;
  /** Names of the variables left out to stay within the limit. */
  omitted: string[];
}

export class TwimlTooLongError extends Error {}

// SIP header names are tokens (RFC 3261 §25.1); a variable whose name is not one travels only by
// fetch.
const SIP_HEADER_NAME = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

function idParams(ids: BridgeIds): Array<[string, string]> {
  return [
    ['jobId', ids.jobId],
    ['batchId', ids.batchId],
    ['attemptId', ids.attemptId],
    ['reportToken', ids.reportToken],
  ];
}

function build(input: BridgeInput, variables: ReadonlyArray<readonly [string, string]>): string {
  const response = new VoiceResponse();
  const t = input.transport;
  if (t.type === 'stream') {
    const stream = response.connect().stream({
      url: t.url,
      ...(input.bridgeCallbackUrl === undefined
        ? {}
        : { statusCallback: input.bridgeCallbackUrl, statusCallbackMethod: 'POST' }),
    });
    for (const [name, value] of [...idParams(input.ids), ...variables]) {
      stream.parameter({ name, value });
    }
  } else {
    const headers = [
      ...idParams(input.ids).map(([k, v]) => [`X-Outdial-${k[0]!.toUpperCase()}${k.slice(1)}`, v]),
      ...variables.map(([k, v]) => [`X-Outdial-Var-${k}`, v]),
    ]
      .map(([k, v]) => `${k}=${encodeURIComponent(v!)}`)
      .join('&');
    const dial = response.dial({
      answerOnBridge: true,
      ...(input.bridgeCallbackUrl === undefined
        ? {}
        : { action: input.bridgeCallbackUrl, method: 'POST' }),
    });
    dial.sip(`${t.uri}${t.uri.includes('?') ? '&' : '?'}${headers}`);
  }
  response.say(input.fallbackMessage);
  response.hangup();
  return response.toString();
}

/** The bridge TwiML, within Twilio's limit; throws when even the ids do not fit. */
export function bridgeTwiml(input: BridgeInput): BridgeTwiml {
  const offered =
    input.transport.type === 'sip'
      ? input.variables.filter(([name]) => SIP_HEADER_NAME.test(name))
      : input.variables;
  const omitted = input.variables.filter((v) => !offered.includes(v)).map(([name]) => name);
  let twiml = build(input, []);
  if (twiml.length > TWIML_MAX_CHARS) {
    throw new TwimlTooLongError(
      `The bridge TwiML is ${twiml.length} characters without any variable (Twilio takes ${TWIML_MAX_CHARS}): shorten the transport address or the fallback message`,
    );
  }
  const kept: Array<readonly [string, string]> = [];
  for (const v of offered) {
    const next = build(input, [...kept, v]);
    if (next.length <= TWIML_MAX_CHARS) {
      kept.push(v);
      twiml = next;
    } else {
      omitted.push(v[0]);
    }
  }
  return { twiml, omitted };
}

/**
 * The answer to a `<Dial>` action (SIP transport): Twilio goes on with the TwiML it gets back, not
 * with what followed `<Dial>`. A leg that never reached the agent gets the fallback message, so
 * the callee does not hear silence; then the call hangs up.
 */
export function dialActionTwiml(fallbackMessage: string, reached: boolean): string {
  const response = new VoiceResponse();
  if (!reached) response.say(fallbackMessage);
  response.hangup();
  return response.toString();
}
