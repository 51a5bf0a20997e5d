// The page's memory over a long run, in headless Chromium: mounts a playground (the same
// App and reducer as the page) with a large cluster under load, seeks forward a step at a
// time as playing does, and prints the live heap and the WebAssembly memory (its peak)
// against simulated time, with how long each step took.
//   node scripts/soak-page.mjs URL [seconds] [query]
// (defaults: 600 s of `nodes=64&load=50`).
import { createRequire } from 'node:module';

const require = createRequire(process.env.PLAYWRIGHT_CORE_PATH + '/');
const { chromium } = require('playwright-core');
const base = process.argv[2] ?? 'http://127.0.0.1:8090/';
const seconds = Number(process.argv[3] ?? 600);
const query = process.argv[4] ?? 'nodes=64&load=50';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.on('pageerror', (e) => console.log(`page error: ${e}`));
// The page's own playground stays small and paused; the measured one is mounted beside it.
await page.goto(`${base}#nodes=3&load=0&autoplay=0`);
await page.waitForSelector('svg.topology .node');
await page.evaluate((q) => {
  const el = document.createElement('div');
  document.body.append(el);
  window.soak = window.wasmBindings.mount(el, `${q}&autoplay=0`);
}, query);
const mb = (b) => (b / 2 ** 20).toFixed(0).padStart(8);
console.log(`${query}, ${seconds} s`);
console.log('  sim s   heap MB   wasm MB   step real s');
const step = Math.max(1, Math.round(seconds / 20));
for (let t = step; t <= seconds; t += step) {
  const started = Date.now();
  // A second at a time, as frames at 10x would: each seek runs through the page's reducer.
  for (let s = t - step + 1; s <= t; s++) {
    await page.evaluate((us) => window.soak.seek(us), s * 1e6);
  }
  const took = (Date.now() - started) / 1000;
  const [heap, wasm] = await page.evaluate(() => window.wasmBindings.splitbrainMemory());
  const overlay = await page.locator('.panic-overlay').count();
  console.log(`${String(t).padStart(7)}  ${mb(heap)}  ${mb(wasm)}  ${took.toFixed(1).padStart(12)}${overlay ? '  (error overlay)' : ''}`);
  if (overlay) break;
}
// Seeking back from the end: the cost of a rewind when snapshots are sparse.
for (const back of [seconds - 1, Math.round(seconds / 2), 1]) {
  const started = Date.now();
  await page.evaluate((us) => window.soak.seek(us), back * 1e6);
  console.log(`seek back to ${back} s: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await page.evaluate((us) => window.soak.seek(us), seconds * 1e6);
}
await browser.close();
