import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type Server, startServer, stopServer, tempDir, waitForBanner } from '../support/cli.js';
import { type LaunchedBrowser, launchChromium, openPage, type WatchedPage } from './browser.js';
import type { Credentials } from './dashboard-user.js';

// What every dashboard test file starts from: a real `outdial serve` on its own embedded data
// directory, the credentials its first start printed, an API client with them, and Chromium;
// tabs opened by a test are closed, and the directories removed, when the file is done.

export interface DashboardSession {
  server: Server;
  creds: Credentials;
  api: ApiClient;
  /** The server's data directory (admin commands run against it). */
  dataDir: string;
  /** A fresh tab (its own session storage), closed at the end of the file. */
  tab(viewport?: { width: number; height: number }): Promise<WatchedPage>;
  /** Writes a CSV of `lines` and returns its path. */
  csv(name: string, lines: string[]): string;
}

/** Starts the server and the browser before the file's tests (call it inside the describe). */
export function dashboardSession(env: Record<string, string> = {}): DashboardSession {
  const data = tempDir();
  const files = tempDir('outdial-csv-');
  const pages: WatchedPage[] = [];
  let chromium: LaunchedBrowser | undefined;
  const session = {
    dataDir: data.dir,
    async tab(viewport = { width: 1280, height: 900 }) {
      const w = await openPage(chromium!.browser, session.server.baseUrl, viewport);
      pages.push(w);
      return w;
    },
    csv(name: string, lines: string[]) {
      const file = path.join(files.dir, name);
      writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    },
  } as DashboardSession;

  beforeAll(async () => {
    [session.server, chromium] = await Promise.all([
      startServer({ OUTDIAL_DATA_DIR: data.dir, ...env }),
      launchChromium(),
    ]);
    session.creds = await waitForBanner(session.server);
    session.api = new ApiClient(session.server.baseUrl, {
      'x-api-key': session.creds.apiKey,
      'x-workspace-id': session.creds.workspaceId,
    });
  }, 120_000);

  afterAll(async () => {
    for (const w of pages) await w.context.close();
    await chromium?.close();
    if (session.server) await stopServer(session.server);
    data.remove();
    files.remove();
  });
  return session;
}
