// Which server, key and workspace a client command uses: flags win over the environment. Each
// setting remembers where it came from, so an error can name the variable or flag to fix.
import { type ClientConfig, ConfigError, serverUrl } from '../../config.js';
import { UsageError } from './client-error.js';

export interface ConnectionFlags {
  url?: string;
  apiKey?: string;
  workspace?: string;
}

export interface Connection {
  baseUrl: string;
  /** Where the address came from, for an error to name. */
  urlSource: '--url' | 'OUTDIAL_URL' | 'default';
  apiKey: string;
  /** `--api-key` or `OUTDIAL_API_KEY`. */
  keySource: string;
  workspaceId: string;
  /** `--workspace` or `OUTDIAL_WORKSPACE_ID`. */
  workspaceSource: string;
}

export const KEY_HINT = 'make one with `npx outdial keys create --workspace ws_…`';

/** What an HTTP header value can carry as is: visible ASCII, no spaces. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** Refuses a value fetch would reject (its error would quote the value: the key, perhaps). */
function headerValue(value: string, source: string): string {
  if (!HEADER_SAFE.test(value)) {
    throw new UsageError(`${source} holds spaces or characters an HTTP header cannot carry`);
  }
  return value;
}

export function resolveConnection(config: ClientConfig, flags: ConnectionFlags): Connection {
  let baseUrl = config.url;
  let urlSource: Connection['urlSource'] = config.urlFromEnv ? 'OUTDIAL_URL' : 'default';
  if (flags.url !== undefined) {
    try {
      baseUrl = serverUrl(flags.url, '--url');
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    urlSource = '--url';
  }
  const apiKey = flags.apiKey?.trim() || config.apiKey;
  if (!apiKey)
    throw new UsageError(`no API key: set OUTDIAL_API_KEY or pass --api-key (${KEY_HINT})`);
  const workspaceId = flags.workspace?.trim() || config.workspaceId;
  if (!workspaceId) {
    throw new UsageError('no workspace: set OUTDIAL_WORKSPACE_ID or pass --workspace (ws_…)');
  }
  const keySource = flags.apiKey?.trim() ? '--api-key' : 'OUTDIAL_API_KEY';
  const workspaceSource = flags.workspace?.trim() ? '--workspace' : 'OUTDIAL_WORKSPACE_ID';
  return {
    baseUrl,
    urlSource,
    apiKey: headerValue(apiKey, keySource),
    keySource,
    workspaceId: headerValue(workspaceId, workspaceSource),
    workspaceSource,
  };
}
