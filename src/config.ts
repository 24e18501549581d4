// The one place that reads the environment. Everything else receives a Config.
import path from 'node:path';

/** Shortest OUTDIAL_KEY_SECRET accepted: 32 characters, e.g. 16 random bytes in hex. */
export const MIN_KEY_SECRET_LENGTH = 32;

export type DatabaseTarget =
  | { kind: 'pglite-dir'; dataDir: string }
  | { kind: 'pglite-memory' }
  | { kind: 'postgres'; url: string };

export interface Config {
  database: DatabaseTarget;
  dataDir: string;
  host: string;
  port: number;
  logLevel: string;
  /** `json` lines, `pretty` lines for a person, or `auto`: pretty when stdout is a terminal. */
  logFormat: LogFormat;
  maxUploadBytes: number;
  /**
   * Embedded database: disk space (MB) kept free beyond what an upload needs; an upload that
   * would leave less is refused with 507. 0 turns the free-space check off.
   */
  minFreeDiskMb: number;
  /** Attempts in all under the default retry policy (first attempt included). */
  maxAttempts: number;
  /** Delay before attempt k+1 is retryDelaysMs[k-1]; the last value repeats. */
  retryDelaysMs: number[];
  simSpeed: number;
  /** How long the simulated carrier takes to accept a call (its API's latency). */
  simAcceptMs: number;
  /** A worker's hold on a claimed or placing attempt; past it, the worker is taken for lost. */
  leaseMs: number;
  pollMs: number;
  shutdownGraceMs: number;
  /**
   * Ext §21: how long an answered real call waits, after the carrier's end, for its agent's report
   * before it completes without one (outcome `unknown`).
   */
  agentReportGraceMs: number;
  /**
   * Attempts one engine holds between claim and the carrier's acceptance (claimed + placing).
   * Not a cap on calls in progress (those hold nothing in the worker): a bound on memory, far
   * above what pacing lets a worker claim in one horizon.
   */
  maxPlacing: number;
  /**
   * How long the recording path lets events gather before its next group commit once they arrive
   * faster than it commits (see domain/group-linger.ts); the delivery workers' success writes
   * wait the same. 0: never waits.
   */
  recordLingerMs: number;
  /** How long a carrier lets a call ring before giving up. */
  ringTimeoutMs: number;
  /** The longest call an agent may hold. */
  maxCallMs: number;
  /**
   * Slack for late carrier callbacks: a placing attempt whose worker was lost is looked up
   * ringTimeout + margin after its slot, an in_call attempt with no end ringTimeout + maxCall +
   * margin after it.
   */
  recoveryMarginMs: number;
  /**
   * `serve` and `worker`: how far V8 lets the heap grow past what its last full collection kept,
   * in percent (100: to twice). 0 leaves V8's own choice (up to four times). See cli/heap-growth.ts.
   */
  heapGrowthPercent: number;
  /**
   * Requests per minute one workspace may make to the /v1 API, counted per API process (each of
   * several `outdial serve` processes allows this many). 0 turns the limit off.
   */
  rateLimitPerMin: number;
  /**
   * Requests with a wrong or revoked API key one client address may make per minute before its
   * further unverified keys get 429. 0 turns the limit off.
   */
  authFailuresPerMin: number;
  /** Fastify's `trustProxy`: which proxies' X-Forwarded-For names the client address. */
  trustProxy: boolean | string;
  /** The deployment secret (API-key hashes, sealed secrets); see src/security/key-secret.ts. */
  keySecret?: string;
  /**
   * The embedded database's key file (`<dataDir>/outdial.key`, 0600), which holds the deployment
   * secret when OUTDIAL_KEY_SECRET is unset; absent on PostgreSQL and in-memory databases.
   */
  keyFile?: string;
  /** Port of `outdial worker`'s /metrics and /healthz listener; unset = none. */
  metricsPort?: number;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string;
  bootstrap: { workspaceId?: string; apiKey?: string; agentId?: string };
  /** Webhooks may target loopback, private and link-local addresses (tests, private networks). */
  webhookAllowPrivate: boolean;
  /** Days a finished webhook delivery is kept in the log before maintenance removes it. */
  webhookRetentionDays: number;
  /** OUTDIAL_PUBLIC_URL: the base address carriers call back (no trailing slash); unset = none. */
  publicUrl?: string;
  /** OUTDIAL_TWILIO_API_BASE_URL: where Twilio's REST API is (a regional edge, a test stand-in). */
  twilioApiBaseUrl: string;
}

export class ConfigError extends Error {}

export type LogFormat = 'auto' | 'json' | 'pretty';

function logFormat(env: Env): LogFormat {
  const raw = env['LOG_FORMAT']?.trim() || 'auto';
  if (raw === 'auto' || raw === 'json' || raw === 'pretty') return raw;
  throw new ConfigError(`LOG_FORMAT must be auto, json or pretty, got "${raw}"`);
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return n;
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${name} must be a number > 0, got "${raw}"`);
  return n;
}

/** `true`, `false`, or the proxies' addresses and CIDR ranges, comma-separated. */
function trustProxy(env: Env): boolean | string {
  const raw = env['OUTDIAL_TRUST_PROXY']?.trim();
  if (!raw || raw === 'false') return false;
  return raw === 'true' ? true : raw;
}

function keySecret(env: Env): string | undefined {
  const raw = env['OUTDIAL_KEY_SECRET'];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < MIN_KEY_SECRET_LENGTH) {
    throw new ConfigError(
      `OUTDIAL_KEY_SECRET must be at least ${MIN_KEY_SECRET_LENGTH} characters (try: openssl rand -hex 32)`,
    );
  }
  return raw;
}

function delays(env: Env, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parts = raw.split(',').map((p) => Number(p.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new ConfigError(`${name} must be a comma-separated list of milliseconds, got "${raw}"`);
  }
  return parts;
}

function database(env: Env, dataDir: string): DatabaseTarget {
  const url = env['DATABASE_URL']?.trim();
  if (!url) return { kind: 'pglite-dir', dataDir };
  if (url === 'memory://' || url === 'memory:') return { kind: 'pglite-memory' };
  if (url.startsWith('postgres://') || url.startsWith('postgresql://'))
    return { kind: 'postgres', url };
  if (url.startsWith('file://')) return { kind: 'pglite-dir', dataDir: path.resolve(url.slice(7)) };
  throw new ConfigError(
    `DATABASE_URL must be postgres://…, memory:// or file://<dir>, got "${url.split('@').pop()}"`,
  );
}

/** The key file sits beside the embedded database it belongs to, outside the database itself. */
export const KEY_FILE = 'outdial.key';
const keyFileOf = (d: DatabaseTarget) =>
  d.kind === 'pglite-dir' ? path.join(d.dataDir, KEY_FILE) : undefined;

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

/** The server the client commands (`outdial batch …`, `outdial validate`) talk to by default. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:3000';

/**
 * What the client commands read from the environment. Kept apart from Config: a client needs none
 * of the server's settings, and a server setting it cannot parse must not stop it.
 */
export interface ClientConfig {
  /** OUTDIAL_URL, checked by serverUrl; DEFAULT_SERVER_URL when unset. */
  url: string;
  /** Whether `url` came from OUTDIAL_URL (named in errors) or is the default. */
  urlFromEnv: boolean;
  /** OUTDIAL_API_KEY: sent as x-api-key, never printed. */
  apiKey?: string;
  /** OUTDIAL_WORKSPACE_ID: sent as x-workspace-id. */
  workspaceId?: string;
}

/**
 * An Outdial server's base address from `source` (a variable or flag name, for the error): http or
 * https, no credentials (the key travels in a header, never in a URL), no query or fragment. A
 * path is kept, for a server behind a proxy prefix; the trailing slash is dropped.
 */
export function serverUrl(raw: string, source: string): string {
  const fail = (why: string) =>
    new ConfigError(`${source} must be the server's address like ${DEFAULT_SERVER_URL}: ${why}`);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw fail(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw fail(`"${raw}" does not start with http:// or https://`);
  }
  if (url.username || url.password) {
    throw fail('it holds a user name or password; the API key goes in OUTDIAL_API_KEY');
  }
  if (url.search || url.hash) throw fail('it has a query or a fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function loadClientConfig(env: Env = process.env): ClientConfig {
  const rawUrl = env['OUTDIAL_URL']?.trim();
  const apiKey = env['OUTDIAL_API_KEY']?.trim();
  const workspaceId = env['OUTDIAL_WORKSPACE_ID']?.trim();
  return {
    url: rawUrl ? serverUrl(rawUrl, 'OUTDIAL_URL') : DEFAULT_SERVER_URL,
    urlFromEnv: Boolean(rawUrl),
    ...optional('apiKey', apiKey || undefined),
    ...optional('workspaceId', workspaceId || undefined),
  };
}

/** An http(s) base address from the environment variable `name`, without its trailing slash. */
function baseUrl(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http:// or https:// address, got "${raw}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new ConfigError(`${name} must be an http:// or https:// address, got "${raw}"`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`${name} must not hold a user name or password`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export const DEFAULT_TWILIO_API_BASE_URL = 'https://api.twilio.com';

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env['OUTDIAL_DATA_DIR'] || './data');
  const leaseMs = int(env, 'OUTDIAL_LEASE_MS', 60_000, 1_000);
  const bootstrap: Config['bootstrap'] = {};
  if (env['OUTDIAL_BOOTSTRAP_WORKSPACE_ID'])
    bootstrap.workspaceId = env['OUTDIAL_BOOTSTRAP_WORKSPACE_ID'];
  if (env['OUTDIAL_BOOTSTRAP_API_KEY']) bootstrap.apiKey = env['OUTDIAL_BOOTSTRAP_API_KEY'];
  if (env['OUTDIAL_BOOTSTRAP_AGENT_ID']) bootstrap.agentId = env['OUTDIAL_BOOTSTRAP_AGENT_ID'];
  if ((bootstrap.workspaceId === undefined) !== (bootstrap.apiKey === undefined)) {
    throw new ConfigError(
      'OUTDIAL_BOOTSTRAP_WORKSPACE_ID and OUTDIAL_BOOTSTRAP_API_KEY must be set together',
    );
  }
  const target = database(env, dataDir);
  return {
    database: target,
    dataDir,
    host: env['HOST'] || '127.0.0.1',
    port: int(env, 'PORT', 3000, 0),
    logLevel: env['LOG_LEVEL'] || 'info',
    logFormat: logFormat(env),
    maxUploadBytes: int(env, 'OUTDIAL_MAX_UPLOAD_BYTES', 20 * 1024 * 1024, 1),
    minFreeDiskMb: int(env, 'OUTDIAL_MIN_FREE_DISK_MB', 64, 0),
    maxAttempts: int(env, 'OUTDIAL_MAX_ATTEMPTS', 3, 1),
    retryDelaysMs: delays(env, 'OUTDIAL_RETRY_DELAYS_MS', [120_000, 240_000]),
    simSpeed: positiveNumber(env, 'OUTDIAL_SIM_SPEED', 1),
    simAcceptMs: int(env, 'OUTDIAL_SIM_ACCEPT_MS', 0, 0),
    leaseMs,
    pollMs: int(env, 'OUTDIAL_POLL_MS', 1_000, 10),
    shutdownGraceMs: int(env, 'OUTDIAL_SHUTDOWN_GRACE_MS', 30_000, 0),
    agentReportGraceMs: int(env, 'OUTDIAL_AGENT_REPORT_GRACE_MS', 30_000, 0),
    maxPlacing: int(env, 'OUTDIAL_MAX_PLACING', 10_000, 1),
    recordLingerMs: int(env, 'OUTDIAL_RECORD_LINGER_MS', 50, 0),
    ringTimeoutMs: int(env, 'OUTDIAL_RING_TIMEOUT_MS', 60_000, 1_000),
    maxCallMs: int(env, 'OUTDIAL_MAX_CALL_MS', 3_600_000, 1_000),
    recoveryMarginMs: int(env, 'OUTDIAL_RECOVERY_MARGIN_MS', 30_000, 0),
    heapGrowthPercent: int(env, 'OUTDIAL_HEAP_GROWTH_PERCENT', 100, 0),
    rateLimitPerMin: int(env, 'OUTDIAL_RATE_LIMIT_PER_MIN', 600, 0),
    authFailuresPerMin: int(env, 'OUTDIAL_AUTH_FAILURES_PER_MIN', 200, 0),
    trustProxy: trustProxy(env),
    ...optional('keySecret', keySecret(env)),
    ...optional('keyFile', keyFileOf(target)),
    ...optional(
      'metricsPort',
      env['OUTDIAL_METRICS_PORT'] ? int(env, 'OUTDIAL_METRICS_PORT', 0, 0) : undefined,
    ),
    ...optional('metricsToken', env['OUTDIAL_METRICS_TOKEN'] || undefined),
    bootstrap,
    webhookAllowPrivate: env['OUTDIAL_WEBHOOK_ALLOW_PRIVATE']?.trim() === 'true',
    webhookRetentionDays: int(env, 'OUTDIAL_WEBHOOK_RETENTION_DAYS', 30, 1),
    ...optional('publicUrl', baseUrl(env, 'OUTDIAL_PUBLIC_URL')),
    twilioApiBaseUrl: baseUrl(env, 'OUTDIAL_TWILIO_API_BASE_URL') ?? DEFAULT_TWILIO_API_BASE_URL,
  };
}
