// "Can this break?": the page's search runs the fuzzer on the set-up in Web Workers, finds
// a bug variant's violation, shrinks it and opens it; a correct protocol's search ends by
// saying what it tried, never "safe"; the page keeps drawing frames meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, url, shots } from './harness.mjs';

const browser = useBrowser();

/** Starts the search with `runs` runs of `seconds` s each. */
async function search(page, runs, seconds) {
  const panel = page.locator('section.search');
  await panel.scrollIntoViewIfNeeded();
  await panel.locator('select').nth(0).selectOption(String(runs));
  await panel.locator('select').nth(1).selectOption(String(seconds));
  await panel.getByRole('button', { name: 'Search' }).click();
  return panel;
}

/** Frame times (ms between animation frames) while `during` runs. */
async function frameTimes(page, during) {
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (t) => {
      if (!window.__frames) return;
      window.__frames.push(t - last);
      last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await during();
  return page.evaluate(() => { const f = window.__frames; window.__frames = null; return f; });
}

function p95(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
}

test('a bug variant: the search finds a violation, shrinks it and opens it at the violation', async () => {
  const { page, errors } = await openPage(browser(), url + '#v=1&protocol=raft&nodes=5&seed=1&bugs=forget-vote');
  // What the panel says while it shrinks, however briefly.
  await page.evaluate(() => {
    window.__shrinking = [];
    const panel = document.querySelector('section.search');
    new MutationObserver(() => {
      const said = panel.innerText.match(/\d+ re-runs of at most \d+; the smallest run that still breaks it has \d+ actions?/);
      if (said) window.__shrinking.push(said[0]);
    }).observe(panel, { subtree: true, childList: true, characterData: true });
  });
  const started = Date.now();
  let panel;
  const frames = await frameTimes(page, async () => {
    panel = await search(page, 1000, 10);
    await panel.locator('.verdict.bad').waitFor({ timeout: 120_000 });
  });
  const seconds = (Date.now() - started) / 1000;
  const text = await panel.innerText();
  assert.match(text, /Broken: election safety, in run \d+ \(\d+ runs searched in/);
  assert.match(text, /Shrunk in [\d.]+ s from \d+ actions to \d+ on \d+ nodes/);
  // While it shrank, the panel said how far it had got.
  const shrinking = await page.evaluate(() => window.__shrinking);
  assert.ok(shrinking.length >= 1, 'no word from the shrink while it ran');
  const actions = await panel.locator('.search-actions li').count();
  // The run on screen is the shrunk one, stopped at the violation the search named.
  await page.locator('.verdict.bad[role=alert]').waitFor();
  const verdict = await page.locator('.verdict.bad[role=alert]').innerText();
  assert.match(verdict, /election safety violated/);
  console.log(`search: violation found, shrunk and opened in ${seconds.toFixed(1)} s; ${actions} actions left; frame time p95 ${p95(frames).toFixed(1)} ms over ${frames.length} frames`);
  await page.screenshot({ path: `${shots}/search-broken.png`, fullPage: false });
  await panel.screenshot({ path: `${shots}/search-broken-panel.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a correct protocol: the search says how many runs of which faults it tried, not that it is safe', async () => {
  const { page, errors } = await openPage(browser(), url + '#v=1&protocol=raft&nodes=3&seed=4');
  const started = Date.now();
  const panel = await search(page, 200, 5);
  await panel.locator('.verdict.ok').waitFor({ timeout: 120_000 });
  const seconds = (Date.now() - started) / 1000;
  const text = await panel.locator('.verdict.ok').innerText();
  assert.match(text, /No run broke a promised property: 200 runs in/);
  assert.match(text, /partition/);
  assert.doesNotMatch(text, /\bsafe\b/);
  console.log(`search: 200 runs of 5 s of correct Raft (3 nodes) in ${seconds.toFixed(1)} s (${(200 / seconds).toFixed(1)} runs per second)`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a lesson's step that claims what a search finds sets the search and lets the reader run it", async () => {
  const { page, errors } = await openPage(browser(), url + '#lesson=leader-election&step=5');
  // The explanation, with the claim, shows once the question is answered.
  await page.locator('.lesson-panel').getByText('yes: somewhere in the thousand runs').click();
  await page.locator('.lesson-panel .claim').getByText('press Search', { exact: false }).waitFor();
  const panel = page.locator('section.search');
  assert.equal(await panel.locator('select').nth(0).inputValue(), '1000');
  assert.equal(await panel.locator('select').nth(1).inputValue(), '10');
  await panel.getByRole('button', { name: 'Search' }).click();
  await panel.locator('.verdict.bad').waitFor({ timeout: 120_000 });
  // The same run the lesson's claim found (run 572 from seed 1).
  assert.match(await panel.innerText(), /Broken: election safety, in run 572 /);
  await page.screenshot({ path: `${shots}/search-lesson.png` });
  assert.deepEqual(errors, []);
  await page.close();
});
