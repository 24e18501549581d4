import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  answerWith,
  type Received,
  type Receiver,
  startReceiver,
} from '../support/webhook-receiver.js';
import { describeWithChromium, screenshot } from './browser.js';
import { dashboardSession } from './dashboard-session.js';
import {
  accessibilityViolations,
  expectCleanTraffic,
  horizontalOverflow,
  signIn,
} from './dashboard-user.js';

/**
 * Standard Webhooks, checked with its reference package: the delivery verifies under `secret`
 * (any of its `v1,` signatures, within the package's timestamp tolerance of the wall clock).
 */
function signedWith(secret: string, r: Received): boolean {
  try {
    new Webhook(secret).verify(r.body, {
      'webhook-id': r.id,
      'webhook-timestamp': String(r.timestamp),
      'webhook-signature': r.signatures.join(' '),
    });
    return true;
  } catch {
    return false;
  }
}

describeWithChromium('dashboard do-not-call list and webhooks in Chromium', () => {
  const ui = dashboardSession({ OUTDIAL_WEBHOOK_ALLOW_PRIVATE: 'true' });
  const { tab, csv } = ui;
  let receiver: Receiver;
  let webhookId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver?.close());

  const listed = async (): Promise<string[]> =>
    (await ui.api.get('/v1/api/dnc?limit=100')).body.entries.map(
      (e: { phone_number: string }) => e.phone_number,
    );
  const status = (page: Page, text: string | RegExp) =>
    page.getByRole('status').filter({ hasText: text });

  it('do-not-call: adds typed numbers, imports a CSV, shows invalid rows, searches, removes', async () => {
    const w = await tab();
    const { page } = w;
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.getByRole('link', { name: 'Do not call' }).click();
    await page.getByRole('heading', { level: 1, name: 'Do-not-call list' }).waitFor();
    await page.getByText('The list is empty.').waitFor();

    const numbers = page.getByLabel('Phone numbers, one per line or comma-separated');
    await numbers.fill('+15005550101, +1 500 555 0201');
    await page.getByLabel('Reason (optional').fill('Asked by email');
    await page.getByRole('button', { name: 'Add numbers' }).click();
    await status(page, '2 numbers added.').waitFor();
    const rows = page.locator('.dnc-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('Asked by email');
    expect((await listed()).sort()).toEqual(['+15005550101', '+15005550201']);
    expect(await numbers.inputValue()).toBe('');

    await numbers.fill('+15005550101');
    await page.getByRole('button', { name: 'Add numbers' }).click();
    await status(page, '0 numbers added; 1 already on the list.').waitFor();

    // One bad number: nothing is stored, and each bad row is named.
    await numbers.fill('+15005550301\nnot a number\n+1 500 555 12ab');
    await page.getByRole('button', { name: 'Add numbers' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'Invalid phone numbers: 2 numbers are not valid phone numbers; nothing was stored',
    );
    const issues = page.locator('.issues');
    expect(await issues.locator('h3').textContent()).toBe('Invalid numbers (2)');
    const bad = await issues.locator('tbody tr').allTextContents();
    expect(bad).toHaveLength(2);
    expect(bad[0]).toMatch(/^2phone_numbernot a number/);
    expect(bad[1]).toMatch(/^3phone_number\+1 500 555 12ab/);
    await screenshot(page, '30-dnc-invalid');
    expect(await listed()).not.toContain('+15005550301');
    expect(await numbers.inputValue()).toContain('not a number');

    // A CSV with a phone_number column; a row that is not a number names its line.
    const broken = csv('dnc-bad.csv', ['name,phone_number', 'A,+15005550401', 'B,12ab']);
    await page.getByLabel('CSV file with a phone_number column').setInputFiles(broken);
    await page.getByRole('button', { name: 'Import file' }).click();
    await expect.poll(() => issues.locator('tbody tr').allTextContents()).toHaveLength(1);
    expect((await issues.locator('tbody tr').allTextContents())[0]).toMatch(/^3phone_number12ab/);
    expect(await listed()).not.toContain('+15005550401');

    const good = csv('dnc.csv', [
      'name,phone_number',
      'A,+15005550401',
      'B,+15005550501',
      'C,+15005550101',
    ]);
    await page.getByLabel('CSV file with a phone_number column').setInputFiles(good);
    await page.getByRole('button', { name: 'Import file' }).click();
    await status(page, '2 numbers added; 1 already on the list.').waitFor();
    expect(await page.locator('.issues').count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    await expect.poll(() => rows.count()).toBe(4);
    const imported = (await ui.api.get('/v1/api/dnc/%2B15005550401')).body;
    expect(imported.source).toBe('import');
    expect(imported.reason).toBe('Asked by email');
    await screenshot(page, '31-dnc-list');

    await page.getByLabel('Search by number').fill('555 0401');
    await expect.poll(() => rows.allTextContents()).toHaveLength(1);
    expect(await rows.first().locator('th').textContent()).toBe('+15005550401');
    await page.getByText('1 number matching “555 0401”').waitFor();
    await page.getByLabel('Search by number').fill('');
    await expect.poll(() => rows.count()).toBe(4);

    await page.getByRole('button', { name: 'Remove +15005550101 from the list' }).click();
    await status(page, '+15005550101 removed: it can be called again.').waitFor();
    await expect.poll(() => rows.count()).toBe(3);
    expect((await ui.api.get('/v1/api/dnc/%2B15005550101')).status).toBe(404);

    // More than a page: 50 a page, the rest on the next.
    const many = Array.from({ length: 60 }, (_, i) => `+4479111${String(i).padStart(5, '0')}`);
    const added = await fetch(`${ui.server.baseUrl}/v1/api/dnc`, {
      method: 'POST',
      headers: { ...ui.api.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ phoneNumbers: many }),
    });
    expect(added.status).toBe(200);
    await page.reload();
    await page.getByText('63 numbers on the list').waitFor();
    expect(await rows.count()).toBe(50);
    const pager = page.getByRole('navigation', { name: 'Do-not-call pages' });
    expect(await pager.textContent()).toContain('of 2');
    await pager.getByRole('button', { name: 'Next →' }).click();
    await expect.poll(() => rows.count()).toBe(13);
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  it('webhooks: create one, see its secret once, test it, read the log, redeliver', async () => {
    const w = await tab();
    const { page } = w;
    await w.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: ui.server.baseUrl,
    });
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByRole('heading', { name: 'No webhooks yet' }).waitFor();
    await page.getByRole('button', { name: 'New webhook' }).click();

    // A refused address comes back in the API's words.
    await page.getByLabel('Endpoint URL').fill('ftp://example.com/x');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /^Invalid webhook URL: / })
      .waitFor();

    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Only the events chosen below').check();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByRole('alert').filter({ hasText: 'Choose at least one event' }).waitFor();
    await page.getByLabel('batch.completed').check();
    await page.getByLabel('call.failed').check();
    await page.getByLabel('Description (optional)').fill('CRM sync');
    await page.getByRole('button', { name: 'Create webhook' }).click();

    const secretField = page.getByLabel('Secret', { exact: true });
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await status(page, 'Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await screenshot(page, '32-webhook-created');
    const listedHooks = (await ui.api.get('/v1/api/webhooks')).body.webhooks;
    expect(listedHooks).toHaveLength(1);
    expect(listedHooks[0].events).toEqual(['batch.completed', 'call.failed']);
    expect(listedHooks[0].description).toBe('CRM sync');
    expect(JSON.stringify(listedHooks)).not.toContain(secret);
    webhookId = listedHooks[0].id;

    // Once: dismissed, or on a fresh load, it is nowhere on the page.
    await page.getByRole('button', { name: 'I have saved it' }).click();
    expect(await secretField.count()).toBe(0);
    await page.reload();
    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('heading', { level: 1, name: 'CRM sync' }).waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await page.locator('.stats').textContent()).toContain('batch.completed, call.failed');
    await page.getByText('Nothing sent yet.').waitFor();

    // A test the receiver accepts; the event is signed with the secret shown.
    await page.getByRole('button', { name: 'Send test event' }).click();
    await status(page, 'Test event delivered: the endpoint answered HTTP 200.').waitFor();
    expect(receiver.received).toHaveLength(1);
    const first = receiver.received[0]!;
    expect(JSON.parse(first.body).type).toBe('webhook.test');
    expect(signedWith(secret, first)).toBe(true);
    const log = page.locator('.deliveries-table tbody tr');
    await expect.poll(() => log.count()).toBe(1);
    const row = await log.first().textContent();
    expect(row).toContain('webhook.test');
    expect(row).toContain(first.id);
    expect(row).toContain('delivered');
    expect(row).toContain('HTTP 200');

    // Redelivered: queued again and sent by a worker with the same webhook-id.
    await page.getByRole('button', { name: `Redeliver ${first.id}` }).click();
    await status(page, 'queued again with the same webhook-id').waitFor();
    await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(2);
    expect(receiver.received[1]!.id).toBe(first.id);
    await expect
      .poll(() => log.first().locator('.badge').textContent(), { timeout: 20_000 })
      .toBe('delivered');

    // A test the receiver refuses: its answer on the page, and a retry waiting in the log.
    receiver.answer = answerWith(500);
    await page.getByRole('button', { name: 'Send test event' }).click();
    await status(page, 'Test event not accepted').waitFor();
    expect(await status(page, 'Test event not accepted').textContent()).toBe(
      'Test event not accepted: HTTP 500.',
    );
    await expect.poll(() => log.count()).toBe(2);
    const failing = await log.first().textContent();
    expect(failing).toContain('pending');
    expect(await log.first().locator('[data-label="Last answer"]').textContent()).toBe('HTTP 500');
    expect(await log.first().locator('[data-label="Next attempt"]').textContent()).not.toBe('—');
    await page.getByLabel('Status').selectOption('delivered');
    await expect.poll(() => log.count()).toBe(1);
    expect(await log.first().textContent()).toContain('delivered');
    await page.getByLabel('Status').selectOption('all');
    receiver.answer = answerWith(200);
    await screenshot(page, '33-webhook-log');
    expect(await accessibilityViolations(page), 'webhook page').toEqual([]);

    // Edit, disable and enable, rotate (the new secret shown once, and it signs), delete.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('All events').check();
    await page.getByLabel('Description (optional)').fill('CRM sync v2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { level: 1, name: 'CRM sync v2' }).waitFor();
    expect(await page.locator('.stats').textContent()).toContain('All events');
    expect((await ui.api.get(`/v1/api/webhooks/${webhookId}`)).body.events).toEqual(['*']);
    await page.getByRole('button', { name: 'Disable' }).click();
    await status(page, 'Webhook disabled').waitFor();
    expect((await ui.api.get(`/v1/api/webhooks/${webhookId}`)).body.enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await status(page, 'Webhook enabled.').waitFor();
    expect((await ui.api.get(`/v1/api/webhooks/${webhookId}`)).body.enabled).toBe(true);

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = await secretField.inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await status(page, 'The previous one still signs for 24 hours').waitFor();
    const before = receiver.received.length;
    await page.getByRole('button', { name: 'Send test event' }).click();
    await status(page, 'Test event delivered').waitFor();
    // For a day both secrets sign everything sent (a retry of the refused test included).
    const sentSince = receiver.received.slice(before);
    expect(sentSince.length).toBeGreaterThan(0);
    for (const r of sentSince) {
      expect(signedWith(rotated, r)).toBe(true);
      expect(signedWith(secret, r)).toBe(true);
    }
    await screenshot(page, '34-webhook-rotated');
    expectCleanTraffic(w, ui.creds.apiKey);
  });

  for (const [label, viewport] of [
    ['phone', { width: 390, height: 844 }],
    ['desktop', { width: 1280, height: 900 }],
  ] as const) {
    it(`the new pages fit a ${label} screen and pass axe-core checks`, async () => {
      const w = await tab(viewport);
      const { page } = w;
      await signIn(page, ui.server.baseUrl, ui.creds);
      const visit = async (hash: string, ready: (p: Page) => Promise<unknown>, name: string) => {
        await page.goto(`${ui.server.baseUrl}/${hash}`);
        await ready(page);
        await page.waitForTimeout(300);
        expect(await horizontalOverflow(page), `${name} at ${viewport.width}`).toEqual([]);
        expect(await accessibilityViolations(page), `${name} at ${viewport.width}`).toEqual([]);
        await screenshot(page, `${label}-${name}`);
      };
      await visit('#/do-not-call', (p) => p.locator('.dnc-table').waitFor(), 'do-not-call');
      await visit('#/webhooks', (p) => p.locator('.webhooks-table').waitFor(), 'webhooks');
      await visit(
        `#/webhooks/${webhookId}`,
        (p) => p.locator('.deliveries-table').waitFor(),
        'webhook',
      );
      await page.getByRole('button', { name: 'Edit' }).click();
      await page.getByLabel('Only the events chosen below').check();
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByLabel('Secret', { exact: true }).waitFor();
      expect(await horizontalOverflow(page), `webhook forms at ${viewport.width}`).toEqual([]);
      expect(await accessibilityViolations(page), `webhook forms`).toEqual([]);
      await screenshot(page, `${label}-webhook-forms`);
      expectCleanTraffic(w, ui.creds.apiKey);
    });
  }

  it('deletes a webhook after asking', async () => {
    const w = await tab();
    const { page } = w;
    await signIn(page, ui.server.baseUrl, ui.creds);
    await page.goto(`${ui.server.baseUrl}/#/webhooks/${webhookId}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Delete this webhook?').waitFor();
    await page.getByRole('button', { name: 'Keep it' }).click();
    expect((await ui.api.get(`/v1/api/webhooks/${webhookId}`)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete it' }).click();
    await page.getByRole('heading', { name: 'No webhooks yet' }).waitFor();
    expect((await ui.api.get(`/v1/api/webhooks/${webhookId}`)).status).toBe(404);
    expectCleanTraffic(w, ui.creds.apiKey);
  });
});
