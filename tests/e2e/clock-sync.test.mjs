// End-to-end tests of clock synchronisation's figures: every clock's offset from true time
// over the run with the bound each synchronisation claimed, and every synchronisation's
// round trip against the error it left. Run by scripts/test.sh like the other e2e files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { url, shots, useBrowser, openPage } from './harness.mjs';

const browser = useBrowser();

// The lesson's lopsided path: from 0.5 s n0's answers to n1 take 45 ms and n1's requests
// 5 ms, so n1 is left 20 ms behind n0, inside the ±25 ms it claims.
const lopsided = '#v=1&protocol=clock-sync&nodes=4&seed=1&net=lat5ms_jit0ms&actions=0.5s@link:0-1:lat45ms_jit0ms&t=2.1s';
// The same with the client ignoring the round trip: 45 ms behind, and the run stops.
const ignoring = '#v=1&protocol=clock-sync&nodes=4&seed=1&net=lat5ms_jit0ms&bugs=ignore-rtt&actions=0.5s@link:0-1:lat45ms_jit0ms&t=2s';

const offsets = 'article.figure[data-figure="each clock against true time"]';
const errors = 'article.figure[data-figure="round trip against error"]';

/** The texts of a figure's legend. */
const legend = (page, figure) => page.locator(`${figure} ul.figure-legend li`).allTextContents();

test('clock synchronisation draws each clock against true time with its claimed bounds, and round trips against errors', async () => {
  const { page, errors: logged } = await openPage(browser(), url + lopsided, { width: 1440, height: 900 });
  const lines = page.locator(`${offsets} svg.figure-chart.lines`);
  await lines.waitFor();
  assert.match(await lines.getAttribute('aria-label'), /from 0 s to 2\.1 s/);
  // A line per node, in its role's colour, each a drawn path.
  assert.equal(await lines.locator('g.trail').count(), 4);
  assert.equal(await lines.locator('g.trail.tone-lead').count(), 1);
  assert.equal(await lines.locator('g.trail.tone-steady').count(), 3);
  for (const d of await lines.locator('g.trail path.line').evaluateAll((ps) => ps.map((p) => p.getAttribute('d')))) {
    assert.match(d, /^M[\d.]+ [\d.]+L/);
  }
  // n1's claims: a bar of ±25 ms around n0's clock, and n1 really 20 ms behind, inside it.
  const n1 = lines.locator('g.trail[data-node="n1"]');
  const claims = await n1.locator('g.claim title').allTextContents();
  assert.ok(claims.length >= 2, claims.join(' | '));
  assert.ok(claims.some((c) => /−20\.0 ms \(claimed 0 s ± 25\.0 ms\)/.test(c)), claims.join(' | '));
  assert.equal(await lines.locator('g.claim.beyond').count(), 0);
  // The axes in units a person reads, and the nodes named at the ends of their lines.
  assert.equal(await lines.locator('text.caption', { hasText: 'offset from true time' }).count(), 1);
  assert.match(await lines.locator('text.caption').first().textContent(), /\(ms\)$/);
  assert.equal(await lines.locator('text.caption', { hasText: 'simulated time (s)' }).count(), 1);
  assert.ok((await lines.locator('text.node-name').allTextContents()).includes('n1'));
  // Every colour drawn is in the legend, once; nothing broken, so no key for it.
  assert.deepEqual(await legend(page, offsets), [
    "a node's clock (time-server)",
    "a node's clock (client)",
    "at a synchronisation: the bound it claims, ± half the round trip around n0's clock, and (dot) where it left the clock",
  ]);

  // The scatter: a dot per synchronisation, n1's at a round trip of 50 ms, between the
  // dashed lines of ± half the round trip.
  const scatter = page.locator(`${errors} svg.figure-chart.scatter`);
  const dots = await scatter.locator('circle.point title').allTextContents();
  assert.ok(dots.length >= 6, dots.join(' | '));
  assert.ok(dots.some((t) => /^n1: round trip 50\.0 ms, error left: ahead \+, behind − −20\.0 ms \(claimed ± 25\.0 ms\)$/.test(t)), dots.join(' | '));
  assert.equal(await scatter.locator('path.guide').count(), 1);
  assert.equal(await scatter.locator('circle.point.beyond').count(), 0);
  assert.equal(await scatter.locator('text.caption', { hasText: 'round trip (ms)' }).count(), 1);
  assert.deepEqual(await legend(page, errors), [
    'one synchronisation (client)',
    '± half the round trip: the bound each claims',
  ]);
  await page.locator('.figure-grid').screenshot({ path: `${shots}/85-clock-sync-figures.png` });
  assert.deepEqual(logged, []);
  await page.close();
});

test('a client that ignores the round trip is drawn beyond its claim, in both figures', async () => {
  const { page, errors: logged } = await openPage(browser(), url + ignoring, { width: 1280, height: 720 });
  const lines = page.locator(`${offsets} svg.figure-chart.lines`);
  await lines.waitFor();
  const beyond = lines.locator('g.trail[data-node="n1"] g.claim.beyond title');
  assert.equal(await beyond.count(), 1);
  assert.match(await beyond.textContent(), /−45\.0 ms \(claimed 0 s ± 25\.0 ms\)/);
  const scatter = page.locator(`${errors} svg.figure-chart.scatter`);
  assert.equal(await scatter.locator('circle.point.beyond').count(), 1);
  const key = 'a synchronisation that left the clock further off than it claimed';
  assert.ok((await legend(page, offsets)).includes(key));
  assert.ok((await legend(page, errors)).includes('a synchronisation beyond its claim'));
  assert.deepEqual(logged, []);
  await page.close();
});
