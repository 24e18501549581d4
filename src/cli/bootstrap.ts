import type { Config } from '../config.js';
import { generateApiKey } from '../domain/api-key.js';
import { newId } from '../domain/ids.js';
import { resolveKeySecret } from '../security/key-secret.js';
import { getAgentById, insertAgent, listAgents } from '../storage/agents-repo.js';
import { findLiveKey, insertApiKey } from '../storage/api-keys-repo.js';
import { withBootstrapLock } from '../storage/bootstrap-repo.js';
import type { Db } from '../storage/db.js';
import { countWorkspaces, getWorkspace, insertWorkspace } from '../storage/workspaces-repo.js';
import { demoAgent } from './demo-agent.js';

export interface FirstRun {
  workspaceId: string;
  apiKey: string;
  agentId: string;
}

/**
 * With OUTDIAL_BOOTSTRAP_* set: makes sure that workspace, key and agent exist (scripted setups).
 * Otherwise, on an empty database only: creates a workspace, a key and a demo agent and returns
 * them so they can be shown once. Returns undefined when there was nothing to create or show.
 */
export async function bootstrap(
  db: Db,
  config: Config,
  now: number,
): Promise<FirstRun | undefined> {
  const b = config.bootstrap;
  const secret = await resolveKeySecret(db, config);
  return withBootstrapLock(db, async (q) => {
    if (b.workspaceId && b.apiKey) {
      if (!(await getWorkspace(q, b.workspaceId))) {
        await insertWorkspace(q, { id: b.workspaceId, name: 'Default workspace', createdAt: now });
      }
      const key = await findLiveKey(q, secret, b.apiKey);
      if (key && key.workspaceId !== b.workspaceId) {
        throw new Error('OUTDIAL_BOOTSTRAP_API_KEY already belongs to another workspace');
      }
      if (!key) {
        await insertApiKey(q, secret, {
          id: newId('key', now),
          workspaceId: b.workspaceId,
          key: b.apiKey,
          name: 'bootstrap',
          createdAt: now,
        });
      }
      if (b.agentId) {
        const agent = await getAgentById(q, b.agentId);
        if (agent && agent.workspaceId !== b.workspaceId) {
          throw new Error('OUTDIAL_BOOTSTRAP_AGENT_ID already belongs to another workspace');
        }
        if (!agent) await insertAgent(q, demoAgent(b.agentId, b.workspaceId, now));
      } else if ((await listAgents(q, b.workspaceId)).length === 0) {
        await insertAgent(q, demoAgent(newId('agent', now), b.workspaceId, now));
      }
      return undefined;
    }
    if ((await countWorkspaces(q)) > 0) return undefined;
    const workspaceId = newId('ws', now);
    const apiKey = generateApiKey();
    const agentId = newId('agent', now);
    await insertWorkspace(q, { id: workspaceId, name: 'Default workspace', createdAt: now });
    await insertApiKey(q, secret, {
      id: newId('key', now),
      workspaceId,
      key: apiKey,
      name: 'first run',
      createdAt: now,
    });
    await insertAgent(q, demoAgent(agentId, workspaceId, now));
    return { workspaceId, apiKey, agentId };
  });
}

/** The line a new user pastes into the shell they run curl from (README, "Your first batch"). */
export function firstRunExports(f: FirstRun, baseUrl: string): string {
  return `export BASE=${baseUrl} KEY=${f.apiKey} WS=${f.workspaceId} AGENT=${f.agentId}`;
}

/** What a new user sees once: the credentials, and commands they can paste as they are. */
export function firstRunBanner(f: FirstRun, baseUrl: string): string {
  return [
    '',
    'Outdial created your workspace, API key and a demo agent. The key is shown only this once:',
    '',
    `  workspace  ${f.workspaceId}`,
    `  API key    ${f.apiKey}`,
    `  agent      ${f.agentId}`,
    '',
    'Open the dashboard and sign in with the workspace and API key above:',
    '',
    `  ${baseUrl}/`,
    '',
    'Or, to use the API from a terminal, paste this line in the terminal you will run curl from:',
    '',
    `  ${firstRunExports(f, baseUrl)}`,
    '',
    'Then start a batch with the sample contacts (README.md, "Your first batch", shows how to follow it):',
    '',
    '  curl -s "$BASE/v1/api/batch-calls" -H "x-api-key: $KEY" -H "x-workspace-id: $WS" \\',
    '    -F file=@examples/contacts.csv -F agentId="$AGENT"',
    '',
  ].join('\n');
}
