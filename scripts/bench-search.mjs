// The page's "Can this break?" measured: for every bug variant of every protocol, the time
// from pressing Search to the first violation found (median over seeds), the frame time
// p95 while searching, and the runs per second of a correct protocol's search against the
// command line's on the same machine. Prints a table; asserts nothing (a benchmark).
//
//   node scripts/bench-search.mjs URL SPLITBRAIN_BINARY [SEEDS]
//
// URL is a served page (scripts/serve.sh, or tests/e2e/serve-static.mjs on a dist).
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';

const [url, cli, seedsArg] = process.argv.slice(2);
const seeds = Array.from({ length: Number(seedsArg ?? 5) }, (_, i) => i + 1);
const require = createRequire((process.env.PLAYWRIGHT_CORE_PATH ?? `${process.env.HOME}/.cache/splitbrain/npm/node_modules/playwright-core`) + '/');
const { chromium } = require('playwright-core');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; };

/** Opens the set-up, searches `runs` runs of `seconds` s; returns seconds to the first
 * violation (or to the end), whether one was found, frame times, and the runs done. */
async function search(query, runs, seconds) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(url + '#' + query);
  await page.waitForSelector('svg.topology .node');
  const panel = page.locator('section.search');
  await panel.scrollIntoViewIfNeeded();
  await panel.locator('select').nth(0).selectOption(String(runs));
  await panel.locator('select').nth(1).selectOption(String(seconds));
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (t) => { if (!window.__frames) return; window.__frames.push(t - last); last = t; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  await panel.getByRole('button', { name: 'Search' }).click();
  const done = panel.locator('text=/Broken:|No run broke|could not run/');
  await done.first().waitFor({ timeout: 300_000 });
  const text = await panel.innerText();
  const frames = await page.evaluate(() => { const f = window.__frames; window.__frames = null; return f; });
  const found = /Broken:/.test(text);
  // The page's own clock: until the broken run was known (before shrinking), or the end.
  const m = text.match(/\((\d+) runs searched in ([\d.]+) s\)/) ?? text.match(/: (\d+) runs in ([\d.]+) s/);
  const elapsed = m ? Number(m[2]) : NaN;
  await page.close();
  return { elapsed, found, frames, runs: m ? Number(m[1]) : NaN };
}

const protocols = JSON.parse(execFileSync(cli, ['protocols'], { encoding: 'utf8' })).protocols;
const allFrames = [];
console.log('protocol\tbug\tseeds found\tmedian s to first violation\tmedian runs');
for (const p of protocols) {
  for (const bug of p.bugs.map((b) => b.name)) {
    const times = [], runs = [];
    let found = 0;
    for (const seed of seeds) {
      const r = await search(`v=1&protocol=${p.name}&nodes=${p.nodes[2]}&seed=${seed}&bugs=${bug}`, 1000, 10);
      allFrames.push(...r.frames);
      if (r.found) { found += 1; times.push(r.elapsed); runs.push(r.runs); }
    }
    console.log(`${p.name}\t${bug}\t${found}/${seeds.length}\t${median(times).toFixed(2)}\t${median(runs)}`);
  }
}
console.log(`frame time while searching: p95 ${p95(allFrames).toFixed(1)} ms over ${allFrames.length} frames`);

// Runs per second: a correct Raft of 5 nodes, 1000 runs of 10 s, in the page and on the
// command line with as many threads as the page has workers.
const r = await search('v=1&protocol=raft&nodes=5&seed=1', 1000, 10);
const workers = await (async () => { const page = await browser.newPage(); await page.goto(url); const n = await page.evaluate(() => navigator.hardwareConcurrency); await page.close(); return Math.min(n, 8); })();
const t0 = Date.now();
execFileSync(cli, ['fuzz', '--protocol', 'raft', '--nodes', '5', '--rate', '5', '--seed', '1', '--runs', '1000', '--until', '10s', '--jobs', String(workers)]);
const cliSeconds = (Date.now() - t0) / 1000;
console.log(`correct raft, 1000 runs of 10 s: page ${(r.runs / r.elapsed).toFixed(0)} runs/s on ${workers} workers; command line ${(1000 / cliSeconds).toFixed(0)} runs/s on ${workers} threads`);
await browser.close();
