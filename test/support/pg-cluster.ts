// A private PostgreSQL 15 cluster for a test that must restart its server: the shared server on
// 5432 serves every other test running in parallel and is never touched. Debian's
// postgresql-common tools create, restart and drop it; they need root (or the postgres user).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { freePort } from './cli.js';

const run = promisify(execFile);
const VERSION = '15';
const PREFIX = 'outdial_e2e_';

/** Why a private cluster cannot be made here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  for (const tool of ['pg_createcluster', 'pg_ctlcluster', 'pg_dropcluster', 'pg_lsclusters']) {
    if (!existsSync(`/usr/bin/${tool}`)) return `${tool} not found (postgresql-common)`;
  }
  if (!existsSync(`/usr/lib/postgresql/${VERSION}/bin/postgres`)) {
    return `PostgreSQL ${VERSION} server binaries not installed`;
  }
  if (process.getuid?.() !== 0) return 'pg_createcluster needs root';
  return undefined;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Drops clusters an earlier run of these tests left behind when its process died. */
async function dropAbandoned(): Promise<void> {
  const { stdout } = await run('pg_lsclusters', ['--no-header']);
  for (const line of stdout.split('\n')) {
    const [version, name] = line.trim().split(/\s+/);
    const m = name && new RegExp(`^${PREFIX}(\\d+)_`).exec(name);
    if (version === VERSION && m && !alive(Number(m[1]))) {
      await run('pg_dropcluster', ['--stop', VERSION, name!]).catch(() => {});
    }
  }
}

export interface PrivateCluster {
  name: string;
  port: number;
  url: string;
  /** `pg_ctlcluster restart` (fast mode: open connections are terminated). */
  restart(): Promise<void>;
  /** Stops and deletes the cluster; safe to call twice. */
  drop(): Promise<void>;
}

export async function createCluster(): Promise<PrivateCluster> {
  await dropAbandoned();
  const name = `${PREFIX}${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const port = await freePort();
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await run('pg_dropcluster', ['--stop', VERSION, name]);
  };
  try {
    await run('pg_createcluster', [
      VERSION,
      name,
      '-p',
      String(port),
      '--start',
      '--',
      '--auth-local=trust',
      '--auth-host=trust',
    ]);
  } catch (err) {
    // A half-made cluster (initdb done, start failed) is removed too.
    await drop().catch(() => {});
    throw err;
  }
  return {
    name,
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => {
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', VERSION, name, 'restart']);
    },
    drop,
  };
}
