import type { AttemptRef } from '../../domain/attempt.js';
import type { AttemptEvent, CarrierEnd } from '../../domain/attempt-event.js';
import type { AttemptReason } from '../../domain/types.js';
import { type CalleePlan, calleePlan } from './behaviour.js';
import { simulatedTranscript } from './transcript.js';

// One attempt's timeline, computed from its start slot and its callee's plan: when it rings, when
// it is answered (by a person or a machine), when and how it ends. `place` plays it out on the
// clock; `lookup` reads it after a crash: both always agree.

export interface Timeline {
  plan: CalleePlan;
  ringingAt?: number;
  answeredAt?: number;
  endedAt: number;
}

/** What the carrier's SIP signalling would say for each reason. */
const SIP_CODE: Record<AttemptReason, number> = {
  answered: 200,
  voicemail: 200,
  busy: 486,
  no_answer: 480,
  unreachable: 404,
  carrier_blocked: 603,
  provider_error: 503,
  cancelled: 487,
  // The callee's leg was answered; only the bridge to the agent failed (never simulated).
  agent_unreachable: 200,
};

export const simulatedCallId = (attemptId: string) => `sim_${attemptId}`;

export function timelineOf(ref: AttemptRef, speed: number): Timeline {
  const plan = calleePlan(ref.phoneNumber, ref.attemptNo);
  const ms = (sec: number) => Math.round((sec * 1000) / speed);
  const ringEnd = ref.startedAt + ms(plan.ringSec);
  // A line that is busy, dead, blocked or failing never rings.
  const rings =
    plan.reason === 'answered' || plan.reason === 'voicemail' || plan.reason === 'no_answer';
  const ringing = rings ? { ringingAt: ref.startedAt } : {};
  if (plan.reason !== 'answered' && plan.reason !== 'voicemail') {
    return { plan, ...ringing, endedAt: ringEnd };
  }
  return { plan, ...ringing, answeredAt: ringEnd, endedAt: ringEnd + ms(plan.talkSec) };
}

/** The end the carrier reports (with the simulated agent's outcome and transcript). */
export function endOf(ref: AttemptRef, t: Timeline): CarrierEnd {
  const { plan } = t;
  const end: CarrierEnd = {
    reason: plan.reason,
    endedAt: t.endedAt,
    providerCallId: simulatedCallId(ref.attemptId),
    sipCode: SIP_CODE[plan.reason],
  };
  if (plan.errorMessage) end.errorMessage = plan.errorMessage;
  if (t.answeredAt !== undefined && plan.outcome) {
    end.answeredAt = t.answeredAt;
    end.outcome = plan.outcome;
    // Talk time in simulated seconds: results read the same at any OUTDIAL_SIM_SPEED.
    end.durationSec = plan.talkSec;
    end.transcript = simulatedTranscript({
      agent: ref.agent,
      variables: ref.variables,
      outcome: plan.outcome,
      extraTurns: plan.extraTurns,
      seed: `${ref.phoneNumber}#${ref.attemptNo}`,
    });
  }
  return end;
}

/** The stages of a timeline after which it emits an event, in order. */
export type Stage = 'ringing' | 'answered' | 'ended';

/** The next stage after `stage` (undefined: from the start) and when it happens. */
export function nextStage(
  t: Timeline,
  stage: Stage | undefined,
): { stage: Stage; at: number } | undefined {
  if (stage === undefined && t.ringingAt !== undefined)
    return { stage: 'ringing', at: t.ringingAt };
  if ((stage === undefined || stage === 'ringing') && t.answeredAt !== undefined) {
    return { stage: 'answered', at: t.answeredAt };
  }
  if (stage !== 'ended') return { stage: 'ended', at: t.endedAt };
  return undefined;
}

/**
 * The event of one stage. The end (with its transcript) is built only when it is due: a call in
 * progress holds its timeline, never its transcript.
 */
export function eventOf(ref: AttemptRef, t: Timeline, stage: Stage): AttemptEvent {
  const attemptId = ref.attemptId;
  const providerCallId = simulatedCallId(attemptId);
  switch (stage) {
    case 'ringing':
      return { attemptId, kind: 'ringing', at: t.ringingAt!, providerCallId };
    case 'answered':
      return {
        attemptId,
        kind: t.plan.reason === 'voicemail' ? 'machine_detected' : 'answered',
        at: t.answeredAt!,
        providerCallId,
      };
    case 'ended':
      return { attemptId, kind: 'ended', ending: { kind: 'carrier', end: endOf(ref, t) } };
  }
}
