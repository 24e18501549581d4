/// <reference lib="dom" />
// The dashboard's main path on PostgreSQL (scale-out): a server process on its own database,
// first start's credentials, the sample batch started from the page and watched to its end,
// a transcript, the export. The embedded database's file covers every scenario.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type Server, startServer, stopServer, waitForBanner } from '../support/cli.js';
import { createPostgresDatabase, postgresReachable } from '../support/databases.js';
import {
  describeWithChromium,
  type LaunchedBrowser,
  launchChromium,
  openPage,
  screenshot,
} from './browser.js';
import {
  type Credentials,
  chooseFile,
  expectCleanTraffic,
  signIn,
  watchUntilComplete,
} from './dashboard-user.js';

const SAMPLE = path.join(ROOT, 'examples/contacts.csv');
const pgOk = await postgresReachable();

(pgOk ? describeWithChromium : describe.skip)('dashboard in Chromium, PostgreSQL', () => {
  let database: { url: string; drop: () => Promise<void> };
  let server: Server;
  let creds: Credentials;
  let chromium: LaunchedBrowser;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    [server, chromium] = await Promise.all([
      startServer({
        DATABASE_URL: database.url,
        OUTDIAL_SIM_SPEED: '60',
        OUTDIAL_RETRY_DELAYS_MS: '2000,4000',
      }),
      launchChromium(),
    ]);
    creds = await waitForBanner(server);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    if (server) await stopServer(server);
    await database?.drop();
  });

  it('starts the sample batch from the page and follows it to the end', async () => {
    const w = await openPage(chromium.browser, server.baseUrl);
    const { page } = w;
    await signIn(page, server.baseUrl, creds);
    await page.getByRole('link', { name: 'New batch' }).click();
    await chooseFile(page, SAMPLE);
    await page.getByRole('heading', { name: 'The file is ready' }).waitFor();
    await page.getByRole('button', { name: 'Start calling 10 contacts' }).click();
    // Unnamed, the batch is known by its file's name.
    await page.getByRole('heading', { level: 1, name: 'contacts' }).waitFor();
    const { seen, loads } = await watchUntilComplete(page);
    expect(loads).toBe(0);
    expect(seen.some((n) => n > 0 && n < 10)).toBe(true);
    expect(await page.locator('.legend').textContent()).toContain('Completed 7');
    await screenshot(page, 'postgres-batch-completed');

    await page.getByRole('button', { name: 'Details of the call to +15005550601' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('list', { name: 'Transcript' }).waitFor();
    expect(await dialog.locator('.outcome').textContent()).toBe('callback requested');
    expect(await dialog.locator('.transcript li').first().textContent()).toContain('Kwame');
    await page.keyboard.press('Escape');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const rows: string[][] = parse(readFileSync((await download.path())!, 'utf8'));
    expect(rows).toHaveLength(11);
    expect(rows.slice(1).map((r) => r[2])).toEqual(expect.arrayContaining(['completed', 'failed']));
    expectCleanTraffic(w, creds.apiKey);
    await w.context.close();
  });
});
