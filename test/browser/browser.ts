import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { ROOT } from '../support/cli.js';

// Debian's Chromium driven by playwright-core: nothing downloads a browser. .ci/run installs it
// with apt when it is missing.

export const CHROMIUM = '/usr/bin/chromium';

/**
 * A suite that needs Chromium: skipped loudly when it is not installed, except under CI=true
 * (where .ci/run installs it), where that is a failure.
 */
export function describeWithChromium(name: string, fn: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, fn);
    return;
  }
  if (process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is required under CI`);
  console.warn(
    `\n*** SKIPPING browser tests: ${CHROMIUM} missing (apt-get install chromium) ***\n`,
  );
  describe.skip(name, fn);
}

/** Screenshots of each page, for a reviewer to look at (not committed). */
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'dashboard');

// Without the networking flags Chromium's own background connections (updates, sync, field
// trials) are refused on this network and slow every start.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Each launch gets a fresh, temporary profile (playwright's own --user-data-dir, removed after). */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  return { browser, close: () => browser.close() };
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Every URL the page asked for, and every one that left the server's own origin. */
  requests: string[];
  foreign: string[];
  /** Console errors and CSP violations the page reported. */
  problems: string[];
}

/**
 * A fresh context (its own session storage) whose every request is recorded: a request to any
 * host but the server is a failure of the "no CDN, nothing external" rule.
 */
export async function openPage(
  browser: Browser,
  baseUrl: string,
  viewport = { width: 1280, height: 900 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const origin = new URL(baseUrl).origin;
  const requests: string[] = [];
  const foreign: string[] = [];
  const problems: string[] = [];
  context.on('request', (req) => {
    const url = req.url();
    requests.push(url);
    if (!url.startsWith('blob:') && !url.startsWith('data:') && new URL(url).origin !== origin) {
      foreign.push(url);
    }
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return { context, page, requests, foreign, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
