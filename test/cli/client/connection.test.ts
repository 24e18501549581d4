import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/client/client-error.js';
import { resolveConnection } from '../../../src/cli/client/connection.js';
import { ConfigError, loadClientConfig, serverUrl } from '../../../src/config.js';

const env = {
  OUTDIAL_URL: 'http://10.0.0.5:3000/',
  OUTDIAL_API_KEY: 'od_env_key',
  OUTDIAL_WORKSPACE_ID: 'ws_env',
};

describe('client settings from the environment', () => {
  it('reads the three variables, with the default address', () => {
    expect(loadClientConfig(env)).toEqual({
      url: 'http://10.0.0.5:3000',
      urlFromEnv: true,
      apiKey: 'od_env_key',
      workspaceId: 'ws_env',
    });
    expect(loadClientConfig({})).toEqual({ url: 'http://127.0.0.1:3000', urlFromEnv: false });
    expect(loadClientConfig({ OUTDIAL_URL: ' ', OUTDIAL_API_KEY: '' })).toEqual({
      url: 'http://127.0.0.1:3000',
      urlFromEnv: false,
    });
  });

  it('does not depend on the server settings', () => {
    expect(() => loadClientConfig({ ...env, LOG_FORMAT: 'nonsense', PORT: 'x' })).not.toThrow();
  });

  it('keeps a path prefix and refuses what is not a server address', () => {
    expect(serverUrl('https://proxy.example.com/outdial/', 'OUTDIAL_URL')).toBe(
      'https://proxy.example.com/outdial',
    );
    expect(() => serverUrl('localhost:3000', 'OUTDIAL_URL')).toThrow(
      `OUTDIAL_URL must be the server's address like http://127.0.0.1:3000: "localhost:3000" does not start with http:// or https://`,
    );
    expect(() => serverUrl('not a url', 'OUTDIAL_URL')).toThrow(ConfigError);
    expect(() => serverUrl('http://u:p@host', 'OUTDIAL_URL')).toThrow(
      'it holds a user name or password; the API key goes in OUTDIAL_API_KEY',
    );
    expect(() => serverUrl('http://host/?key=1', 'OUTDIAL_URL')).toThrow('query or a fragment');
  });
});

describe('the connection a command uses', () => {
  const config = loadClientConfig(env);

  it('takes the environment and remembers it as the source', () => {
    expect(resolveConnection(config, {})).toEqual({
      baseUrl: 'http://10.0.0.5:3000',
      urlSource: 'OUTDIAL_URL',
      apiKey: 'od_env_key',
      keySource: 'OUTDIAL_API_KEY',
      workspaceId: 'ws_env',
      workspaceSource: 'OUTDIAL_WORKSPACE_ID',
    });
  });

  it('lets each flag win over its variable', () => {
    const flags = { url: 'http://127.0.0.1:4000', apiKey: 'od_flag', workspace: 'ws_flag' };
    expect(resolveConnection(config, flags)).toEqual({
      baseUrl: 'http://127.0.0.1:4000',
      urlSource: '--url',
      apiKey: 'od_flag',
      keySource: '--api-key',
      workspaceId: 'ws_flag',
      workspaceSource: '--workspace',
    });
  });

  it('is a usage error without a key or a workspace, naming the variable and flag', () => {
    expect(() => resolveConnection(loadClientConfig({}), {})).toThrow(
      new UsageError(
        'no API key: set OUTDIAL_API_KEY or pass --api-key (make one with `npx outdial keys ' +
          'create --workspace ws_…`)',
      ),
    );
    expect(() => resolveConnection(loadClientConfig({ OUTDIAL_API_KEY: 'k' }), {})).toThrow(
      'no workspace: set OUTDIAL_WORKSPACE_ID or pass --workspace (ws_…)',
    );
  });

  it('refuses a bad --url as a usage error', () => {
    try {
      resolveConnection(config, { url: 'ftp://x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(/^--url must be the server's address/);
    }
  });

  it('refuses a key a header cannot carry, without quoting it', () => {
    const key = 'od_secret with space';
    try {
      resolveConnection(config, { apiKey: key });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe(
        '--api-key holds spaces or characters an HTTP header cannot carry',
      );
      expect((err as Error).message).not.toContain('secret');
    }
  });
});
