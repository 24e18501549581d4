// `outdial serve --workers 0` on the run database: the API only, so nothing is ever dialed.
import { randomBytes } from 'node:crypto';
import { newId } from '../dist/domain/ids.js';
import { startNodeServer } from './child-process.js';

/** One workspace, key and agent per run; the server creates them at start (idempotently). */
export function benchCredentials() {
  return {
    workspaceId: newId('ws'),
    apiKey: `od_bench${randomBytes(18).toString('base64url')}`,
    agentId: newId('agent'),
  };
}

export async function startOutdial(databaseUrl, creds) {
  const server = await startNodeServer({
    label: 'outdial serve',
    args: ['bin/outdial.js', 'serve', '--workers', '0'],
    env: {
      DATABASE_URL: databaseUrl,
      OUTDIAL_BOOTSTRAP_WORKSPACE_ID: creds.workspaceId,
      OUTDIAL_BOOTSTRAP_API_KEY: creds.apiKey,
      OUTDIAL_BOOTSTRAP_AGENT_ID: creds.agentId,
      // The per-workspace rate limit would otherwise be what the load test measures.
      OUTDIAL_RATE_LIMIT_PER_MIN: '100000000',
      LOG_LEVEL: 'warn',
    },
    readyPath: '/readyz',
  });
  return {
    ...server,
    headers: { 'x-api-key': creds.apiKey, 'x-workspace-id': creds.workspaceId },
    agentId: creds.agentId,
  };
}
