import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { Clock } from '../../src/domain/clock.js';
import type { AttemptEventSink } from '../../src/providers/provider.js';
import { callbackEvent } from '../../src/providers/twilio/call-status.js';
import { createTwilioProvider } from '../../src/providers/twilio/twilio-provider.js';
import { isTwilioSignature } from '../../src/providers/twilio/twilio-signature.js';
import { startTwilioStandIn, type TwilioStandIn } from '../support/twilio-stand-in.js';
import type { ConformanceTarget } from './conformance.js';
import { describeRecordingConformance } from './conformance-recording.js';

// The `twilio` provider through the recording half of the conformance suite, Twilio being the
// stand-in (every request checked against Twilio's API description). Its events are Twilio's
// signed status callbacks, received here by a real HTTP server that checks the signature and maps
// each one with the provider's own `callbackEvent`, as Outdial's callback route does; the suite
// then delivers them to the recording path twice, last first, or without the end.
//
// The port half (conformance.ts) is not run against it: it drives calls on a fake clock and
// expects the carrier's end to carry the conversation, while Twilio's calls happen in the
// stand-in's real time and the conversation is reported by the agent (see
// test/e2e/twilio-stream-agent.test.ts).

const PUBLIC = 'https://outdial.example.com';
const FROM = '+14155550100';
const NUMBERS = {
  answers: '+14155550041',
  busy: '+14155550042',
  noAnswer: '+14155550043',
  unreachable: '+14155550044',
  providerError: '+14155550045',
};

let standIn: TwilioStandIn;
let receiver: Server;
/** Where the callbacks of the provider created last go (each run of the suite creates one). */
let current: { clock: Clock; events: AttemptEventSink } | undefined;
const refused: string[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', async () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      const attemptId = /^\/cb\/([^/?]+)$/.exec(req.url ?? '')?.[1];
      if (
        !attemptId ||
        !current ||
        !isTwilioSignature(standIn.authToken, signature, `${PUBLIC}${req.url}`, params)
      ) {
        refused.push(`${req.url}: ${body}`);
        res.writeHead(403).end();
        return;
      }
      const event = callbackEvent(attemptId, params, current.clock.now());
      if (event) await current.events.record(event);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const local = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  standIn = await startTwilioStandIn({
    incomingNumbers: [FROM],
    route: (url) => url.replace(PUBLIC, local),
    // Twilio's record of a call is in the suite's time, as Twilio's is in real time.
    now: () => current?.clock.now() ?? Date.now(),
  });
  standIn.scenarios.set(NUMBERS.answers, { durationSec: 20 });
  standIn.scenarios.set(NUMBERS.busy, { outcome: 'busy' });
  standIn.scenarios.set(NUMBERS.noAnswer, { outcome: 'no-answer' });
  standIn.scenarios.set(NUMBERS.unreachable, { outcome: 'failed', sipResponseCode: 404 });
  standIn.scenarios.set(NUMBERS.providerError, { outcome: 'failed' });
});

afterAll(async () => {
  await standIn?.close();
  await new Promise((r) => receiver?.close(r));
  // Every callback the stand-in sent was Twilio's and was taken; every request one Twilio takes.
  if (refused.length > 0) throw new Error(`callbacks refused: ${refused.join('\n')}`);
  if (standIn && standIn.violations.length > 0) {
    throw new Error(`requests Twilio would refuse: ${standIn.violations.join('\n')}`);
  }
});

const TWILIO: ConformanceTarget = {
  name: 'twilio (the stand-in)',
  create(clock, events) {
    current = { clock, events };
    const credentials = { accountSid: standIn.accountSid, authToken: standIn.authToken };
    return createTwilioProvider({
      apiBaseUrl: standIn.url,
      now: () => clock.now(),
      resolver: {
        plan: async (a) => ({
          credentials,
          from: FROM,
          transport: { type: 'stream', url: 'wss://agent.example.com/media' },
          ids: {
            jobId: a.callId,
            batchId: 'batch_conformance',
            attemptId: a.attemptId,
            reportToken: 'report-token',
          },
          variables: Object.entries(a.variables),
          fallbackMessage: 'Sorry, we cannot talk right now.',
          statusCallback: `${PUBLIC}/cb/${a.attemptId}`,
          machineDetection: false,
          ringTimeoutSec: 30,
          maxCallDurationSec: 900,
        }),
        credentials: async () => credentials,
      },
    });
  },
  numbers: { ...NUMBERS, outcomes: {} },
  maxCallMs: 60_000,
  deterministic: false,
  // The callbacks come when Twilio sends them: a call of 20 s, ended 30 s after it was placed.
  deliver: { afterMs: 30_000, run: () => standIn.play() },
  // No agent reports here: what is checked is how the carrier's own events are recorded, so an
  // answered call is decided at its end instead of waiting out the report's grace period (tested
  // in test/e2e/twilio-agent-report.test.ts).
  config: { agentReportGraceMs: 0 },
};

describeRecordingConformance(TWILIO);
