import type { Agent } from '../../domain/types.js';
import type { AgentBody } from '../schemas/agents.js';

/** The agent as §14 shows it: everything but the workspace, optional fields absent when unset. */
export function presentAgent(a: Agent): AgentBody {
  return {
    id: a.id,
    name: a.name,
    greeting: a.greeting,
    prompt: a.prompt,
    ...(a.fromNumber === undefined ? {} : { fromNumber: a.fromNumber }),
    provider: a.provider,
    smartCallback: a.smartCallback,
    maxAttemptsForSmartCallback: a.maxAttemptsForSmartCallback,
    gapBetweenEachAttemptForSmartCallback: a.gapBetweenEachAttemptForSmartCallback,
    ...(a.variables === undefined ? {} : { variables: a.variables }),
    ...(a.connectionId === undefined ? {} : { connectionId: a.connectionId }),
    ...(a.transport === undefined ? {} : { transport: a.transport }),
    ...(a.machineDetection === undefined ? {} : { machineDetection: a.machineDetection }),
    ...(a.ringTimeoutSec === undefined ? {} : { ringTimeoutSec: a.ringTimeoutSec }),
    ...(a.maxCallDurationSec === undefined ? {} : { maxCallDurationSec: a.maxCallDurationSec }),
    ...(a.fallbackMessage === undefined ? {} : { fallbackMessage: a.fallbackMessage }),
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}
