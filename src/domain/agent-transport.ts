// Where an answered call is bridged to the user's agent (extensions §21), and the checks an
// agent's transport must pass before it is stored: a bad address would only show once a person
// answers, and then they would hear the fallback instead of the agent.

export type AgentTransport =
  /** Twilio Media Streams: `<Connect><Stream url>`; Twilio only opens secure websockets. */
  | { type: 'stream'; url: string }
  /** `<Dial><Sip>` to the agent's SIP endpoint. */
  | { type: 'sip'; uri: string }
  /** The user's own TwiML, fetched by the carrier when the call is answered. */
  | { type: 'twiml'; url: string };

export type MachineDetection = 'off' | 'detect';

/** §21 defaults, applied where a call is placed (an agent stores only what was given). */
export const TELEPHONY_DEFAULTS = {
  ringTimeoutSec: 30,
  maxCallDurationSec: 900,
  machineDetection: 'off' as MachineDetection,
  fallbackMessage:
    'Sorry, we cannot connect you to our assistant right now. We will try again later. Goodbye.',
};

export const RING_TIMEOUT_SEC = { min: 5, max: 120 };
export const MAX_CALL_DURATION_SEC = { min: 30, max: 14_400 };

export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  host: string;
  port?: number;
}

// RFC 3261 §19.1, the parts Twilio's <Sip> uses: sip[s]:[user@]host[:port][;params][?headers].
// The host is a DNS name, an IPv4 address or a bracketed IPv6 address.
const SIP_URI =
  /^(sips?):(?:([A-Za-z0-9\-_.!~*'()&=+$,;?/%]+)@)?((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?((?:;[A-Za-z0-9\-_.!~*'()%]+(?:=[A-Za-z0-9\-_.!~*'()%[\]/:&+$]*)?)*)(\?[A-Za-z0-9\-_.!~*'()%[\]/:&+$=]*)?$/;

/** The SIP URI's parts, or undefined when it does not parse. */
export function parseSipUri(text: string): SipUri | undefined {
  const m = SIP_URI.exec(text);
  if (!m) return undefined;
  const port = m[4] === undefined ? undefined : Number(m[4]);
  if (port !== undefined && (port < 1 || port > 65_535)) return undefined;
  return {
    scheme: m[1] as 'sip' | 'sips',
    ...(m[2] === undefined ? {} : { user: m[2] }),
    host: m[3]!,
    ...(port === undefined ? {} : { port }),
  };
}

function urlWith(text: string, protocol: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === protocol && url.hostname !== '' && !url.username && !url.password;
  } catch {
    return false;
  }
}

/** Why the transport cannot be used, or undefined when it can. */
export function transportProblem(t: AgentTransport): string | undefined {
  switch (t.type) {
    case 'stream':
      return urlWith(t.url, 'wss:')
        ? undefined
        : 'transport.url must be a wss:// address (Twilio Media Streams only open secure websockets)';
    case 'sip':
      return parseSipUri(t.uri)
        ? undefined
        : 'transport.uri must be a SIP URI like sip:agent@sip.example.com';
    case 'twiml':
      return urlWith(t.url, 'https:') ? undefined : 'transport.url must be an https:// address';
  }
}
