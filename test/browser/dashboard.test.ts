/// <reference lib="dom" />
// The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against a real
// `outdial serve` process on the embedded database: every scenario of the issue, keyboard use,
// phone and desktop widths, accessibility, and no request to any host but the server.
// Screenshots of each page go to test-results/dashboard/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { describeWithChromium, screenshot } from './browser.js';
import { dashboardSession } from './dashboard-session.js';
import {
  accessibilityViolations,
  chooseFile,
  expectCleanTraffic,
  horizontalOverflow,
  progressDone,
  signIn,
  watchUntilComplete,
} from './dashboard-user.js';

const SAMPLE = path.join(ROOT, 'examples/contacts.csv');

describeWithChromium('dashboard in Chromium, embedded database', () => {
  const ui = dashboardSession({
    // A minute of call plays in a second; retries after 2 and 4 s: the sample batch runs
    // about 12 s, long enough to be watched.
    OUTDIAL_SIM_SPEED: '60',
    OUTDIAL_RETRY_DELAYS_MS: '2000,4000',
  });
  const { tab, csv } = ui;

  let sampleBatchId: string;

  it('sign in: a wrong key shows the API message; the right key opens the batches', async () => {
    const w = await tab();
    const { page } = w;
    // The URL the first start tells a new user to open.
    const printed =
      /Open the dashboard and sign in with the workspace and API key above:\n\n {2}(\S+)\n/.exec(
        ui.server.output(),
      );
    expect(printed?.[1]).toBe(`${ui.server.baseUrl}/`);
    await page.goto(printed![1]!);
    await screenshot(page, '01-sign-in');
    await page.getByLabel('Workspace ID').fill(ui.creds.workspaceId);
    await page.getByLabel('API key').fill('od_not-the-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    // The API's own words, not a blank page.
    expect(await alert.textContent()).toMatch(/^Unauthorized: .+/);
    await screenshot(page, '02-sign-in-wrong-key');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.getByLabel('API key').fill(ui.creds.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Batches' }).waitFor();
    await page.getByRole('heading', { name: 'No batches yet' }).waitFor();
    await screenshot(page, '03-batches-empty');
    // Kept in this tab only: session storage, never local storage or a cookie.
    expect(await page.evaluate(() => sessionStorage.getItem('outdial.session'))).toContain(
      ui.creds.apiKey,
    );
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await w.context.cookies()).toEqual([]);
    // A reload keeps the session; signing out forgets it.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Batches' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it('a CSV with errors shows its row report; fixed, it starts and runs to its end live', async () => {
    const w = await tab();
    const { page } = w;
    const headers: Array<Record<string, string>> = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/api/')) headers.push(r.headers());
    });
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.getByRole('link', { name: 'New batch' }).click();
    await page.getByRole('heading', { level: 1, name: 'New batch' }).waitFor();
    const sample = readFileSync(SAMPLE, 'utf8').trim().split('\n');
    const broken = csv('broken.csv', [
      sample[0]!,
      sample[1]!,
      '+1 500 555 12ab,Maria,Garcia,maria@example.com,Tuesday 11 am',
      sample[1]!.replace('John', 'Johnny'),
      ...sample.slice(3),
    ]);
    await chooseFile(page, broken);
    await page.getByRole('heading', { name: 'The file has problems' }).waitFor();
    const errors = page.locator('.issues').filter({ hasText: 'Errors' }).locator('tbody tr');
    // Line 3: the bad number, with its column; line 4 repeats line 2's number.
    await expect.poll(() => errors.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const rows = await errors.allTextContents();
    expect(rows.find((r) => r.startsWith('3'))).toMatch(/^3phone_number\+1 500 555 12ab/);
    expect(rows.find((r) => r.startsWith('4'))).toMatch(/^4phone_number\+15005550001.*2/);
    const start = page.getByRole('button', { name: /^Start calling/ });
    expect(await start.isDisabled()).toBe(true);
    await page.getByText('Fix the rows listed above').waitFor();
    await screenshot(page, '04-new-batch-errors');
    // Skipping the invalid rows would start the 9 good ones; the user fixes the file instead.
    const skip = page.getByLabel('Skip the invalid rows and call the 9 valid ones');
    await skip.check();
    expect(await start.isDisabled()).toBe(false);
    expect(await start.textContent()).toBe('Start calling 9 contacts');
    await skip.uncheck();
    expect(await start.isDisabled()).toBe(true);
    // Nothing was created by looking.
    expect((await ui.api.get('/v1/api/batch-calls')).body.batches).toEqual([]);

    // Fixed: the sample as shipped.
    await chooseFile(page, SAMPLE);
    await page.getByRole('heading', { name: 'The file is ready' }).waitFor();
    // The agent's variables and the columns that fill them.
    const vars = page.locator('table').filter({ hasText: 'Filled from column' });
    expect(await vars.locator('tbody tr').allTextContents()).toEqual([
      '{first_name}first_name',
      '{appointment_date}appointment_date',
    ]);
    await page.getByLabel('Name').fill('Tuesday reminders');
    await screenshot(page, '05-new-batch-ready');
    expect(await start.textContent()).toBe('Start calling 10 contacts');
    await start.click();

    await page.getByRole('heading', { level: 1, name: 'Tuesday reminders' }).waitFor();
    sampleBatchId = (await page.locator('h1 + p').textContent())!.trim();
    expect(sampleBatchId).toMatch(/^batch_/);
    expect(page.url()).toBe(`${ui.server.baseUrl}/#/batches/${sampleBatchId}`);
    await screenshot(page, '06-batch-running');
    const { seen, loads } = await watchUntilComplete(page);
    await screenshot(page, '07-batch-completed');
    // It moved on its own, through states between none and all, and never reloaded.
    expect(loads).toBe(0);
    expect(seen.at(-1)).toBe(10);
    expect(seen.some((n) => n > 0 && n < 10)).toBe(true);
    const legend = await page.locator('.legend').textContent();
    expect(legend).toContain('Completed 7');
    expect(legend).toContain('Failed 3');
    // The outcomes chart: each outcome and failure reason of the sample's reserved numbers.
    const bars = page.locator('.outcome-chart li');
    await expect
      .poll(() => bars.allTextContents(), { timeout: 10_000 })
      .toEqual([
        'Successful4 (40%)',
        'Callback requested1 (10%)',
        'Voicemail1 (10%)',
        'Unsuccessful0 (0%)',
        'Opted out1 (10%)',
        'Failed: busy1 (10%)',
        'Failed: no answer1 (10%)',
        'Failed: unreachable1 (10%)',
        'Cancelled0 (0%)',
      ]);
    // The timeline: a line per kind, drawn from the batch's activity.
    expect(await page.locator('.timeline canvas').count()).toBe(1);
    expect(await page.locator('.timeline').getAttribute('aria-label')).toMatch(
      /7 completed, 3 failed, 0 cancelled$/,
    );
    // The server agrees with the page.
    const done = (await ui.api.get(`/v1/api/batch-calls/${sampleBatchId}`)).body;
    expect(done.progress).toMatchObject({ completed: 7, failed: 3, waiting: 0, active: 0 });
    // Every API request carried the key in its header.
    expect(headers.length).toBeGreaterThan(5);
    for (const h of headers) {
      expect(h['x-api-key']).toBe(ui.creds.apiKey);
      expect(h['x-workspace-id']).toBe(ui.creds.workspaceId);
    }
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it('opens a call: attempts with reasons and times, the transcript as a conversation', async () => {
    const w = await tab();
    const { page } = w;
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.goto(`${ui.server.baseUrl}/#/batches/${sampleBatchId}`);
    // Busy first, answered on the second attempt.
    await page.getByRole('button', { name: 'Details of the call to +15005550501' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: /Call to \+15005550501/ }).waitFor();
    await dialog.getByRole('list', { name: 'Transcript' }).waitFor();
    const attempts = dialog.locator('table tbody tr');
    await expect.poll(() => attempts.count(), { timeout: 10_000 }).toBe(2);
    const cells = async (i: number) => attempts.nth(i).locator('td').allTextContents();
    expect((await cells(0))[0]).toBe('1');
    expect((await cells(0))[4]).toBe('busy');
    expect((await cells(1))[4]).toBe('answered');
    expect((await cells(0))[1]).toMatch(/\d\d:\d\d:\d\d/);
    const turns = dialog.locator('.transcript li');
    expect(await turns.count()).toBeGreaterThan(2);
    expect(await turns.first().locator('.speaker').textContent()).toBe('Agent');
    expect(await turns.first().textContent()).toContain('Sofia');
    expect(await dialog.locator('.outcome').textContent()).toBe('successful');
    await screenshot(page, '08-call-details');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // A failed call: its error and three busy attempts.
    await page.getByRole('button', { name: 'Details of the call to +15005550101' }).click();
    await dialog
      .locator('.note-error')
      .filter({ hasText: 'Number busy - unable to connect after 3 attempts' })
      .waitFor();
    await expect.poll(() => attempts.count(), { timeout: 10_000 }).toBe(3);
    expect(await dialog.locator('.transcript').count()).toBe(0);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it('calls table: filter by status and search by number, answered by the server', async () => {
    const w = await tab();
    const { page } = w;
    const calls: string[] = [];
    page.on('request', (r) => {
      if (/\/calls\?/.test(r.url())) calls.push(r.url());
    });
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.goto(`${ui.server.baseUrl}/#/batches/${sampleBatchId}`);
    const numbers = page.locator('.calls-table tbody th');
    await expect.poll(() => numbers.count(), { timeout: 10_000 }).toBe(10);
    await page.getByLabel('Status').selectOption('failed');
    await expect
      .poll(() => numbers.allTextContents())
      .toEqual(['+15005550101', '+15005550201', '+15005550401']);
    await page.getByLabel('Search by number').fill('555 02');
    await expect
      .poll(() => numbers.allTextContents(), { timeout: 10_000 })
      .toEqual(['+15005550201']);
    await page.getByText('1 call matching “555 02”').waitFor();
    await screenshot(page, '09-calls-filtered');
    await page.getByLabel('Status').selectOption('all');
    await page.getByLabel('Search by number').fill('0999');
    await page.getByText('No call matches.').waitFor();
    // The filters are the API's, not a filter over calls loaded whole.
    expect(calls.some((u) => u.includes('status=failed') && u.includes('phone=555+02'))).toBe(true);
    expect(calls.every((u) => /limit=25\b/.test(u))).toBe(true);
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it('export downloads the results CSV, fetched with the key in a header', async () => {
    const w = await tab();
    const { page } = w;
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.goto(`${ui.server.baseUrl}/#/batches/${sampleBatchId}`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${sampleBatchId}-results.csv`);
    const rows: string[][] = parse(readFileSync((await download.path())!, 'utf8'));
    expect(rows[0]!.slice(0, 10)).toEqual([
      'job_id',
      'phone_number',
      'status',
      'attempts',
      'start_time',
      'end_time',
      'duration',
      'outcome',
      'error',
      'transcript',
    ]);
    expect(rows).toHaveLength(11);
    expect(rows.slice(1).map((r) => r[1])).toContain('+15005550901');
    expect(rows.slice(1).filter((r) => r[2] === 'completed')).toHaveLength(7);
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it('cancels a running batch: waiting calls never dialed, calls on the line finish', async () => {
    const w = await tab();
    const { page } = w;
    // 30 ten-minute conversations (10 s here); 10 at once, so 20 are waiting.
    const long = Array.from(
      { length: 30 },
      (_, i) => `+150055509${String(i).padStart(2, '0')},P${i}`,
    );
    const file = csv('long.csv', ['phone_number,first_name', ...long]);
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.getByRole('link', { name: 'New batch' }).click();
    await chooseFile(page, file);
    await page.getByRole('button', { name: 'Start calling 30 contacts' }).click();
    await page.getByRole('heading', { level: 1, name: 'long' }).waitFor();
    await expect
      .poll(async () => page.locator('.legend').textContent(), { timeout: 20_000 })
      .toContain('On a call 10');
    await page.getByRole('button', { name: 'Cancel batch' }).click();
    await screenshot(page, '10-cancel-confirm');
    await page.getByRole('button', { name: 'Yes, cancel the batch' }).click();
    const notice = page.getByRole('status').filter({ hasText: 'Batch cancelled' });
    await notice.waitFor();
    expect(await notice.textContent()).toBe(
      'Batch cancelled: 20 waiting calls will not be dialed; 10 on the line will finish.',
    );
    expect(await page.getByRole('button', { name: 'Cancel batch' }).count()).toBe(0);
    const { loads } = await watchUntilComplete(page, 'Cancelled');
    expect(loads).toBe(0);
    await expect.poll(async () => (await progressDone(page)).done, { timeout: 30_000 }).toBe(30);
    await screenshot(page, '11-batch-cancelled');
    const id = (await page.locator('h1 + p').textContent())!.trim();
    const body = (await ui.api.get(`/v1/api/batch-calls/${id}`)).body;
    expect(body.status).toBe('cancelled');
    expect(body.progress.cancelled).toBe(20);
    expect(body.progress.waiting).toBe(0);
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it('agents: create one with variables, edit its greeting; workspace settings', async () => {
    const w = await tab();
    const { page } = w;
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('heading', { level: 1, name: 'Agents' }).waitFor();
    await page.getByRole('link', { name: 'Ava (demo)' }).waitFor();
    await screenshot(page, '12-agents');
    await page.getByRole('link', { name: 'New agent' }).click();
    await page.getByLabel('Name').fill('Ben');
    await page.getByLabel('Greeting').fill('Hi {first_name}, Ben from Acme here.');
    await page
      .getByLabel("Prompt (the agent's instructions)")
      .fill('Remind {first_name} of {plan}.');
    const used = page.getByRole('list', { name: 'Variables used' }).locator('li');
    expect(await used.allTextContents()).toEqual(['{first_name}', '{plan}']);
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ben' }).waitFor();
    await page.getByLabel('Greeting').fill('Hello {first_name}, Ben again.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await screenshot(page, '13-agent-edit');
    const agents = (await ui.api.get('/v1/api/agents')).body.agents;
    expect(agents.find((a: { name: string }) => a.name === 'Ben')).toMatchObject({
      greeting: 'Hello {first_name}, Ben again.',
      prompt: 'Remind {first_name} of {plan}.',
    });

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Calls at once, at most').fill('25');
    await page.getByLabel('Time zone (IANA, e.g. America/New_York)').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save settings' }).click();
    // The API's message for a zone that does not exist; nothing changed.
    expect(await page.getByRole('alert').textContent()).toMatch(/timezone/i);
    await page.getByLabel('Time zone (IANA, e.g. America/New_York)').fill('Europe/Berlin');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await screenshot(page, '14-settings');
    expect((await ui.api.get('/v1/api/workspace')).body).toMatchObject({
      maxConcurrentCalls: 25,
      timezone: 'Europe/Berlin',
    });
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it('works from the keyboard alone: sign in, open a batch, open a call, close it', async () => {
    const w = await tab();
    const { page } = w;
    await page.goto(`${ui.server.baseUrl}/`);
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return `${el?.tagName ?? ''}|${el?.id ?? ''}|${el?.textContent?.trim() ?? ''}|${el?.getAttribute('aria-label') ?? ''}`;
      });
    /** Presses Tab until the focused element matches, as a keyboard user would. */
    const tabTo = async (pattern: RegExp) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        if (pattern.test(await focused())) return;
      }
      throw new Error(`never reached ${pattern} with Tab`);
    };
    await tabTo(/^INPUT\|workspace-id/);
    await page.keyboard.type(ui.creds.workspaceId);
    await page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^INPUT\|api-key/);
    await page.keyboard.type(ui.creds.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Batches' }).waitFor();
    await tabTo(/^A\|\|Tuesday reminders/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Tuesday reminders' }).waitFor();
    await tabTo(/Details of the call to \+15005550001/);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('list', { name: 'Transcript' }).waitFor();
    // Focus moved into the dialog; Escape closes it and gives focus back to the row.
    expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focused()).toMatch(/Details of the call to \+15005550001/);
    // The visible focus ring: an outline on the focused control.
    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    expect(outline).toBe('solid');
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  for (const [label, viewport] of [
    ['phone', { width: 390, height: 844 }],
    ['desktop', { width: 1280, height: 900 }],
  ] as const) {
    it(`fits a ${label} screen (${viewport.width} px) on every page`, async () => {
      const w = await tab(viewport);
      const { page } = w;
      const visit = async (hash: string, ready: (p: Page) => Promise<unknown>, name: string) => {
        await page.goto(`${ui.server.baseUrl}/${hash}`);
        await ready(page);
        await page.waitForTimeout(300);
        expect(await horizontalOverflow(page), `${name} at ${viewport.width}`).toEqual([]);
        await screenshot(page, `${label}-${name}`);
      };
      // A batch without a name is listed and titled by its id, an unbroken 32 characters.
      const unnamed = await ui.api.uploadCsv(SAMPLE, {
        agentId: ui.creds.agentId,
        scheduledAt: new Date(Date.now() + 86_400_000).toISOString(),
      });
      expect(unnamed.status, JSON.stringify(unnamed.body)).toBe(200);
      await visit('', (p) => p.getByRole('heading', { name: 'Sign in' }).waitFor(), 'sign-in');
      await signIn(page, ui.server.baseUrl, ui.creds);
      await visit(
        '#/batches',
        (p) => p.getByRole('link', { name: 'Tuesday reminders' }).waitFor(),
        'batches',
      );
      await visit(
        `#/batches/${sampleBatchId}`,
        (p) => p.locator('.calls-table').waitFor(),
        'batch',
      );
      await page.getByRole('button', { name: 'Details of the call to +15005550001' }).click();
      await page.getByRole('list', { name: 'Transcript' }).waitFor();
      await screenshot(page, `${label}-call`);
      await page.keyboard.press('Escape');
      await visit(
        `#/batches/${unnamed.body.batchId}`,
        (p) => p.locator('.calls-table').waitFor(),
        'unnamed-batch',
      );
      await visit(
        '#/batches/new',
        async (p) => {
          await p.getByLabel('Agent').waitFor();
          await chooseFile(p, SAMPLE);
        },
        'new-batch',
      );
      await visit(
        '#/agents',
        (p) => p.getByRole('link', { name: 'Ava (demo)' }).waitFor(),
        'agents',
      );
      await visit(
        '#/settings',
        (p) => p.getByRole('button', { name: 'Save settings' }).waitFor(),
        'settings',
      );
      expectCleanTraffic(w, ui.creds.apiKey);
    });
  }

  it('passes axe-core checks (labels, roles, names, contrast) on every page', async () => {
    const w = await tab();
    const { page } = w;
    const check = async (name: string) => {
      expect(await accessibilityViolations(page), name).toEqual([]);
    };
    await page.goto(`${ui.server.baseUrl}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await check('sign in');
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.getByRole('link', { name: 'Tuesday reminders' }).waitFor();
    await check('batches');
    await page.goto(`${ui.server.baseUrl}/#/batches/${sampleBatchId}`);
    await page.locator('.calls-table').waitFor();
    await check('batch');
    await page.getByRole('button', { name: 'Details of the call to +15005550001' }).click();
    await page.getByRole('list', { name: 'Transcript' }).waitFor();
    await check('call details');
    await page.keyboard.press('Escape');
    await page.goto(`${ui.server.baseUrl}/#/batches/new`);
    await page.getByLabel('Agent').waitFor();
    await chooseFile(page, SAMPLE);
    await page.getByLabel('Only call during these hours').check();
    await page.getByLabel('Call busy, unanswered and voicemail contacts back later').check();
    await check('new batch');
    await page.goto(`${ui.server.baseUrl}/#/agents`);
    await page.getByRole('link', { name: 'Ava (demo)' }).click();
    await page.getByLabel('Greeting').waitFor();
    await check('agent');
    await page.goto(`${ui.server.baseUrl}/#/settings`);
    await page.getByRole('button', { name: 'Save settings' }).waitFor();
    await check('settings');
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it("a new batch's options reach the API: name, schedule, window, concurrency, callback", async () => {
    const w = await tab();
    const { page } = w;
    // Chromium does not report multipart bodies with a file to the test, so the page's own
    // fetch notes the text fields it sends (a script the test adds, outside the page's CSP).
    await page.addInitScript(() => {
      const sent: Array<Record<string, string>> = [];
      (globalThis as unknown as { sentForms: typeof sent }).sentForms = sent;
      const original = globalThis.fetch;
      globalThis.fetch = (input, init) => {
        if (init?.body instanceof FormData) {
          const fields: Record<string, string> = {};
          for (const [k, v] of init.body.entries()) if (typeof v === 'string') fields[k] = v;
          sent.push(fields);
        }
        return original(input, init);
      };
    });
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.getByRole('link', { name: 'New batch' }).click();
    // The agent's template: its variables as columns, fetched with the key in a header.
    const [template] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download a template' }).click(),
    ]);
    const header = readFileSync((await template.path())!, 'utf8').split(/\r?\n/)[0];
    expect(header).toBe('phone_number,first_name,last_name,email,appointment_date');
    await chooseFile(page, SAMPLE);
    await page.getByLabel('Name').fill('Next year');
    await page.getByLabel('Start at (your time; empty: now)').fill('2030-01-02T09:30');
    await page.getByLabel('Most calls at once').fill('3');
    await page.getByLabel('Only call during these hours').check();
    await page.getByLabel('From').fill('10:00');
    await page.getByRole('checkbox', { name: 'Fri' }).uncheck();
    await page.getByLabel('Call busy, unanswered and voicemail contacts back later').check();
    await page.getByLabel('Attempts in all (first call included)').fill('4');
    await screenshot(page, '15-new-batch-options');
    await page.getByRole('button', { name: 'Start calling 10 contacts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Next year' }).waitFor();
    const forms = await page.evaluate(
      () => (globalThis as unknown as { sentForms: Array<Record<string, string>> }).sentForms,
    );
    // The preview's, then the start's.
    const started = forms.at(-1)!;
    const field = (name: string) => started[name];
    const scheduledAt = await page.evaluate(() => new Date('2030-01-02T09:30').toISOString());
    expect(field('name')).toBe('Next year');
    expect(field('scheduledAt')).toBe(scheduledAt);
    expect(field('maxConcurrency')).toBe('3');
    expect(JSON.parse(field('callingWindow')!)).toEqual({
      timezone: 'recipient',
      days: [1, 2, 3, 4],
      start: '10:00',
      end: '20:00',
    });
    expect(JSON.parse(field('smartCallbackConfig')!)).toEqual({
      enabled: true,
      maxAttempts: 4,
      gaps: [{ days: 0, hours: 4 }],
    });
    expect(field('skipInvalidRows')).toBeUndefined();
    expect(field('agentId')).toBe(ui.creds.agentId);
    const id = (await page.locator('h1 + p').textContent())!.trim();
    const body = (await ui.api.get(`/v1/api/batch-calls/${id}`)).body;
    expect(body).toMatchObject({ status: 'queued', scheduledAt: Date.parse(scheduledAt) });
    expect(await page.locator('.stats').textContent()).toContain('Scheduled');
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it('a key revoked while the page is open signs the tab out, saying why', async () => {
    const cli = async (args: string[]) => {
      const run = runCli(args, { OUTDIAL_DATA_DIR: ui.dataDir });
      expect(await run.exited, run.output()).toBe(0);
      return JSON.parse(run.output());
    };
    // A second key, through the running server's admin socket, as an operator would.
    const key = await cli(['keys', 'create', '--workspace', ui.creds.workspaceId, '--name', 'tab']);
    const w = await tab();
    const { page } = w;
    await signIn(page, ui.server.baseUrl, { ...ui.creds, apiKey: key.apiKey });
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Save settings' }).waitFor();
    await cli(['keys', 'revoke', key.id]);
    // The next request the page makes is refused: back to sign in, with the API's words.
    await page.getByRole('link', { name: 'Agents' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Signed out' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^Signed out: Unauthorized: .+/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await screenshot(page, '18-signed-out-revoked');
    expectCleanTraffic(w, key.apiKey);
  });

  // Last: it adds enough batches to push the others off the list's first page.
  it('pages: 100,000 calls a page at a time, and the batches list', async () => {
    const rows = Array.from(
      { length: 100_000 },
      (_, i) => `+447911${String(100_000 + i).padStart(6, '0')},C${i}`,
    );
    const big = csv('big.csv', ['phone_number,first_name', ...rows]);
    // Tomorrow: nothing of it is dialed while the test reads it.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const started = await ui.api.uploadCsv(big, {
      agentId: ui.creds.agentId,
      name: 'Big list',
      scheduledAt: tomorrow,
    });
    expect(started.status).toBe(200);
    const bigId = started.body.batchId as string;

    const w = await tab();
    const { page } = w;
    const callRequests: string[] = [];
    page.on('response', async (r) => {
      if (/\/calls\?/.test(r.url())) {
        callRequests.push(r.url());
        // A page of 25 calls, never the batch.
        expect((await r.body()).length).toBeLessThan(20_000);
      }
    });
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.goto(`${ui.server.baseUrl}/#/batches/${bigId}`);
    const numbers = page.locator('.calls-table tbody th');
    await expect.poll(() => numbers.count(), { timeout: 20_000 }).toBe(25);
    await page.getByText('100,000 calls').waitFor();
    const pager = page.getByRole('navigation', { name: 'Call pages' });
    expect(await pager.textContent()).toContain('of 4,000');
    await pager.getByLabel('Page').fill('4000');
    await pager.getByLabel('Page').press('Enter');
    await expect
      .poll(() => numbers.last().textContent(), { timeout: 20_000 })
      .toBe('+447911199999');
    await pager.getByRole('button', { name: '← Previous' }).click();
    await expect
      .poll(() => numbers.last().textContent(), { timeout: 20_000 })
      .toBe('+447911199974');
    await page.getByLabel('Search by number').fill('7911 1500 01');
    await expect
      .poll(() => numbers.allTextContents(), { timeout: 20_000 })
      .toEqual(['+447911150001']);
    await screenshot(page, '16-big-batch-search');
    expect(callRequests.some((u) => /page=4000\b/.test(u))).toBe(true);
    expect(callRequests.every((u) => /limit=25\b/.test(u))).toBe(true);

    // The list: 20 a page, newest first.
    for (let i = 0; i < 20; i++) {
      const r = await ui.api.uploadCsv(SAMPLE, {
        agentId: ui.creds.agentId,
        name: `Later ${i}`,
        scheduledAt: tomorrow,
      });
      expect(r.status).toBe(200);
    }
    await page.goto(`${ui.server.baseUrl}/#/batches`);
    const names = page.locator('.batches-table tbody th a');
    await expect.poll(() => names.count(), { timeout: 20_000 }).toBe(20);
    expect(await names.first().textContent()).toBe('Later 19');
    await page
      .getByRole('navigation', { name: 'Batch pages' })
      .getByRole('button', { name: 'Next →' })
      .click();
    // The second page is the API's second page, oldest last.
    const second = (await ui.api.get('/v1/api/batch-calls?page=2&limit=20')).body.batches as Array<{
      id: string;
      name?: string;
    }>;
    await expect
      .poll(() => names.allTextContents(), { timeout: 20_000 })
      .toEqual(second.map((b) => b.name ?? b.id));
    expect(page.url()).toBe(`${ui.server.baseUrl}/#/batches?page=2`);
    await screenshot(page, '17-batches-page-2');
    expectCleanTraffic(w, ui.creds.apiKey);
  });
  it('a call whose row recorded consent shows it in its details (ext §19)', async () => {
    const agents = (await ui.api.get('/v1/api/agents')).body.agents as Array<{ id: string }>;
    // Numbers the simulator answers: an earlier test's opt-outs (07xx) are on the do-not-call list.
    const file = csv('consent.csv', [
      'phone_number,first_name,consent_source,consent_at',
      '+15005550091,Zoe,web form 12,2026-03-01T14:30:00Z',
      '+15005550092,Yann,,',
    ]);
    const created = await ui.api.uploadCsv(file, { agentId: agents[0]!.id, name: 'Consent' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const batchId = created.body.batchId as string;
    const w = await tab();
    const { page } = w;
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.goto(`${ui.server.baseUrl}/#/batches/${batchId}`);
    await page.getByRole('button', { name: 'Details of the call to +15005550091' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: /Call to \+15005550091/ }).waitFor();
    const consent = dialog
      .locator('.facts > div')
      .filter({ has: page.locator('dt', { hasText: /^Consent$/ }) });
    await consent.waitFor();
    expect(await consent.locator('dd').textContent()).toContain('web form 12');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // A call without consent has no such line.
    await page.getByRole('button', { name: 'Details of the call to +15005550092' }).click();
    await dialog.getByRole('heading', { name: /Call to \+15005550092/ }).waitFor();
    await dialog.locator('.facts').first().waitFor();
    expect(await dialog.locator('.facts dt').allTextContents()).not.toContain('Consent');
    expectCleanTraffic(w, ui.creds.apiKey);
  });
});
