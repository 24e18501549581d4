import { describe, expect, it } from 'vitest';
import {
  bridgeTwiml,
  TWIML_MAX_CHARS,
  TwimlTooLongError,
} from '../../../src/providers/twilio/bridge-twiml.js';

// §21: what the agent receives with an answered call, within Twilio's 4,000 characters.

const IDS = {
  jobId: 'call_01jh0000000000000000000000',
  batchId: 'batch_01jh0000000000000000000000',
  attemptId: 'att_01jh0000000000000000000000',
  reportToken:
    'rt.v1.att_01jh0000000000000000000000.1767628800000.abcdefghijklmnopqrstuvwxyz012345678',
};
const STREAM = { type: 'stream' as const, url: 'wss://agent.example.com/media?team=a&b=1' };
const SORRY = 'Sorry, we cannot connect you right now. Goodbye.';

const params = (twiml: string) =>
  [...twiml.matchAll(/<Parameter name="([^"]*)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]);

describe('bridge TwiML', () => {
  it('stream: <Connect><Stream> with the ids, the variables, then the fallback and a hang-up', () => {
    const { twiml, omitted } = bridgeTwiml({
      transport: STREAM,
      ids: IDS,
      variables: [
        ['first_name', 'Zoë <"the boss"> & co'],
        ['appointment_date', '2026-01-05'],
      ],
      fallbackMessage: SORRY,
      bridgeCallbackUrl: 'https://outdial.example.com/v1/telephony/twilio/bridge/tok',
    });
    expect(omitted).toEqual([]);
    expect(twiml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Connect><Stream url="wss:\/\/agent.example.com\/media\?team=a&amp;b=1" statusCallback="https:\/\/outdial.example.com\/v1\/telephony\/twilio\/bridge\/tok" statusCallbackMethod="POST">/,
    );
    expect(params(twiml)).toEqual([
      ['jobId', IDS.jobId],
      ['batchId', IDS.batchId],
      ['attemptId', IDS.attemptId],
      ['reportToken', IDS.reportToken],
      ['first_name', 'Zoë &lt;&quot;the boss&quot;> &amp; co'],
      ['appointment_date', '2026-01-05'],
    ]);
    expect(twiml.endsWith(`</Stream></Connect><Say>${SORRY}</Say><Hangup/></Response>`)).toBe(true);
  });

  it('keeps the ids always and the variables only while the whole fits in 4,000 characters', () => {
    const variables = Array.from({ length: 120 }, (_, i) => [`var_${i}`, 'x'.repeat(40)] as const);
    const { twiml, omitted } = bridgeTwiml({
      transport: STREAM,
      ids: IDS,
      variables,
      fallbackMessage: SORRY,
    });
    expect(twiml.length).toBeLessThanOrEqual(TWIML_MAX_CHARS);
    const names = params(twiml).map(([n]) => n);
    expect(names.slice(0, 4)).toEqual(['jobId', 'batchId', 'attemptId', 'reportToken']);
    const kept = names.slice(4);
    // In order, and no room was left for the next one.
    expect(kept).toEqual(variables.slice(0, kept.length).map(([n]) => n));
    expect(omitted).toEqual(variables.slice(kept.length).map(([n]) => n));
    expect(kept.length).toBeGreaterThan(10);
    expect(
      twiml.length + `<Parameter name="var_${kept.length}" value="${'x'.repeat(40)}"/>`.length,
    ).toBeGreaterThan(TWIML_MAX_CHARS);
    // A small variable after a big one still goes in when it fits.
    const mixed = bridgeTwiml({
      transport: STREAM,
      ids: IDS,
      variables: [
        ['notes', 'n'.repeat(5_000)],
        ['first_name', 'Ann'],
      ],
      fallbackMessage: SORRY,
    });
    expect(mixed.omitted).toEqual(['notes']);
    expect(params(mixed.twiml).at(-1)).toEqual(['first_name', 'Ann']);
  });

  it('sip: <Dial><Sip> with X-Outdial-* headers; a variable whose name is no header travels by fetch only', () => {
    const { twiml, omitted } = bridgeTwiml({
      transport: { type: 'sip', uri: 'sip:agent@sip.example.com;transport=tls' },
      ids: IDS,
      variables: [
        ['first_name', 'Ann Lee'],
        ['due date', 'soon'],
      ],
      fallbackMessage: SORRY,
      bridgeCallbackUrl: 'https://outdial.example.com/v1/telephony/twilio/bridge/tok',
    });
    expect(omitted).toEqual(['due date']);
    expect(twiml).toContain(
      '<Dial answerOnBridge="true" action="https://outdial.example.com/v1/telephony/twilio/bridge/tok" method="POST">',
    );
    const sip = /<Sip>([^<]*)<\/Sip>/.exec(twiml)![1]!.replaceAll('&amp;', '&');
    const [uri, query] = sip.split('?');
    expect(uri).toBe('sip:agent@sip.example.com;transport=tls');
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({
      'X-Outdial-JobId': IDS.jobId,
      'X-Outdial-BatchId': IDS.batchId,
      'X-Outdial-AttemptId': IDS.attemptId,
      'X-Outdial-ReportToken': IDS.reportToken,
      'X-Outdial-Var-first_name': 'Ann Lee',
    });
    expect(twiml).toContain(`</Dial><Say>${SORRY}</Say><Hangup/>`);
  });

  it('refuses a bridge that cannot fit even without variables', () => {
    expect(() =>
      bridgeTwiml({
        transport: { type: 'stream', url: `wss://agent.example.com/${'p'.repeat(3_500)}` },
        ids: IDS,
        variables: [],
        fallbackMessage: 'f'.repeat(1_000),
      }),
    ).toThrow(TwimlTooLongError);
  });
});
