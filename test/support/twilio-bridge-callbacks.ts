import type { StandInCall } from './twilio-stand-in.js';

// The Twilio stand-in's bridge callbacks (ext §21): what Twilio reports about the answered call's
// bridge to the agent when the call's TwiML asks for it. Kept apart from the stand-in's core.

const sid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;

/**
 * The bridge's callback for an answered call, as Twilio sends it: a `<Stream>`'s status
 * (https://www.twilio.com/docs/voice/twiml/stream#statuscallback) or a `<Dial>`'s action
 * (https://www.twilio.com/docs/voice/twiml/dial#action).
 */
export function bridgeCallback(
  c: StandInCall,
  accountSid: string,
  n: number,
): StandInCall['pending'][number] | undefined {
  const twiml = typeof c.form['Twiml'] === 'string' ? c.form['Twiml'] : '';
  const fate = c.scenario.bridge ?? 'reached';
  const attr = (tag: string, name: string) => {
    const m = new RegExp(`<${tag}\\b[^>]*\\b${name}="([^"]*)"`).exec(twiml);
    return m?.[1]?.replaceAll('&amp;', '&');
  };
  const streamUrl = attr('Stream', 'statusCallback');
  if (streamUrl !== undefined && fate !== 'silent') {
    return {
      url: streamUrl,
      params: {
        AccountSid: accountSid,
        CallSid: c.sid,
        StreamSid: sid('MZ', n),
        StreamEvent: fate === 'reached' ? 'stream-started' : 'stream-error',
        ...(fate === 'failed' ? { StreamError: 'WebSocket handshake failed (31920)' } : {}),
        Timestamp: new Date().toISOString(),
      },
    };
  }
  const dialUrl = attr('Dial', 'action');
  if (dialUrl !== undefined && fate !== 'silent') {
    return {
      url: dialUrl,
      params: {
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        CallSid: c.sid,
        CallStatus: 'in-progress',
        Direction: 'outbound-api',
        From: c.from,
        To: c.to,
        DialCallStatus: fate === 'reached' ? 'completed' : 'failed',
        DialCallSid: sid('CA', 100_000 + n),
        DialCallDuration: fate === 'reached' ? String(c.scenario.durationSec ?? 30) : '0',
        ...(fate === 'failed' ? { DialSipResponseCode: '503' } : {}),
      },
    };
  }
  return undefined;
}
