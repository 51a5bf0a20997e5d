// End-to-end tests of the built playground in headless Chromium (playwright-core with the
// system browser). Run by scripts/test.sh after `trunk build --release`; expects the page
// at $PLAYGROUND_URL and writes screenshots to $SCREENSHOT_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { url, shots, launch, openPage } from './harness.mjs';

// One page for the whole file: the tests continue each other's run.
let browser, page, errors;

before(async () => {
  browser = await launch(['--disable-background-networking', '--disable-component-update', '--disable-sync']);
  ({ page, errors } = await openPage(browser, url));
  // Real time, so that the test does not wait on slow motion.
  await page.selectOption('select[aria-label="Playback speed"]', { label: '1x' });
});
after(async () => { await browser?.close(); });

const leaders = () => page.$$eval('svg.topology .node.tone-lead', (ns) => ns.map((n) => n.getAttribute('aria-label')));
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
  const follower = page.locator('svg.topology g.node.tone-steady:not(.selected)').first();
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
  await waitFor(async () => /dropped: lost on the link/.test(await page.textContent('.event-log')), 'a lost message');
  await page.screenshot({ path: `${shots}/07-lossy.png`, fullPage: true });
  await page.getByRole('button', { name: 'calm' }).click();
  assert.deepEqual(errors, []);
});

test('the space-time diagram lights up the causal past and future of a clicked event', async () => {
  await page.getByRole('button', { name: 'Play or pause' }).click();
  await page.waitForTimeout(300);
  const canvas = page.locator('.spacetime canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const text = () => page.textContent('.selected-event');
  assert.match(await text(), /^Click an event/);
  // Search the middle of the window for a delivery, the lanes' y positions first.
  let picked = null;
  for (let x = box.width * 0.6; x > box.width * 0.1 && !picked; x -= 4) {
    for (let y = 8; y < box.height - 8 && !picked; y += 5) {
      await page.mouse.click(box.x + x, box.y + y);
      const t = await text();
      if (/^#\d+ at .*receives message/.test(t)) picked = t;
    }
  }
  assert.ok(picked, 'an event was picked in the diagram');
  await page.locator('.spacetime').screenshot({ path: `${shots}/08-causal.png` });
  // The selected event is highlighted in the diagram's pixels: some drawn in the past
  // colour and some in the future colour.
  const colours = await canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let past = 0, future = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] === 0 && d[i + 1] === 114 && d[i + 2] === 178) past++;
      if (d[i] === 213 && d[i + 1] === 94 && d[i + 2] === 0) future++;
    }
    return { past, future };
  });
  assert.ok(colours.past > 0 && colours.future > 0, `past and future drawn: ${JSON.stringify(colours)}`);
  await page.keyboard.press('Escape');
  assert.match(await text(), /^Click an event/);
  assert.deepEqual(errors, []);
});

test('clicking a row of the event log goes to that moment', async () => {
  const row = page.locator('.event-log .row').nth(5);
  const time = (await row.locator('.t').textContent()).trim();
  await row.click();
  await page.waitForTimeout(200);
  assert.equal(await page.textContent('.clock'), `t = ${time}`);
  assert.equal(await page.locator('.event-log .row.selected').count(), 1);
  // Filtering by a node keeps only rows that concern it.
  await page.selectOption('select[aria-label="Show events of one node"]', '0');
  const rows = await page.$$eval('.event-log .row', (rs) => rs.map((r) => r.textContent));
  assert.ok(rows.length > 0);
  for (const r of rows) assert.match(r, /n0/);
  await page.selectOption('select[aria-label="Show events of one node"]', 'all');
  assert.deepEqual(errors, []);
});

test('a link cut both ways is drawn cut, and the split tool partitions the cluster', async () => {
  await page.locator('svg.topology g.link').first().click();
  await page.getByRole('button', { name: 'Cut both ways' }).click();
  assert.equal(await page.locator('svg.topology g.link.cut').count(), 1);
  await page.getByRole('button', { name: 'Restore' }).click();
  assert.equal(await page.locator('svg.topology g.link.cut').count(), 0);
  await page.getByRole('button', { name: 'Split…' }).click();
  await page.locator('svg.topology g.node[aria-label^="node 3,"]').click();
  await page.locator('svg.topology g.node[aria-label^="node 4,"]').click();
  await page.getByRole('button', { name: 'Apply split' }).click();
  await page.waitForTimeout(100);
  assert.equal(await page.locator('svg.topology g.node.group-1').count(), 2);
  assert.ok(await page.locator('svg.topology g.link.partitioned').count() >= 6);
  // The fault is marked on the timeline.
  assert.ok(await page.locator('.markers .marker.fault').count() >= 1);
  await page.screenshot({ path: `${shots}/09-split.png` });
  await page.getByRole('button', { name: 'Heal network' }).click();
  assert.equal(await page.locator('svg.topology g.node.group-1').count(), 0);
  assert.deepEqual(errors, []);
});

test('keyboard shortcuts crash and restart the selected node', async () => {
  await page.locator('main').focus();
  await page.keyboard.press('2');
  await page.keyboard.press('c');
  await waitFor(async () => (await page.$('svg.topology g.node.crashed[aria-label^="node 2,"]')) !== null, 'the crash');
  assert.match(await page.textContent('.inspector'), /Crashed at .*, its disk kept/);
  await page.keyboard.press('r');
  await waitFor(async () => (await page.$('svg.topology g.node.crashed')) === null, 'the restart');
  // Losing the disk is said as such.
  await page.keyboard.press('x');
  await waitFor(async () => (await page.$('svg.topology g.node.crashed[aria-label^="node 2,"]')) !== null, 'the crash that loses the disk');
  assert.match(await page.textContent('.inspector'), /Crashed at .* and lost its disk/);
  await page.keyboard.press('r');
  await waitFor(async () => (await page.$('svg.topology g.node.crashed')) === null, 'the second restart');
  await page.keyboard.press('Escape');
  assert.deepEqual(errors, []);
});

test('set-up: a bad seed is refused with a message, a new size starts a new run', async () => {
  const seed = 'input[aria-label^="Seed"]';
  const before = await page.textContent('footer');
  await page.fill(seed, 'banana');
  await page.press(seed, 'Enter');
  assert.match(await page.textContent('.notice'), /seed must be a whole number/);
  assert.equal(await page.locator('svg.topology g.node').count(), 5);
  assert.match(await page.textContent('footer'), new RegExp(before.match(/seed \d+/)[0]));
  await page.fill(seed, '7');
  await page.press(seed, 'Enter');
  await waitFor(async () => /seed 7 /.test(await page.textContent('footer')), 'the new seed');
  await page.selectOption('select[aria-label="Number of nodes"]', '25');
  assert.equal(await page.locator('svg.topology g.node').count(), 25);
  // A new set-up keeps the play state: an earlier test left the run paused.
  const play = page.locator('.controls button[aria-label^="Play or pause"]').first();
  if ((await play.textContent()).trim() === 'Play') await play.click();
  await waitFor(async () => (await leaders()).length === 1, 'a leader among 25');
  await page.screenshot({ path: `${shots}/10-twenty-five.png`, fullPage: true });
  await page.selectOption('select[aria-label="Number of nodes"]', '5');
  assert.deepEqual(errors, []);
});

test('a panic shows an overlay, and the run restarts with the same seed and actions', async () => {
  await page.locator('svg.topology g.node[aria-label^="node 1,"]').click();
  await page.getByRole('button', { name: 'Crash (keep disk)' }).click();
  const seed = (await page.textContent('footer')).match(/seed (\d+)/)[1];
  const panicErrors = [];
  page.on('pageerror', (e) => panicErrors.push(String(e)));
  await page.evaluate(() => { try { window.wasmBindings.splitbrainSelfTestPanic(); } catch (e) { /* the trap */ } });
  await page.waitForSelector('.panic-overlay');
  assert.match(await page.textContent('.panic-overlay'), /deliberate panic/);
  await page.screenshot({ path: `${shots}/11-panic.png` });
  await page.getByRole('button', { name: 'Start again with the same seed and actions' }).click();
  await page.waitForSelector('svg.topology .node');
  assert.match(await page.textContent('.notice'), new RegExp(`seed ${seed} with the \\d+ actions`));
  assert.match(await page.textContent('footer'), new RegExp(`seed ${seed} `));
  // The crash was one of the actions: node 1 is down again once the run reaches it.
  await waitFor(async () => (await page.$('svg.topology g.node.crashed[aria-label^="node 1,"]')) !== null, 'the replayed crash');
  // Only the deliberate panic was reported.
  errors.length = 0;
});

test('a trap without a panic (as running out of memory is) shows the overlay at once, and a click after it changes nothing', async () => {
  await page.waitForSelector('svg.topology .node');
  // Uncaught, as a trap inside the frame driver or an event handler would be.
  await page.evaluate(() => setTimeout(() => window.wasmBindings.splitbrainSelfTestTrap(), 0));
  await page.waitForSelector('.panic-overlay');
  assert.match(await page.textContent('.panic-overlay'), /stopped \(unreachable\).*out of memory/);
  // The instance is poisoned: a click that reaches it fails, and the overlay stays the only one.
  await page.evaluate(() => { try { window.wasmBindings.splitbrainSelfTestPanic(); } catch (e) { /* the trap */ } });
  assert.equal(await page.locator('.panic-overlay').count(), 1);
  await page.getByRole('button', { name: 'Start again with the same seed and actions' }).click();
  await page.waitForSelector('svg.topology .node');
  assert.equal(await page.locator('.panic-overlay').count(), 0);
  errors.length = 0;
});
