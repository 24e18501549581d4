import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { TEST_DATABASE_URL } from '../support/databases.js';

// What a process loads is what it holds in memory for good: the embedded default must not carry
// the PostgreSQL driver, and no process Twilio's REST client (about 200 modules) before it talks
// to Twilio. Checked in child processes on the built code (`npm test` builds first), with
// everything `outdial serve` imports loaded.

const run = promisify(execFile);

const SCRIPT = `
import { createRequire } from 'node:module';
const dist = (p) => process.env.DIST + '/' + p;
await import(dist('cli/serve.js'));
// A worker-only process does not load the HTTP app; a server does.
await import(dist('http/app.js'));
const { openDatabase } = await import(dist('storage/open-database.js'));
const target = process.env.TARGET === 'postgres'
  ? { kind: 'postgres', url: process.env.PG_URL }
  : { kind: 'pglite-memory' };
const db = await openDatabase(target, { migrate: false });
await db.query('SELECT 1');
await db.close();
const loaded = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({
  pg: loaded.some((f) => f.includes('/node_modules/pg/')),
  twilioRest: loaded.some((f) => f.includes('/node_modules/twilio/lib/rest/')),
  twilioWebhooks: loaded.some((f) => f.includes('/node_modules/twilio/lib/webhooks/')),
}));
`;

async function loadedBy(target: 'pglite' | 'postgres') {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: {
      ...process.env,
      DIST: path.join(ROOT, 'dist'),
      TARGET: target,
      PG_URL: TEST_DATABASE_URL,
    },
  });
  return JSON.parse(stdout) as { pg: boolean; twilioRest: boolean; twilioWebhooks: boolean };
}

describe('modules a process loads only when it uses them', () => {
  it('the embedded database loads no PostgreSQL driver; no process loads Twilio’s REST client up front', async () => {
    const embedded = await loadedBy('pglite');
    // The callback validator is loaded (the routes use it), so the check sees Twilio's modules.
    expect(embedded).toEqual({ pg: false, twilioRest: false, twilioWebhooks: true });
    const postgres = await loadedBy('postgres');
    expect(postgres).toEqual({ pg: true, twilioRest: false, twilioWebhooks: true });
  }, 60_000);
});
