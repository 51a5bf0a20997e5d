// End-to-end tests of the built playground in headless Chromium (playwright-core with the
// system browser). Run by scripts/test.sh after `trunk build --release`; expects the page
// at $PLAYGROUND_URL and writes screenshots to $SCREENSHOT_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.PLAYWRIGHT_CORE_PATH + '/');
const { chromium } = require('playwright-core');

const url = process.env.PLAYGROUND_URL ?? 'http://127.0.0.1:8090/';
const shots = process.env.SCREENSHOT_DIR ?? 'test-output/e2e';
mkdirSync(shots, { recursive: true });

let browser, page;
const errors = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('svg.topology .node');
  // Real time, so that the test does not wait on slow motion.
  await page.selectOption('select[aria-label="Playback speed"]', { label: '1x' });
});

after(async () => { await browser?.close(); });

const leaders = () => page.$$eval('svg.topology .node.leader', (ns) => ns.map((n) => n.getAttribute('aria-label')));
const nodeName = (label) => label.match(/node (\d+)/)[1];

async function waitFor(predicate, what, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('the page loads without console errors and elects a leader', async () => {
  await waitFor(async () => (await leaders()).length === 1, 'a leader');
  await page.screenshot({ path: `${shots}/01-leader.png` });
  assert.deepEqual(errors, []);
  assert.match(await page.textContent('.verdict'), /hold so far/);
});

test('isolating the leader elects a new one on the majority side', async () => {
  const old = nodeName((await leaders())[0]);
  await page.locator(`svg.topology g.node[aria-label^="node ${old},"]`).click();
  await page.getByRole('button', { name: 'Isolate' }).click();
  await waitFor(async () => (await leaders()).some((l) => nodeName(l) !== old), 'a new leader');
  await page.screenshot({ path: `${shots}/02-new-leader.png` });
});

test('healing the network converges to one leader and safety holds', async () => {
  await page.getByRole('button', { name: 'Heal network' }).click();
  await waitFor(async () => (await leaders()).length === 1, 'a single leader after healing');
  await page.waitForTimeout(1000);
  await page.screenshot({ path: `${shots}/03-healed.png` });
  assert.match(await page.textContent('.verdict'), /hold so far/);
});

test('a node crashes and restarts', async () => {
  // Paused, so that the node clicked keeps its role while the test looks at it.
  await page.getByRole('button', { name: 'Play or pause' }).click();
  const follower = page.locator('svg.topology g.node.follower:not(.selected)').first();
  const label = await follower.getAttribute('aria-label');
  const n = nodeName(label);
  await follower.click();
  await page.getByRole('button', { name: 'Crash (keep disk)' }).click();
  await waitFor(async () => (await page.$(`svg.topology g.node.crashed[aria-label^="node ${n},"]`)) !== null, 'the crash');
  await page.screenshot({ path: `${shots}/04-crashed.png` });
  await page.getByRole('button', { name: 'Restart' }).click();
  await waitFor(async () => (await page.$(`svg.topology g.node.crashed`)) === null, 'the restart');
  await page.screenshot({ path: `${shots}/05-restarted.png` });
  await page.getByRole('button', { name: 'Play or pause' }).click();
  assert.deepEqual(errors, []);
});

test('rewinding shows the earlier state exactly', async () => {
  await page.getByRole('button', { name: 'Play or pause' }).click();
  const footer = async () => (await page.textContent('footer')).match(/trace hash (\w+)/)[1];
  const clock = async () => page.textContent('.clock');
  const slider = 'input[aria-label^="Seek"]';
  const before = { value: await page.inputValue(slider), hash: await footer(), clock: await clock() };
  await page.getByRole('button', { name: '+1 s' }).click();
  await page.getByRole('button', { name: '+1 s' }).click();
  assert.notEqual(await footer(), before.hash);
  await page.$eval(slider, (el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, before.value);
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${shots}/06-rewound.png` });
  // Seeking lands on the millisecond the slider names; the run there is the same run.
  const ms = Number(before.value);
  assert.match(await clock(), new RegExp(String(Math.floor(ms / 1000))));
  await page.$eval(slider, (el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, String(ms + 2000));
  await page.waitForTimeout(200);
  const forward = await footer();
  await page.$eval(slider, (el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, String(ms));
  await page.$eval(slider, (el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, String(ms + 2000));
  await page.waitForTimeout(200);
  assert.equal(await footer(), forward, 'replaying the same stretch gives the same trace');
  assert.deepEqual(errors, []);
});

test('a lossy network shows lost messages in the event log', async () => {
  await page.getByRole('button', { name: 'lossy (20% loss)' }).click();
  assert.equal(await page.getAttribute('button:has-text("lossy (20% loss)")', 'aria-pressed'), 'true');
  await page.getByRole('button', { name: 'Play or pause' }).click();
  await waitFor(async () => /dropped \(Loss\)/.test(await page.textContent('.event-log')), 'a lost message');
  await page.screenshot({ path: `${shots}/07-lossy.png`, fullPage: true });
  await page.getByRole('button', { name: 'calm' }).click();
  assert.deepEqual(errors, []);
});
