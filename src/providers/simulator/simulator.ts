import type { Clock } from '../../domain/clock.js';
import {
  type AttemptRef,
  abortError,
  type DialRequest,
  type DialResult,
  type TelephonyProvider,
} from '../provider.js';
import { type CalleePlan, calleePlan } from './behaviour.js';
import { simulatedTranscript } from './transcript.js';

// The default provider: dials nobody and plays the callee. Every attempt's timeline is computed
// from its start slot and its plan, so `dial` (which waits it out on the clock) and `lookup`
// (which reads it after a crash) always agree.

export interface SimulatorOptions {
  clock: Clock;
  /** 1 = real time; 60 plays a one-minute call in one second. */
  speed: number;
}

interface Timeline {
  plan: CalleePlan;
  answeredAt?: number;
  endedAt: number;
}

function timeline(req: DialRequest, speed: number): Timeline {
  const plan = calleePlan(req.phoneNumber, req.attemptNo);
  const ms = (sec: number) => Math.round((sec * 1000) / speed);
  const ringEnd = req.startedAt + ms(plan.ringSec);
  if (plan.reason !== 'answered' && plan.reason !== 'voicemail') {
    return { plan, endedAt: ringEnd };
  }
  return { plan, answeredAt: ringEnd, endedAt: ringEnd + ms(plan.talkSec) };
}

function resultOf(req: DialRequest, t: Timeline): DialResult {
  const { plan } = t;
  const result: DialResult = {
    reason: plan.reason,
    endedAt: t.endedAt,
    providerCallId: `sim_${req.attemptId}`,
  };
  if (plan.errorMessage) result.errorMessage = plan.errorMessage;
  if (t.answeredAt !== undefined && plan.outcome) {
    result.answeredAt = t.answeredAt;
    result.outcome = plan.outcome;
    // Talk time in simulated seconds: results read the same at any OUTDIAL_SIM_SPEED.
    result.durationSec = plan.talkSec;
    result.transcript = simulatedTranscript({
      agent: req.agent,
      variables: req.variables,
      outcome: plan.outcome,
      extraTurns: plan.extraTurns,
      seed: `${req.phoneNumber}#${req.attemptNo}`,
    });
  }
  return result;
}

export function createSimulator(opts: SimulatorOptions): TelephonyProvider {
  if (!(opts.speed > 0)) throw new Error(`simulator speed must be > 0, got ${opts.speed}`);
  return {
    name: 'simulator',
    capabilities: { lookup: true, answeringMachineDetection: true },
    async dial(req, signal) {
      if (signal?.aborted) throw abortError();
      const t = timeline(req, opts.speed);
      const wait = t.endedAt - opts.clock.now();
      if (wait > 0) await opts.clock.sleep(wait, signal);
      if (signal?.aborted) throw abortError();
      return resultOf(req, t);
    },
    async lookup(attempt: AttemptRef) {
      if (!attempt.phoneNumber || !(attempt.attemptNo >= 1)) return 'unknown';
      const t = timeline(attempt, opts.speed);
      return opts.clock.now() < t.endedAt ? 'in_progress' : resultOf(attempt, t);
    },
  };
}
