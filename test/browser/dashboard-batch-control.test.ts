import { expect, it } from 'vitest';
import { describeWithChromium, screenshot, type WatchedPage } from './browser.js';
import { dashboardSession } from './dashboard-session.js';
import {
  accessibilityViolations,
  expectCleanTraffic,
  horizontalOverflow,
  signIn,
  watchUntilComplete,
} from './dashboard-user.js';

describeWithChromium('dashboard batch controls in Chromium', () => {
  const ui = dashboardSession({
    OUTDIAL_SIM_SPEED: '60',
    OUTDIAL_RETRY_DELAYS_MS: '1000,2000',
  });
  const { tab } = ui;

  async function startBatch(name: string, numbers: string[]): Promise<string> {
    const file = ui.csv(`${name}.csv`, [
      'phone_number,first_name',
      ...numbers.map((n) => `${n},P`),
    ]);
    const r = await ui.api.uploadCsv(file, { agentId: ui.creds.agentId, name });
    expect(r.status).toBe(200);
    return r.body.batchId as string;
  }

  const badge = (w: WatchedPage) => w.page.locator('.section-head .badge');

  it('pauses a running batch, shows why it waits, and resumes it', async () => {
    // 30 ten-minute conversations (10 s here), 10 at once: 20 wait while the batch runs.
    const id = await startBatch(
      'long',
      Array.from({ length: 30 }, (_, i) => `+150055509${String(i).padStart(2, '0')}`),
    );
    const w = await tab();
    const { page } = w;
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.goto(`${ui.server.baseUrl}/#/batches/${id}`);
    await expect
      .poll(async () => page.locator('.legend').textContent(), { timeout: 20_000 })
      .toContain('On a call 10');
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Pause' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Batch paused: no new call starts; calls in progress finish' })
      .waitFor();
    expect(await badge(w).textContent()).toBe('Paused');
    const why = page.getByRole('status').filter({ hasText: /^Paused: paused by request/ });
    await why.waitFor();
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    expect((await ui.api.get(`/v1/api/batch-calls/${id}`)).body.status).toBe('paused');
    // The calls on the line finish; the waiting ones stay waiting while paused. (A call claimed
    // for a start slot after the pause is handed back unspent, so "on a call" may have counted
    // one more than finish.)
    await expect
      .poll(async () => (await ui.api.get(`/v1/api/batch-calls/${id}`)).body.progress.active, {
        timeout: 30_000,
      })
      .toBe(0);
    const paused = (await ui.api.get(`/v1/api/batch-calls/${id}`)).body;
    expect(paused.progress.completed).toBeGreaterThan(0);
    expect(paused.progress.completed + paused.progress.waiting).toBe(30);
    const dialed = (await ui.api.allCalls(id)).filter((c) => c.status !== 'waiting');
    expect(dialed).toHaveLength(paused.progress.completed);
    // An attempt already placing when the pause committed goes out at its slot, at most the
    // placing lookahead (100 ms) later; nothing claimed after the pause starts.
    for (const c of dialed) expect(c.startTime).toBeLessThanOrEqual(paused.pausedAt + 100);
    await expect
      .poll(async () => page.locator('.legend').textContent(), { timeout: 10_000 })
      .toContain(`Completed ${paused.progress.completed}`);
    expect(await page.locator('.legend').textContent()).toContain(
      `Waiting ${paused.progress.waiting}`,
    );
    await screenshot(page, '20-batch-paused');
    expect(await accessibilityViolations(page), 'paused batch').toEqual([]);

    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('status').filter({ hasText: 'Batch resumed' }).waitFor();
    expect(await badge(w).textContent()).toBe('Running');
    expect(await why.count()).toBe(0);
    await expect
      .poll(async () => page.locator('.legend').textContent(), { timeout: 20_000 })
      .toContain('On a call 10');
    expect((await ui.api.get(`/v1/api/batch-calls/${id}`)).body.status).toBe('processing');
    expect((await ui.api.get(`/v1/api/batch-calls/${id}`)).body.pausedReason).toBeUndefined();
    await screenshot(page, '21-batch-resumed');
    // Done with it: nothing more needs dialing.
    await fetch(`${ui.server.baseUrl}/v1/api/batch-calls/${id}`, {
      method: 'DELETE',
      headers: ui.api.headers,
    });
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it('retries the failed calls for the chosen reasons, and the batch runs to its end again', async () => {
    // Answered, busy, no answer, unreachable: three fail on every attempt.
    const id = await startBatch('retry', [
      '+15005550001',
      '+15005550101',
      '+15005550201',
      '+15005550401',
    ]);
    const done = await ui.api.waitForBatch(id, 90_000);
    expect(done.progress.failed).toBe(3);
    const attemptsBefore = new Map(
      (await ui.api.allCalls(id)).map((c) => [c.phone_number as string, c.attempts as number]),
    );

    for (const viewport of [
      { width: 390, height: 844 },
      { width: 1280, height: 900 },
    ]) {
      const w = await tab(viewport);
      const { page } = w;
      await signIn(page, ui.server.baseUrl, ui.creds);
      await page.goto(`${ui.server.baseUrl}/#/batches/${id}`);
      await page.getByRole('button', { name: 'Retry failed…' }).click();
      await page.getByRole('button', { name: 'Retry these calls' }).waitFor();
      expect(await horizontalOverflow(page), `retry form at ${viewport.width}`).toEqual([]);
      if (viewport.width === 1280) {
        expect(await accessibilityViolations(page), 'retry form').toEqual([]);
        await screenshot(page, '22-retry-form');
        // The API's defaults are ticked; unreachable is not.
        expect(await page.getByLabel('Busy').isChecked()).toBe(true);
        expect(await page.getByLabel('No answer').isChecked()).toBe(true);
        expect(await page.getByLabel('Unreachable number').isChecked()).toBe(false);
        await page.getByRole('button', { name: 'Retry these calls' }).click();
        await page
          .getByRole('status')
          .filter({ hasText: '2 failed calls will be tried again.' })
          .waitFor();
        expect(await page.getByRole('button', { name: 'Retry these calls' }).count()).toBe(0);
        expect(['Running', 'Queued']).toContain(await badge(w).textContent());
        const { loads } = await watchUntilComplete(page, 'Completed', 90_000);
        expect(loads).toBe(0);
        await screenshot(page, '23-batch-retried');
      }
      expectCleanTraffic(w, ui.creds.apiKey);
    }
    const after = await ui.api.allCalls(id);
    const attempts = new Map(after.map((c) => [c.phone_number as string, c.attempts as number]));
    // Busy and no answer were dialed again; unreachable and the answered call were not.
    expect(attempts.get('+15005550101')).toBeGreaterThan(attemptsBefore.get('+15005550101')!);
    expect(attempts.get('+15005550201')).toBeGreaterThan(attemptsBefore.get('+15005550201')!);
    expect(attempts.get('+15005550401')).toBe(attemptsBefore.get('+15005550401'));
    expect(attempts.get('+15005550001')).toBe(attemptsBefore.get('+15005550001'));
  });
  it('settings: a frequency cap, and "stop everything" pauses and resumes every batch', async () => {
    const id = await startBatch(
      'everything',
      Array.from({ length: 30 }, (_, i) => `+150055509${String(i).padStart(2, '0')}`),
    );
    const w = await tab();
    const { page } = w;
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Save limit' }).waitFor();

    await page.getByLabel('Limit how often one number is called').check();
    await page.getByLabel('Attempts to one number, at most').fill('2');
    await page.getByLabel('In any period of (hours)').fill('12');
    await page.getByRole('button', { name: 'Save limit' }).click();
    await page.getByRole('status').filter({ hasText: 'Limit saved.' }).waitFor();
    expect((await ui.api.get('/v1/api/workspace')).body.frequencyCap).toEqual({
      maxAttempts: 2,
      periodHours: 12,
    });
    // Over the API's limit (the page leaves the upper bound to it): its words, nothing changed.
    await page.getByLabel('Attempts to one number, at most').fill('5000');
    await page.getByRole('button', { name: 'Save limit' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /^Invalid frequencyCap: / })
      .waitFor();
    expect((await ui.api.get('/v1/api/workspace')).body.frequencyCap.maxAttempts).toBe(2);
    await page.getByLabel('Limit how often one number is called').uncheck();
    await page.getByRole('button', { name: 'Save limit' }).click();
    await page.getByRole('status').filter({ hasText: 'No limit' }).waitFor();
    expect((await ui.api.get('/v1/api/workspace')).body.frequencyCap).toBeNull();

    await page.getByRole('button', { name: 'Pause all calling' }).click();
    await screenshot(page, '24-stop-everything');
    expect(await accessibilityViolations(page), 'settings, stop everything').toEqual([]);
    await page.getByRole('button', { name: 'Yes, pause every batch' }).click();
    await page.getByRole('status').filter({ hasText: 'Everything is paused' }).waitFor();
    // The card follows the workspace's state: paused since when, and only Resume offered.
    await page
      .getByRole('status')
      .filter({ hasText: /^All calling is paused since / })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Pause all calling' }).count()).toBe(0);
    await page.goto(`${ui.server.baseUrl}/#/batches/${id}`);
    await page
      .getByRole('status')
      .filter({ hasText: /^Paused: workspace paused/ })
      .waitFor();
    expect(await badge(w).textContent()).toBe('Paused');

    await page.goto(`${ui.server.baseUrl}/#/settings`);
    await page.getByRole('button', { name: 'Resume all calling' }).click();
    await page.getByRole('status').filter({ hasText: 'Resumed' }).waitFor();
    expect((await ui.api.get(`/v1/api/batch-calls/${id}`)).body.status).not.toBe('paused');
    await page.goto(`${ui.server.baseUrl}/#/batches/${id}`);
    await expect.poll(() => badge(w).textContent(), { timeout: 10_000 }).toBe('Running');
    await fetch(`${ui.server.baseUrl}/v1/api/batch-calls/${id}`, {
      method: 'DELETE',
      headers: ui.api.headers,
    });
    expectCleanTraffic(w, ui.creds.apiKey);
  });
});
