import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { telephonyProviders } from '../../src/http/telephony-providers.js';
import { type Harness, T0 } from '../engine/harness.js';
import { describeEachDb } from '../support/databases.js';
import { attemptsOf, callsOf } from '../support/engine-fixtures.js';
import type { Tenant, TestApp } from '../support/http.js';
import { startTwilioRig, stopTwilioRig, until } from '../support/twilio-rig.js';
import type { TwilioStandIn } from '../support/twilio-stand-in.js';

// §21 end to end with a real agent: a batch on a `stream` agent is dialed through the `twilio`
// provider; the Twilio stand-in answers, opens the websocket of the example agent
// (examples/agent/stream-agent.mjs, run as its users run it) and plays Twilio's Media Streams
// protocol to it; the agent reads its call with the report token it received in the `start`
// message and posts its report; the job ends with the agent's outcome and transcript.

const AGENT_URL = 'wss://agent.example.com/media';
const FROM = '+14155550100';
const N = {
  /** The agent ends the conversation (after 10 frames): it reports, then hangs up. */
  agentEnds: '+14155550021',
  /** The caller hangs up first (5 frames, then `stop`): the agent reports after. */
  callerEnds: '+14155550022',
  /** The agent's server refuses the websocket: the agent never hears of the call. */
  refused: '+14155550023',
};

interface RunningAgent {
  child: ChildProcess;
  url: string;
  /** Every line it printed, parsed (one JSON object a line). */
  lines: Array<Record<string, unknown>>;
  stdout: string[];
}

/** Starts the example agent as a user would, and waits for its address. */
async function startAgent(outdialUrl: string): Promise<RunningAgent> {
  const script = new URL('../../examples/agent/stream-agent.mjs', import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    [script, '--port', '0', '--outdial-url', outdialUrl, '--hangup-after-frames', '10'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const agent: RunningAgent = { child, url: '', lines: [], stdout: [] };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    agent.stdout.push(line);
    agent.lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  await until(() => agent.lines.some((l) => l['event'] === 'listening'), 'the agent to listen');
  agent.url = String(agent.lines.find((l) => l['event'] === 'listening')!['url']);
  return agent;
}

describeEachDb(
  'a stream agent on real calls (§21, the stand-in and the example agent)',
  (backend) => {
    let h: Harness;
    let api: TestApp;
    let standIn: TwilioStandIn;
    let agent: RunningAgent | undefined;
    let a: Tenant;
    afterEach(async () => {
      if (agent && agent.child.exitCode === null) {
        const exited = new Promise((r) => agent!.child.once('exit', r));
        agent.child.kill('SIGTERM');
        await exited;
      }
      await stopTwilioRig({ standIn, api, h });
    });

    it('the agent receives the start with its parameters, reports, and the job ends with its result', async () => {
      let agentUrl = '';
      let local: string;
      ({ h, api, standIn, a, local } = await startTwilioRig(
        backend,
        { maxAttempts: 1, ringTimeoutMs: 60_000, maxCallMs: 3_600_000, recoveryMarginMs: 30_000 },
        {
          incomingNumbers: [FROM],
          mediaStreams: true,
          // The agent's address is known once it listens, before any call is answered.
          route: (url) => url.replace(AGENT_URL, `${agentUrl}/media`),
        },
      ));
      agent = await startAgent(local);
      agentUrl = agent.url;
      // The agent ends the first call long before the caller would (2,000 frames).
      standIn.scenarios.set(N.agentEnds, { media: { frames: 2_000, frameIntervalMs: 5 } });
      standIn.scenarios.set(N.callerEnds, { media: { frames: 5, frameIntervalMs: 5 } });
      standIn.scenarios.set(N.refused, { media: { refuse: true } });

      const post = async (url: string, payload: object) => {
        const res = await api.app.inject({ method: 'POST', url, headers: a.headers, payload });
        expect(res.statusCode, res.body).toBeLessThan(300);
        return res.json();
      };
      const conn = await post('/v1/api/telephony/connections', {
        provider: 'twilio',
        name: 'Main',
        credentials: { accountSid: standIn.accountSid, authToken: standIn.authToken },
        fromNumbers: [FROM],
        callsPerSecond: 5,
      });
      const created = await post('/v1/api/agents', {
        name: 'Ava',
        greeting: 'Hello {first_name}, this is Ava.',
        connectionId: conn.id,
        transport: { type: 'stream', url: AGENT_URL },
        variables: ['first_name'],
      });
      const batch = await post('/v1/api/batch-calls', {
        agentId: created.id,
        recipients: Object.values(N).map((p) => ({ phone_number: p, first_name: 'Ann' })),
      });
      await h.start({ providers: telephonyProviders(h.rt) });
      await h.clock.runTo(T0 + 3_000);
      await until(() => standIn.calls.size === 3, 'the calls');

      await standIn.play();
      const callOf = async (phone: string) =>
        (await callsOf(h.db, batch.batchId)).find((c) => c.phone_number === phone)!;
      // A report that arrives after the end updates the result: wait for both, whatever the order.
      await until(async () => {
        await h.clock.runTo(h.clock.now() + 1_000);
        const done = await Promise.all(
          [N.agentEnds, N.callerEnds].map(async (p) => (await callOf(p)).transcript !== null),
        );
        return done.every(Boolean);
      }, 'the reports');

      const calls = await callsOf(h.db, batch.batchId);
      const attempts = await attemptsOf(h.db, batch.batchId);
      const byPhone = new Map(calls.map((c) => [c.phone_number, c]));
      const sessionOf = (phone: string) => {
        const call = [...standIn.calls.values()].find((c) => c.to === phone)!;
        return standIn.streams.find((s) => s.callSid === call.sid)!;
      };

      // The stream carried the ids of the attempt and the row's variables as Twilio passes them.
      for (const phone of [N.agentEnds, N.callerEnds]) {
        const session = sessionOf(phone);
        const call = byPhone.get(phone)!;
        const attempt = attempts.find((x) => x.call_id === call.id)!;
        expect(session.customParameters).toEqual({
          jobId: call.id,
          batchId: batch.batchId,
          attemptId: attempt.id,
          reportToken: expect.stringMatching(/.{20,}/),
          first_name: 'Ann',
        });
        const start = session.sent[1]!;
        expect(start).toMatchObject({
          event: 'start',
          sequenceNumber: '1',
          streamSid: session.streamSid,
          start: {
            accountSid: standIn.accountSid,
            callSid: session.callSid,
            streamSid: session.streamSid,
            mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
            customParameters: session.customParameters,
          },
        });
        // The agent logged what it received, never its token.
        expect(agent.lines).toContainEqual(
          expect.objectContaining({
            event: 'start',
            callSid: session.callSid,
            jobId: call.id,
            batchId: batch.batchId,
            attemptId: attempt.id,
            variables: { first_name: 'Ann' },
          }),
        );
        expect(agent.stdout.join('\n')).not.toContain(session.customParameters['reportToken']);
      }
      // The agent spoke back with Twilio's own messages, and Twilio answered its mark (the call the
      // caller ended may be over before the agent says anything).
      expect(sessionOf(N.agentEnds).received.map((m) => m['event'])).toEqual(['media', 'mark']);
      expect(sessionOf(N.agentEnds).sent).toContainEqual(
        expect.objectContaining({ event: 'mark', mark: { name: 'greeting' } }),
      );
      expect(sessionOf(N.agentEnds).ended).toBe('agent-closed');
      expect(sessionOf(N.callerEnds).ended).toBe('stop');
      expect(sessionOf(N.callerEnds).sent.at(-1)).toMatchObject({
        event: 'stop',
        stop: { accountSid: standIn.accountSid, callSid: sessionOf(N.callerEnds).callSid },
      });

      // The jobs carry the agent's outcome and transcript (its greeting, rendered for the row).
      const result = (phone: string) => {
        const c = byPhone.get(phone)!;
        return { state: c.state, outcome: c.outcome, transcript: c.transcript };
      };
      expect(result(N.agentEnds)).toEqual({
        state: 'completed',
        outcome: 'successful',
        transcript: 'Agent: Hello Ann, this is Ava.\nCustomer: (0.2 s of audio)',
      });
      expect(result(N.callerEnds)).toEqual({
        state: 'completed',
        outcome: 'successful',
        transcript: 'Agent: Hello Ann, this is Ava.\nCustomer: (0.1 s of audio)',
      });
      const status = await api.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batch.batchId}/calls/${byPhone.get(N.agentEnds)!.id}`,
        headers: a.headers,
      });
      expect(status.json().result).toMatchObject({
        outcome: 'successful',
        transcript: 'Agent: Hello Ann, this is Ava.\nCustomer: (0.2 s of audio)',
      });

      // The refused stream never reached the agent, and nothing reported for it.
      const refused = sessionOf(N.refused);
      expect(refused).toMatchObject({
        ended: 'failed',
        sent: [],
        error: expect.stringMatching(/^31920 /),
      });
      const refusedAttempt = attempts.find((x) => x.call_id === byPhone.get(N.refused)!.id)!;
      expect(agent.lines.filter((l) => l['attemptId'] === refusedAttempt.id)).toEqual([]);
      expect(byPhone.get(N.refused)!.transcript).toBeNull();

      // Every number was dialed once, every request was one Twilio takes.
      expect([...standIn.calls.values()].map((c) => c.to).sort()).toEqual(Object.values(N).sort());
      expect(standIn.violations).toEqual([]);
    }, 240_000);
  },
);
