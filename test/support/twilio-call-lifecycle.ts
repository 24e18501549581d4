import { bridgeCallback } from './twilio-bridge-callbacks.js';
import type { StandInCall } from './twilio-stand-in.js';

// A stand-in call's life as Twilio plays it once it is created: the status callbacks its
// StatusCallbackEvent asks for (initiated, ringing, answered, completed, with AnsweredBy and the
// SIP code), the bridge's own callbacks and the asynchronous AMD result, delivered in order,
// reversed, twice or never, per the number's scenario.

export const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

/** Settles the call's final state and queues the callbacks Twilio would send for it. */
export function playOut(
  c: StandInCall,
  {
    accountSid,
    mediaStreams,
    sequence,
  }: { accountSid: string; mediaStreams: boolean; sequence: number },
) {
  const sc = c.scenario;
  const outcome = sc.outcome ?? 'completed';
  const events = new Set([c.form['StatusCallbackEvent'] ?? []].flat().flatMap((e) => e.split(' ')));
  const amd = c.form['MachineDetection'] !== undefined;
  const asyncAmd = c.form['AsyncAmd'] === 'true';
  const answeredBy = amd ? (sc.answeredBy ?? 'human') : null;
  const duration = outcome === 'completed' ? (sc.durationSec ?? 30) : 0;
  const base = {
    AccountSid: accountSid,
    ApiVersion: '2010-04-01',
    CallSid: c.sid,
    Direction: 'outbound-api',
    From: c.from,
    To: c.to,
    CallbackSource: 'call-progress-events',
  };
  const callbacks: Array<{ event: string; params: Record<string, string> }> = [
    { event: 'initiated', params: { CallStatus: 'initiated' } },
  ];
  if (outcome !== 'failed') callbacks.push({ event: 'ringing', params: { CallStatus: 'ringing' } });
  if (outcome === 'completed') {
    callbacks.push({
      event: 'answered',
      params: {
        CallStatus: 'in-progress',
        ...(answeredBy && !asyncAmd ? { AnsweredBy: answeredBy } : {}),
      },
    });
  }
  callbacks.push({
    event: 'completed',
    params: {
      CallStatus: outcome,
      CallDuration: String(duration),
      Duration: String(Math.ceil(duration / 60)),
      ...(sc.sipResponseCode === undefined ? {} : { SipResponseCode: String(sc.sipResponseCode) }),
      ...(answeredBy && !asyncAmd && outcome === 'completed' ? { AnsweredBy: answeredBy } : {}),
    },
  });
  const statusUrl = c.form['StatusCallback'];
  const out: StandInCall['pending'] = [];
  // With media streams played for real, the stream's own status callbacks come from the player.
  const playedStream = mediaStreams && /<Stream\b/.test(String(c.form['Twiml'] ?? ''));
  const bridge =
    outcome === 'completed' && !playedStream ? bridgeCallback(c, accountSid, sequence) : undefined;
  if (typeof statusUrl === 'string') {
    for (const cb of callbacks) {
      if (!events.has(cb.event)) continue;
      out.push({
        url: statusUrl,
        params: {
          ...base,
          ...cb.params,
          SequenceNumber: String(out.length),
          Timestamp: rfc2822(new Date()),
        },
      });
    }
  }
  // The bridge reports right after the answer, before the call's end (Twilio runs the TwiML).
  if (bridge) out.splice(Math.min(out.length, events.has('answered') ? 3 : 2), 0, bridge);
  const amdUrl = c.form['AsyncAmdStatusCallback'];
  if (asyncAmd && typeof amdUrl === 'string' && outcome === 'completed') {
    out.splice(Math.min(out.length, 3), 0, {
      url: amdUrl,
      params: { AccountSid: accountSid, CallSid: c.sid, AnsweredBy: answeredBy ?? 'unknown' },
    });
  }
  const delivery = sc.delivery ?? 'in-order';
  c.pending =
    delivery === 'none'
      ? []
      : delivery === 'reversed'
        ? out.reverse()
        : delivery === 'duplicated'
          ? out.flatMap((x) => [x, x])
          : out;
  c.status = outcome;
  c.answeredBy = answeredBy;
  c.durationSec = outcome === 'completed' ? duration : null;
}
