// End-to-end tests of what a protocol measures: the readings beside the cluster, the
// charts over simulated time under it, and the trade-off sweep of a duration setting.
// Run by scripts/test.sh like the other e2e files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { url, shots, useBrowser, openPage } from './harness.mjs';

const browser = useBrowser();
const open = (address, viewport) => openPage(browser(), address, viewport);

// Four nodes watching each other with heartbeats; n3 crashes at 1 s and n1 pauses for
// 600 ms at 2 s (long enough to be suspected wrongly with the default 300 ms timeout);
// shown at 6 s.
const detector = '#v=1&protocol=failure-detector&nodes=4&seed=1&actions=1s@crash:3:keep,2s@pause:1:600ms&t=6s';

/** A duration as a person writes it (`206 ms`, `1.5 s`), in microseconds. */
function micros(text) {
  const m = text.match(/^([\d.]+) (µs|ms|s)$/);
  assert.ok(m, `not a duration: "${text}"`);
  return Number(m[1]) * (m[2] === 's' ? 1e6 : m[2] === 'ms' ? 1e3 : 1);
}

/** The sweep's points in one measure's card: [{ value (µs), reading, label }], by value. */
const sweepPoints = (page, measure) => page.$$eval(
  `article.measure[data-measure="${measure}"] g.sweep-point`,
  (gs) => gs.map((g) => ({ value: Number(g.dataset.valueUs), reading: Number(g.dataset.reading), label: g.getAttribute('aria-label') })),
).then((ps) => ps.sort((a, b) => a.value - b.value));

const waitForSweep = (page) => page.waitForFunction(
  () => /runs of this set-up to/.test(document.querySelector('.sweep-bar')?.textContent ?? ''),
  null, { timeout: 60000 },
);

test('a protocol that measures shows its readings beside the cluster and charts each over time', async () => {
  const { page, errors } = await openPage(browser(), url + detector, { width: 1440, height: 900 });
  // Beside the cluster, on the first screen: the crash was noticed, and how fast.
  const now = page.locator('.measures-now');
  await now.waitFor();
  const detection = (await now.locator('dd[data-measure="detection time"]').textContent()).trim();
  assert.notEqual(detection, 'none yet');
  assert.ok(micros(detection) > 0 && micros(detection) < 1e6, `detection time ${detection}`);
  assert.match(await now.locator('h2').textContent(), /at 6 s/);
  // The help is there for the reader.
  assert.match(await now.locator('dt', { hasText: 'detection time' }).getAttribute('title'), /crash/);
  const box = await now.boundingBox();
  assert.ok(box.y + box.height <= 900, 'the readings are on the first screen');

  // Under the cluster: a card per measure, with the same reading and a chart over time.
  const card = page.locator('article.measure[data-measure="detection time"]');
  assert.equal((await card.locator('h3 .current').textContent()).trim(), detection);
  const chart = card.locator('svg.measure-chart.over-time');
  assert.match(await chart.getAttribute('aria-label'), /from 0 s to 6 s/);
  // A line of readings (none before the crash was noticed, then a step line), the y axis
  // in milliseconds and the time axis in seconds up to 6.
  assert.match(await chart.locator('path.reading').getAttribute('d'), /^M[\d.]+ [\d.]+H/);
  assert.equal(await chart.locator('text.caption', { hasText: 'milliseconds' }).count(), 1);
  const xTicks = await chart.locator('text.tick[text-anchor="middle"]').allTextContents();
  assert.equal(xTicks.at(-1), '6');
  // The crash and the pause are drawn where they happened, as faults.
  assert.equal(await chart.locator('line.mark.fault').count(), 2);
  // Measures of different units never share a chart: one per measure, each with its unit.
  const cards = await page.locator('article.measure').count();
  assert.equal(await page.locator('article.measure svg.over-time').count(), cards);
  assert.ok(cards >= 2);
  await page.locator('section.measures').screenshot({ path: `${shots}/80-measures.png` });
  assert.deepEqual(errors, []);
  await page.close();

  // At the start of a run there is nothing to sweep yet, and the page says so.
  const start = await openPage(browser(), `${url}#v=1&protocol=failure-detector&nodes=4&seed=1&t=0s`);
  assert.equal(await start.page.getByRole('button', { name: 'Sweep the timeout' }).isDisabled(), true);
  assert.match(await start.page.textContent('.sweep-bar'), /Play the run first/);
  assert.match(await start.page.textContent('article.measure[data-measure="detection time"]'), /none yet/);
  assert.deepEqual(start.errors, []);
  await start.page.close();

  // A protocol that measures nothing shows no panel.
  const plain = await openPage(browser(), `${url}#v=1&nodes=5&seed=1&t=1s`);
  assert.equal(await plain.page.locator('section.measures, .measures-now').count(), 0);
  assert.deepEqual(plain.errors, []);
  await plain.page.close();
});

test('sweeping the timeout plots each measure against it, and a point opens its run', async () => {
  const { page, errors } = await openPage(browser(), url + detector, { width: 1440, height: 900 });
  const own = (await page.locator('.measures-now dd[data-measure="detection time"]').textContent()).trim();
  await page.getByRole('button', { name: 'Sweep the timeout' }).click();
  await waitForSweep(page);
  assert.match(await page.textContent('.sweep-bar'), /8 runs of this set-up to 6 s, with the timeout from 60 ms to 1\.5 s/);

  // Detection time rises with the timeout; wrong suspicions fall.
  const detection = await sweepPoints(page, 'detection time');
  assert.ok(detection.length >= 6, `${detection.length} points`);
  assert.ok(detection.at(-1).reading > detection[0].reading, JSON.stringify(detection));
  const wrong = await sweepPoints(page, 'wrong suspicions');
  assert.equal(wrong.length, 8);
  assert.ok(wrong[0].reading > 0 && wrong.at(-1).reading === 0, JSON.stringify(wrong));
  // The sweep's run with the timeout on screen (300 ms) reads what the page reads.
  const same = detection.find((p) => p.value === 300000);
  assert.ok(same, 'the current timeout is one of the sweep\'s values');
  assert.ok(same.label.includes(`detection time ${own}`), `${same.label} vs ${own}`);
  // The x axis is the timeout, in ms and s, and the run on screen is marked.
  const sweepChart = page.locator('article.measure[data-measure="detection time"] svg.sweep-chart');
  assert.match((await sweepChart.locator('text.tick[text-anchor="middle"]').allTextContents()).join(' '), /100 ms.*1 s/);
  assert.equal(await sweepChart.locator('line.this-run').count(), 1);
  await page.locator('section.measures').screenshot({ path: `${shots}/81-sweep.png` });

  // Clicking the point of the longest timeout opens that run, at the sweep's end; the
  // sweep stays, since it is a sweep of this very run.
  const longest = detection.at(-1);
  await page.locator(`article.measure[data-measure="detection time"] g.sweep-point[data-value-us="${longest.value}"]`).click();
  await page.waitForFunction(() => /timeout=1\.5s/.test(location.hash));
  assert.match(await page.textContent('.controls .clock'), /t = 6 s/);
  assert.match(await page.textContent('.notice'), /Opened the sweep's run with the timeout at 1\.5 s/);
  const opened = (await page.locator('.measures-now dd[data-measure="detection time"]').textContent()).trim();
  assert.ok(longest.label.includes(`detection time ${opened}`), `${longest.label} vs ${opened}`);
  assert.equal((await sweepPoints(page, 'detection time')).length, detection.length);
  // A point is a button for the keyboard too: in focus, Enter opens its run.
  const shortest = detection[0];
  await page.locator(`article.measure[data-measure="wrong suspicions"] g.sweep-point[data-value-us="${shortest.value}"]`).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /timeout=60ms/.test(location.hash));
  assert.match(await page.textContent('.notice'), /Opened the sweep's run with the timeout at 60 ms/);
  assert.equal((await sweepPoints(page, 'detection time')).length, detection.length);

  // Acting changes the run, so the sweep, made for the run before, is dropped.
  await page.locator('svg.topology g.node[aria-label^="node 0,"]').click();
  await page.getByRole('button', { name: 'Crash (keep disk)' }).click();
  await page.waitForFunction(() => document.querySelectorAll('g.sweep-point').length === 0);
  assert.match(await page.textContent('section.measures'), /The run changed .* was dropped/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a long sweep shows its progress, leaves the page running and can be cancelled', async () => {
  // Forty nodes for 30 s: each run of the sweep takes about a second.
  const { page, errors } = await openPage(browser(), `${url}#v=1&protocol=failure-detector&nodes=40&seed=1&actions=1s@crash:3:keep&t=30s`, { width: 1280, height: 720 });
  await page.getByRole('button', { name: 'Sweep the timeout' }).click();
  const status = page.locator('.sweep-bar .sweep-status');
  await page.waitForFunction(() => /^Run \d of 8/.test(document.querySelector('.sweep-bar .sweep-status')?.textContent ?? ''));
  assert.match(await status.textContent(), /^Run \d of 8: the timeout at \d+ ms$/);
  assert.equal(await page.locator('.sweep-bar progress').count(), 1);
  // The page keeps playing while the sweep runs.
  await page.getByRole('button', { name: 'Play or pause' }).click();
  const clock = async () => page.textContent('.controls .clock');
  const before = await clock();
  await page.waitForFunction((t) => document.querySelector('.controls .clock').textContent !== t, before, { timeout: 3000 });
  assert.match(await status.textContent(), /^Run \d of 8/, 'the sweep is still running');
  await page.screenshot({ path: `${shots}/82-sweep-running.png` });
  await page.locator('.sweep-bar').getByRole('button', { name: 'Cancel' }).click();
  await page.waitForFunction(() => /^Cancelled/.test(document.querySelector('.sweep-bar .sweep-status')?.textContent ?? ''));
  assert.match(await status.textContent(), /^Cancelled after \d of 8 runs\.$/);
  assert.equal(await page.locator('.sweep-bar progress').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a service still overloaded after its trigger shows the Metastable badge, and one that recovered does not', async () => {
  // A 2 s slowdown of the server with naive retries: 6 s after it ended the queue is still full.
  const stuck = '#v=1&protocol=overload&nodes=5&seed=1&bugs=retry-storm&actions=2s@slow:0:30ms,4s@slow:0:0s&t=10s';
  const { page, errors } = await openPage(browser(), url + stuck, { width: 1440, height: 900 });
  const alarm = page.locator('.measures-now .alarm');
  await alarm.waitFor();
  assert.equal((await alarm.locator('.badge').textContent()).trim(), 'Metastable');
  assert.match(await alarm.textContent(), /half full for 5\.99 s since its trigger ended/);
  const box = await alarm.boundingBox();
  assert.ok(box.y + box.height <= 900, 'the badge is on the first screen');
  // With AIMD off, its windows read as off, not as waiting for a reading.
  assert.equal((await page.locator('.measures-now dd[data-measure="AIMD windows"]').textContent()).trim(), 'off: AIMD is not on');
  await page.screenshot({ path: `${shots}/95-metastable.png` });
  // The same slowdown with the default retries (backoff, jitter and a budget): recovered.
  await page.goto(url + stuck.replace('&bugs=retry-storm', '').replace('t=10s', 't=9s'));
  await page.locator('.measures-now').waitFor();
  await page.waitForFunction(() => /at 9 s/.test(document.querySelector('.measures-now h2')?.textContent ?? ''));
  assert.equal(await page.locator('.measures-now .alarm').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('random failures show the availability beside the cluster, against what their rates predict', async () => {
  // Five Raft nodes, each up 9 s and down 1 s on average, shown at 2 minutes.
  const { page, errors } = await open(`${url}#v=1&nodes=5&seed=3&failures=9s:1s&t=120s`, { width: 1440, height: 900 });
  const box = page.locator('.availability-now');
  await box.waitFor();
  const fact = async (name) => (await box.locator(`dd[data-availability="${name}"]`).textContent()).trim();
  assert.match(await fact('uptime'), /^9\d\.\d+% \([\d.]+ nines\): [\d.]+ (min|h|days) down a month, [\d.]+ (h|days) a year$/);
  assert.equal(await fact('needs'), 'a majority of the nodes (3 of 5) up');
  assert.equal(await fact('failures'), 'each node up 9 s and down 1 s on average');
  assert.match(await fact('predicted'), /^one node 90\.0% = 9 s \/ \(9 s \+ 1 s\); the service 99\.1%$/);
  assert.match(await fact('answered'), /^\d+ of \d+ operations \(\d+\.\d%\)$/);
  // The chart: both shares so far, the prediction dashed, each in the legend.
  const chart = box.locator('svg.availability-chart');
  assert.equal(await chart.locator('polyline.uptime').count(), 1);
  assert.equal(await chart.locator('polyline.answered').count(), 1);
  assert.equal(await chart.locator('line.predicted').count(), 1);
  assert.deepEqual(await box.locator('.chart-legend li').allTextContents(),
    ['uptime so far', 'operations answered so far', 'predicted by the failure rates']);
  // The menu shows the rates in use.
  const menu = page.locator('select[aria-label="Random failures"]');
  assert.equal((await menu.locator('option:checked').textContent()).trim(), 'up 9 s, down 1 s');
  await page.screenshot({ path: `${shots}/70-availability.png` });
  // Switching them off, from now on, keeps what was measured and drops the prediction.
  await menu.selectOption({ label: 'off' });
  await box.locator('dd[data-availability="failures"]').waitFor({ state: 'detached' });
  assert.match(await fact('uptime'), /%/);
  assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /@failures:off/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a calm run shows no availability, and random failures can be switched on from the page', async () => {
  const { page, errors } = await open(`${url}#v=1&nodes=3&seed=2&t=5s`, { width: 1280, height: 720 });
  assert.equal(await page.locator('.availability-now').count(), 0);
  await page.locator('select[aria-label="Random failures"]').selectOption({ label: 'up 9 s, down 1 s' });
  await page.locator('.availability-now dd[data-availability="failures"]').waitFor();
  assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /@failures:9s:1s/);
  // Rates from a link that are none of the menu's are shown as they are.
  const linked = await open(`${url}#v=1&nodes=3&seed=2&failures=20s:20ms&t=5s`, { width: 1280, height: 720 });
  await linked.page.locator('.availability-now').waitFor();
  assert.equal((await linked.page.locator('select[aria-label="Random failures"] option:checked').textContent()).trim(), 'up 20 s, down 20 ms');
  assert.deepEqual(linked.errors, []);
  await linked.page.close();
  assert.deepEqual(errors, []);
  await page.close();
});
