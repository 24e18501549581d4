import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { expect } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { generateApiKey } from '../../src/domain/api-key.js';
import type { Clock } from '../../src/domain/clock.js';
import { newId } from '../../src/domain/ids.js';
import { type BuildAppOptions, buildApp } from '../../src/http/app.js';
import type { Runtime } from '../../src/runtime.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { insertAgent } from '../../src/storage/agents-repo.js';
import { insertApiKey } from '../../src/storage/api-keys-repo.js';
import type { Db } from '../../src/storage/db.js';
import { insertWorkspace } from '../../src/storage/workspaces-repo.js';
import { FakeClock } from './fake-clock.js';
import {
  checkEveryAnswer,
  type ResponseConformance,
  servedDocumentConformance,
} from './openapi-conformance.js';

export interface Tenant {
  workspaceId: string;
  apiKey: string;
  agentId: string;
  headers: Record<string, string>;
}

/** Creates a workspace with one API key and one agent, as the bootstrap would. */
export async function seedTenant(db: Db, now: number, name = 'Test workspace'): Promise<Tenant> {
  const workspaceId = newId('ws', now);
  const apiKey = generateApiKey();
  await insertWorkspace(db, { id: workspaceId, name, createdAt: now });
  const secret = await resolveKeySecret(db);
  await insertApiKey(db, secret, {
    id: newId('key', now),
    workspaceId,
    key: apiKey,
    createdAt: now,
  });
  const agent = await insertAgent(db, {
    id: newId('agent', now),
    workspaceId,
    name: 'Ava',
    greeting: 'Hello {first_name}, this is Ava from Acme.',
    prompt:
      'You are Ava. Confirm the appointment of {first_name} {last_name} on {appointment_date}.',
    provider: 'simulator',
    smartCallback: false,
    maxAttemptsForSmartCallback: 5,
    gapBetweenEachAttemptForSmartCallback: [],
    now,
  });
  return {
    workspaceId,
    apiKey,
    agentId: agent.id,
    headers: { 'x-api-key': apiKey, 'x-workspace-id': workspaceId },
  };
}

export interface TestApp {
  app: FastifyInstance;
  rt: Runtime;
  clock: FakeClock;
  wakes: number;
  /** Set when every answer of `app.inject` is checked against the app's /openapi.json. */
  conformance?: ResponseConformance;
}

/**
 * The suites whose every answer is checked against the document the app serves: the contract
 * suite, one file per section, so the document and the server cannot drift apart.
 */
export const CONFORMANCE_SUITES = [fileURLToPath(new URL('../contract/', import.meta.url))];

/** Whether the test file running now belongs to one of CONFORMANCE_SUITES. */
export function inConformanceSuite(): boolean {
  const file = expect.getState().testPath ?? '';
  return CONFORMANCE_SUITES.some((dir) => file.startsWith(dir));
}

export interface TestAppOptions extends BuildAppOptions {
  /** Check every answer against /openapi.json; by default in CONFORMANCE_SUITES only. */
  checkAnswers?: boolean;
}

/**
 * A real Fastify app (used through app.inject) on the given database, with a fake clock. In the
 * contract suite its `inject` rejects any answer the app's own /openapi.json does not describe.
 */
export async function createTestApp(
  db: Db,
  overrides: Partial<Config> = {},
  clock: Clock = new FakeClock(),
  options: TestAppOptions = {},
): Promise<TestApp> {
  const { checkAnswers = inConformanceSuite(), ...buildOptions } = options;
  const config = { ...loadConfig({ DATABASE_URL: 'memory://' }), ...overrides };
  const out = { wakes: 0 } as TestApp;
  const rt: Runtime = {
    config,
    db,
    clock,
    log: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    wake: () => {
      out.wakes++;
    },
  };
  const app = await buildApp(rt, buildOptions);
  await app.ready();
  if (checkAnswers) {
    out.conformance = await servedDocumentConformance(app);
    checkEveryAnswer(app, out.conformance);
  }
  return Object.assign(out, { app, rt, clock: clock as FakeClock });
}

/** Builds a multipart/form-data body by hand so tests send exactly what curl -F would. */
export function multipart(
  fields: Record<string, string>,
  file?: { name?: string; content: string | Buffer; filename?: string; type?: string },
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----outdialtest${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
    );
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.name ?? 'file'}"; filename="${
          file.filename ?? 'contacts.csv'
        }"\r\nContent-Type: ${file.type ?? 'text/csv'}\r\n\r\n`,
      ),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** Closes what a test opened, in order: the app first, then its database. */
export async function closeApp(
  h: { app: FastifyInstance } | undefined,
  t: { close(): Promise<void> } | undefined,
) {
  await h?.app.close();
  await t?.close();
}
