// Frame-time benchmark of the built playground in headless Chromium: opens the page in
// its benchmark mode (?bench=N) for several cluster sizes and prints, per size, the
// 50th/95th percentile and worst frame, both the work done inside each animation frame
// and the interval between frames, with the number of messages in flight.
//   node scripts/bench-page.mjs URL [seconds]
import { createRequire } from 'node:module';

const require = createRequire(process.env.PLAYWRIGHT_CORE_PATH + '/');
const { chromium } = require('playwright-core');
const base = process.argv[2] ?? 'http://127.0.0.1:8090/';
const seconds = Number(process.argv[3] ?? 8);
// [nodes, link latency in ms, client ops/s]: slow links keep many messages in the air.
// nodes:latency_ms:load[:protocol]
const cases = (process.env.BENCH_CASES ?? '5:5:50,25:5:50,64:5:50,64:270:5,64:400:5,64:5:200:quorum,64:5:200:primary-backup')
  .split(',').map((c) => c.split(':').map((x, i) => (i < 3 ? Number(x) : x)));

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f = (x) => (x === undefined ? 'n/a' : x.toFixed(1));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage', ...(process.env.BENCH_FLAGS ?? '').split(' ').filter(Boolean)],
});
// Time from navigation to the first drawn cluster, on a fresh page each time.
{
  const times = [];
  for (let i = 0; i < 5; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const start = Date.now();
    await page.goto(base);
    await page.waitForSelector('svg.topology .node');
    // The first frame after the cluster is in the DOM: the page is interactive.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    times.push(Date.now() - start);
    await page.close();
  }
  console.log(`BENCH first_interactive_ms ${times.join(' ')} (median ${pct(times, 50)})`);
}
for (const [nodes, latency, load = 50, protocol = 'raft'] of cases) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}?bench=${nodes}&latency=${latency}&load=${load}&protocol=${protocol}`);
  await page.waitForSelector('svg.topology .node');
  if (process.env.BENCH_HIDE) await page.addStyleTag({ content: `${process.env.BENCH_HIDE} { display: none !important; }` });
  if (process.env.BENCH_WINDOW) await page.selectOption('select[aria-label="Time window of the diagram"]', { label: process.env.BENCH_WINDOW });
  // Warm up (elections, the first messages), then measure a fresh window.
  // Slow links are switched on after the election (see crates/web/src/bench.rs).
  await page.waitForTimeout(latency > 50 ? 3000 + latency * 20 : 3000);
  const start = await page.evaluate(() => window.splitbrainBench?.work.length ?? 0);
  await page.waitForTimeout(seconds * 1000);
  const b = await page.evaluate((start) => {
    const w = window.splitbrainBench;
    return { work: [...w.work].slice(start), interval: [...w.interval].slice(start), inFlight: [...w.inFlight].slice(start) };
  }, start);
  const mean = b.inFlight.reduce((a, x) => a + x, 0) / b.inFlight.length;
  console.log(`BENCH frames protocol=${protocol} nodes=${nodes} latency=${latency}ms load=${load}/s frames=${b.work.length} in_flight_mean=${Math.round(mean)} in_flight_max=${Math.max(...b.inFlight)} ` +
    `work_ms p50=${f(pct(b.work, 50))} p95=${f(pct(b.work, 95))} max=${f(Math.max(...b.work))} ` +
    `interval_ms p50=${f(pct(b.interval, 50))} p95=${f(pct(b.interval, 95))} max=${f(Math.max(...b.interval))}`);
  await page.close();
}

// Two clusters animated side by side (CAP live).
{
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}#v=1&nodes=5&seed=1&embed=cap`);
  await page.waitForSelector('table.scoreboard');
  await page.getByRole('button', { name: 'Watch live' }).click();
  await page.selectOption('select[aria-label="Speed of the live comparison"]', { label: '1x' });
  await page.waitForTimeout(2000);
  const intervals = await page.evaluate((ms) => new Promise((resolve) => {
    const out = [];
    let last = null;
    const end = performance.now() + ms;
    const step = (t) => {
      if (last !== null) out.push(t - last);
      last = t;
      if (t < end) requestAnimationFrame(step); else resolve(out);
    };
    requestAnimationFrame(step);
  }), seconds * 1000);
  console.log(`BENCH frames cap_live clusters=2 nodes=5 frames=${intervals.length} interval_ms p50=${f(pct(intervals, 50))} p95=${f(pct(intervals, 95))} max=${f(Math.max(...intervals))}`);
  await page.close();
}
await browser.close();
