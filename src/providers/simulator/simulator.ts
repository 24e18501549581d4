import type { Clock } from '../../domain/clock.js';
import type { LookupAnswer } from '../../domain/recovery.js';
import { TimerQueue } from '../../domain/timer-queue.js';
import type {
  AttemptEventSink,
  AttemptRef,
  LocalCalls,
  PlaceResult,
  TelephonyProvider,
} from '../provider.js';
import {
  endOf,
  eventOf,
  nextStage,
  type Stage,
  simulatedCallId,
  type Timeline,
  timelineOf,
} from './timeline.js';

// The default provider: dials nobody and plays both the carrier and the callee. It accepts a call
// at once (or after `acceptMs`, a carrier API's latency), then reports ringing, the answer (by a
// person or a machine) and the end through the recording path, each at its time on the clock —
// but none before it has answered the request, as a carrier's callbacks follow its API answer.
// Every attempt's timeline is a pure function of its number, attempt number and start slot, so
// what it reports and what `lookup` says after a crash always agree.
//
// What it claims after a crash: `lookup` answers every attempt from its timeline, as though the
// call had been placed at its start slot. It never says "not found": a process that died may
// have placed the call, and a new one cannot know, so it cannot prove a call's absence
// (capabilities.provesAbsence is false). A placing attempt lost with its worker is therefore
// settled as its timeline says, never released and dialed again.

export interface SimulatorOptions {
  clock: Clock;
  /** 1 = real time; 60 plays a one-minute call in one second. */
  speed: number;
  /** Where its events go: the engine's recording path. */
  events: AttemptEventSink;
  /** How long the simulated carrier takes to accept a call (ms of clock time). Default 0. */
  acceptMs?: number;
}

interface InFlight {
  ref: AttemptRef;
  t: Timeline;
  stage: Stage | undefined;
  /** When the request was answered: no event is delivered before. */
  acceptedAt: number;
}

export function createSimulator(opts: SimulatorOptions): TelephonyProvider {
  if (!(opts.speed > 0)) throw new Error(`simulator speed must be > 0, got ${opts.speed}`);
  const acceptMs = opts.acceptMs ?? 0;
  // Calls placed whose end has not been recorded yet; `idle` waiters are told when it reaches 0.
  let inProgress = 0;
  let idleWaiters: Array<() => void> = [];
  const settledOne = () => {
    inProgress--;
    if (inProgress === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  const queue = new TimerQueue<InFlight>(opts.clock, (call) => {
    const stage = call.stage;
    const event = eventOf(call.ref, call.t, stage!);
    if (stage === 'ended') {
      void opts.events.record(event).finally(settledOne);
      return;
    }
    void opts.events.record(event);
    const next = nextStage(call.t, stage);
    if (next) {
      call.stage = next.stage;
      queue.add(Math.max(next.at, call.acceptedAt), call);
    }
  });

  const local: LocalCalls = {
    inProgress: () => inProgress,
    idle: (signal) =>
      new Promise<void>((resolve) => {
        if (inProgress === 0 || signal.aborted) return resolve();
        idleWaiters.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    close: () => queue.close().map((c) => c.ref.attemptId),
  };

  return {
    name: 'simulator',
    capabilities: {
      lookupByAttempt: true,
      lookupByCallId: true,
      provesAbsence: false,
      machineDetection: true,
      hangUp: false,
      localEvents: true,
    },
    local,
    async place(ref): Promise<PlaceResult> {
      const t = timelineOf(ref, opts.speed);
      const first = nextStage(t, undefined)!;
      // The call's timeline starts at its slot whenever the request is answered; its events are
      // reported from then on.
      const acceptedAt = opts.clock.now() + acceptMs;
      queue.add(Math.max(first.at, acceptedAt), { ref, t, stage: first.stage, acceptedAt });
      inProgress++;
      if (acceptMs > 0) await opts.clock.sleep(acceptMs);
      return {
        accepted: true,
        providerCallId: simulatedCallId(ref.attemptId),
        // Its end is known from the start: a process that dies takes the events with it.
        endsBy: t.endedAt,
      };
    },
    async lookup(ref): Promise<LookupAnswer> {
      if (!ref.phoneNumber || !(ref.attemptNo >= 1)) return { status: 'unknown' };
      const t = timelineOf(ref, opts.speed);
      const now = opts.clock.now();
      if (now >= t.endedAt) return { status: 'ended', end: endOf(ref, t) };
      return {
        status: 'in_progress',
        providerCallId: simulatedCallId(ref.attemptId),
        ...(t.answeredAt !== undefined && t.answeredAt <= now ? { answeredAt: t.answeredAt } : {}),
      };
    },
  };
}
