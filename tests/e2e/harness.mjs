// What every e2e file shares: the browser (playwright-core with the system Chromium), the
// page's address ($PLAYGROUND_URL), the screenshot folder ($SCREENSHOT_DIR), and opening a
// page that records its console errors.
import { before, after } from 'node:test';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.PLAYWRIGHT_CORE_PATH + '/');
const { chromium } = require('playwright-core');

export const url = process.env.PLAYGROUND_URL ?? 'http://127.0.0.1:8090/';
export const shots = process.env.SCREENSHOT_DIR ?? 'test-output/e2e';
mkdirSync(shots, { recursive: true });

/** Starts the system Chromium, headless. */
export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', ...extraArgs],
  });
}

/** Launches the browser before the file's tests and closes it after; returns a getter. */
export function useBrowser() {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });
  return () => browser;
}

/** Opens `address` in a new page of `browser` and waits for the playground (or one of its
 * embedded views) to be drawn; `errors` collects console errors and uncaught exceptions. */
export async function openPage(browser, address, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(address);
  await page.waitForSelector('svg.topology .node, .spacetime canvas, table.scoreboard, .event-log .row');
  return { page, errors };
}
