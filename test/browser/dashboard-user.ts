/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { WatchedPage } from './browser.js';

// What a person does on the dashboard, step by step, shared by the scenario files.

export interface Credentials {
  workspaceId: string;
  apiKey: string;
  agentId: string;
}

export async function signIn(page: Page, baseUrl: string, c: Credentials): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Workspace ID').fill(c.workspaceId);
  await page.getByLabel('API key').fill(c.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Batches' }).waitFor();
}

/** Drops a CSV (the file input under the drop zone) and waits for the row report. */
export async function chooseFile(page: Page, file: string): Promise<void> {
  await page.locator('input[type=file]').setInputFiles(file);
  await page
    .getByRole('heading', { level: 2, name: /^The file (is ready|has problems)$/ })
    .waitFor();
}

/** The `N of M calls done` label of the batch page's progress bar. */
export async function progressDone(page: Page): Promise<{ done: number; total: number }> {
  const label = await page.getByRole('progressbar').getAttribute('aria-label');
  const m = /^(\d+) of (\d+) calls done/.exec(label ?? '');
  if (!m) throw new Error(`no progress label: ${label}`);
  return { done: Number(m[1]), total: Number(m[2]) };
}

/**
 * Watches the batch page, without touching it, until it says Completed; returns every distinct
 * progress it showed on the way, and how many times the page loaded meanwhile (must be none).
 */
export async function watchUntilComplete(page: Page, status = 'Completed', timeoutMs = 90_000) {
  let loads = 0;
  const onLoad = () => loads++;
  page.on('load', onLoad);
  const seen: number[] = [];
  const deadline = Date.now() + timeoutMs;
  const badge = page.locator('.section-head .badge');
  for (;;) {
    const { done } = await progressDone(page);
    if (seen.at(-1) !== done) seen.push(done);
    if ((await badge.textContent()) === status) break;
    if (Date.now() > deadline) throw new Error(`batch not ${status} in time; saw ${seen}`);
    await page.waitForTimeout(200);
  }
  page.off('load', onLoad);
  return { seen, loads };
}

/** The key never appears in a URL the page asked for, and nothing left the server. */
export function expectCleanTraffic(w: WatchedPage, apiKey: string): void {
  expect(w.requests.length).toBeGreaterThan(0);
  expect(w.foreign).toEqual([]);
  expect(w.requests.filter((u) => u.includes(apiKey))).toEqual([]);
  // No CSP violation and no script error; 4xx the test provoked log "Failed to load resource".
  expect(w.problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]);
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/**
 * axe-core's WCAG 2 A/AA rules on the page as it stands (labels, roles, names, contrast). axe is
 * evaluated through the debugging protocol, which the page's CSP does not govern.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: any }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map(
      (v: { id: string; help: string; nodes: Array<{ target: string[] }> }) =>
        `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
  });
  return violations as string[];
}

/** Whether the page scrolls sideways: a layout that does not fit its width. */
/**
 * What makes the page scroll sideways: none when it fits, else the innermost elements that reach
 * past the right edge, so a failure names the culprit instead of just "true".
 */
export async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth + 1) return [];
    const edge = root.clientWidth + 1;
    const past = Array.from(document.body.querySelectorAll('*')).filter(
      (el) => el.getBoundingClientRect().right > edge,
    );
    const innermost = past.filter((el) => !past.some((o) => o !== el && el.contains(o)));
    const found = innermost.slice(0, 5).map((el) => {
      const text = (el.textContent ?? '').trim().slice(0, 40);
      return `${el.tagName.toLowerCase()}${el.className ? `.${el.className}` : ''} "${text}"`;
    });
    return found.length > 0 ? found : [`page ${root.scrollWidth} px wide`];
  });
}
