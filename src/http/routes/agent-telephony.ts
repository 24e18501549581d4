import { type AgentTransport, transportProblem } from '../../domain/agent-transport.js';
import { CONNECTION_PROVIDERS, type ConnectionProvider } from '../../domain/connection.js';
import { badRequest } from '../../domain/errors.js';
import { lockConnectionForAgent } from '../../storage/connections-repo.js';
import type { Queryable } from '../../storage/db.js';

// §21: an agent's connection decides its provider; a connected agent needs a transport that can
// carry an answered call. Checked inside the agent's own transaction, with the connection locked
// against a concurrent delete.

const invalid = (message: string) =>
  badRequest('Bad Request', message, { code: 'invalid_request' });

/** Only the transport's own keys are stored (the body's objects are open to unknown keys). */
export function storedTransport(t: AgentTransport): AgentTransport {
  return t.type === 'sip' ? { type: 'sip', uri: t.uri } : { type: t.type, url: t.url };
}

export interface AgentTelephony {
  /** The connection the agent will name (undefined: none). */
  connectionId: string | undefined;
  transport: AgentTransport | undefined;
  /** The `provider` given in the body, if any. */
  provider: string | undefined;
}

/** The agent's provider once `next` is stored; 400 when the fields do not fit together. */
export async function checkAgentTelephony(
  q: Queryable,
  workspaceId: string,
  next: AgentTelephony,
  previousProvider?: string,
): Promise<string> {
  if (next.transport !== undefined) {
    const problem = transportProblem(next.transport);
    if (problem) throw invalid(problem);
  }
  if (next.connectionId === undefined) {
    const provider =
      next.provider ??
      // Leaving a connection returns the agent to the simulator unless a provider is named.
      (previousProvider && !isConnectionProvider(previousProvider)
        ? previousProvider
        : 'simulator');
    if (isConnectionProvider(provider)) {
      throw invalid(`provider ${provider} places calls through a connection: give a connectionId`);
    }
    return provider;
  }
  const provider = await lockConnectionForAgent(q, workspaceId, next.connectionId);
  if (provider === undefined) {
    throw invalid(`connectionId: no connection ${next.connectionId} in this workspace`);
  }
  if (next.provider !== undefined && next.provider !== provider) {
    throw invalid(
      `provider ${next.provider} disagrees with the connection, whose provider is ${provider}`,
    );
  }
  if (next.transport === undefined) {
    throw invalid('transport is required with a connectionId: where answered calls are bridged');
  }
  return provider;
}

const isConnectionProvider = (p: string): p is ConnectionProvider =>
  (CONNECTION_PROVIDERS as readonly string[]).includes(p);
