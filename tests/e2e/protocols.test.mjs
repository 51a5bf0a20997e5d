// End-to-end tests of the playground with every protocol, and of the linearizability
// checker's witness in the page: listed, marked in the event log, drawn in the space-time
// diagram. Run by scripts/test.sh like the other e2e files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { url, shots, useBrowser, openPage } from './harness.mjs';

const browser = useBrowser();
const open = (address) => openPage(browser(), address);

// A quorum store with R = W = 1 of 5, 50 client operations per second, and n0, n1 cut off
// from 5 s to 35 s, shown at 12 s.
const partitioned = (r, w) =>
  `#v=1&protocol=quorum&nodes=5&seed=1&load=50&r=${r}&w=${w}&actions=5s@partition:0-1,35s@heal&t=12s`;

/** Pixels of the witness colour (#c0392b, drawn solid as the bands' outline) in the diagram. */
const witnessPixels = (page) => page.$eval('.spacetime canvas', (c) => {
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - 0xc0) < 12 && Math.abs(data[i + 1] - 0x39) < 12 && Math.abs(data[i + 2] - 0x2b) < 12) n += 1;
  }
  return n;
});

test('the protocol selector starts runs of each protocol, with its own inspector and legend', async () => {
  const { page, errors } = await open(url);
  await page.selectOption('select[aria-label="Protocol"]', 'quorum');
  await page.waitForFunction(() => document.querySelector('.tagline').textContent.includes('quorum store'));
  assert.match(await page.textContent('.inspector.hint'), /replica/);
  await page.locator('svg.topology g.node[aria-label^="node 0,"]').click();
  await page.waitForSelector('.inspector table.log caption');
  assert.match(await page.textContent('.inspector table.log caption'), /replicas of each key/);
  // The quorum settings appear, and R+W is explained.
  await page.selectOption('select[aria-label^="R ("]', '3');
  await page.waitForFunction(() => document.querySelector('.setup').textContent.includes('R+W=4'));
  await page.screenshot({ path: `${shots}/30-quorum.png` });
  assert.match(location(page), /protocol=quorum/);
  assert.match(location(page), /r=3/);

  // A bug of the quorum store does not stop the switch to another protocol.
  await page.getByRole('button', { name: 'blind-overwrite' }).click();
  await page.waitForFunction(() => location.href.includes('bugs=blind-overwrite'));
  await page.selectOption('select[aria-label="Protocol"]', 'primary-backup');
  await page.waitForFunction(() => document.querySelector('.tagline').textContent.includes('primary-backup'));
  // One node becomes primary (drawn as a leader) and the inspector shows epochs.
  await page.waitForSelector('svg.topology .node.tone-lead', { timeout: 15000 });
  await page.locator('svg.topology .node.tone-lead').first().click();
  await page.waitForFunction(() => document.querySelector('.inspector dl.facts:not(.clocks)')?.textContent.includes('primary'));
  assert.match(await page.textContent('.inspector'), /epoch/);
  assert.match(location(page), /protocol=primary-backup/);
  await page.screenshot({ path: `${shots}/31-primary-backup.png` });
  assert.deepEqual(errors, []);
  await page.close();

  function location(p) { return p.url(); }
});

test('a quorum of one across a partition: the witness is listed, marked in the log and drawn in the diagram', async () => {
  const { page, errors } = await open(url + partitioned(1, 1));
  await page.waitForSelector('.verdict.lin.bad');
  const witness = await page.$$eval('.witness-list li', (lis) => lis.map((li) => li.textContent));
  assert.ok(witness.length >= 2, `witness ${witness}`);
  assert.match(await page.textContent(".verdict.lin.bad"), /Not linearizable/);
  assert.match(await page.textContent(".verdict.lin.bad"), /In real time, r\d+ finished before r\d+ began/);
  await page.getByRole('button', { name: 'Show them in the diagram' }).click();
  // Paused where the witness's last operation ends, with its answer in the log's view.
  await page.waitForFunction(() => document.querySelectorAll('.event-log .row.witness').length >= 1);
  await page.waitForFunction(() => document.querySelector('.spacetime .key.witness') !== null);
  await page.waitForTimeout(300);
  const red = await witnessPixels(page);
  assert.ok(red > 30, `only ${red} witness-coloured pixels in the diagram`);
  // The time shown is inside the span of the witness (within the diagram's window).
  // Times read as people write them: `850 ms`, `12.3 s`.
  const seconds = (m) => m && Number(m[1]) / (m[2] === 'ms' ? 1000 : m[2] === 'µs' ? 1e6 : 1);
  const last = seconds(witness[witness.length - 1].match(/– ([\d.]+) (µs|ms|s)\]/));
  const now = seconds((await page.textContent('.controls .clock')).match(/t = ([\d.]+) (µs|ms|s)/));
  assert.ok(last && now >= last && now < last + 10, `t = ${now}, last witness op ends ${last}`);
  await page.screenshot({ path: `${shots}/32-witness.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('with R + W > N the same partition leaves the history linearizable and nothing marked', async () => {
  const { page, errors } = await open(url + partitioned(3, 3));
  await page.waitForSelector('.verdict.lin.ok');
  assert.match(await page.textContent('.verdict.lin.ok'), /linearizable so far: \d+ finished operations/);
  assert.equal(await page.locator('.event-log .row.witness').count(), 0);
  assert.equal(await witnessPixels(page), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a design of the CAP scoreboard opens in the playground as the same run, at its end', async () => {
  const { page, errors } = await open(url + '#v=1&nodes=5&seed=1');
  await page.getByRole('button', { name: 'Run the comparison' }).click();
  await page.waitForFunction(() => document.querySelectorAll('table.scoreboard tbody tr:first-child td').length === 2);
  await page.waitForFunction(() => !document.querySelector('.cap').textContent.includes('running…'));
  const consistency = await page.$$eval('table.scoreboard tbody tr:nth-child(9) td', (tds) => tds.map((td) => td.textContent));
  assert.match(consistency[1], /NOT linearizable \((\d+) ops/);
  const ops = Number(consistency[1].match(/\((\d+) ops/)[1]);
  await page.getByRole('button', { name: 'Open in the playground' }).nth(1).click();
  await page.waitForFunction(() => document.querySelector('.tagline').textContent.includes('quorum store'));
  await page.waitForSelector('.verdict.lin.bad');
  assert.match(await page.textContent('.controls .clock'), /t = 45 s/);
  // The playground's checker finds the same number of operations as the scoreboard.
  assert.equal(await page.locator('.witness-list li').count(), ops);
  assert.match(page.url(), /protocol=quorum/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a live cluster opens in the playground at the same moment, with the faults applied to it', async () => {
  const { page, errors } = await open(url + '#v=1&nodes=5&seed=1');
  await page.getByRole('button', { name: 'Run the comparison' }).click();
  await page.getByRole('button', { name: 'Watch live' }).click();
  await page.waitForSelector('.live-cluster canvas');
  await page.selectOption('select[aria-label="Speed of the live comparison"]', { label: '3x' });
  await page.waitForTimeout(1000);
  await page.getByRole('button', { name: 'Partition n0–n1 | n2–n4' }).click();
  await page.waitForFunction(() => /not linearizable/.test(document.querySelectorAll('.live-cluster')[1].textContent), null, { timeout: 30000 });
  await page.locator('.cap-live').getByRole('button', { name: 'Pause' }).click();
  const clock = await page.textContent('.cap-live .clock');
  const live = Number(witnessCount(await page.textContent('.live-cluster:nth-child(2)')));
  await page.locator('.live-cluster:nth-child(2) details.live-log summary').click();
  const liveWitness = (await page.$$eval('.live-cluster:nth-child(2) li.witness', (lis) => lis.map((li) => li.textContent))).sort();
  await page.locator('.live-cluster:nth-child(2)').getByRole('button', { name: 'Open in the playground' }).click();
  await page.waitForFunction(() => document.querySelector('.tagline').textContent.includes('quorum store'));
  assert.equal(await page.textContent('.controls .clock'), clock);
  assert.match(page.url(), /actions=[^&]*partition:0-1\/2-3-4/);
  // The playground's checker judges the same history as the live view did.
  await page.waitForSelector('.verdict.lin.bad');
  assert.equal(await page.locator('.witness-list li').count(), live);
  // The very same operations, with the same answers at the same times.
  const shown = (await page.$$eval('.witness-list li', (lis) => lis.map((li) => li.textContent))).sort();
  assert.deepEqual(shown, liveWitness);
  assert.deepEqual(errors, []);
  await page.close();

  /** The number of operations the live view says prove the violation. */
  function witnessCount(text) { return text.match(/not linearizable \((\d+) operations prove it\)/)[1]; }
});

test('PBFT with two liars among four: the split is named, and a replica card shows its certificates', async () => {
  const { page, errors } = await open(
    url + '#v=1&protocol=pbft&nodes=4&seed=1&load=100&actions=0s@behave:0:equivocate,0s@behave:3:two-faced&t=46ms');
  await page.waitForFunction(() => document.body.textContent.includes('n0 and n3 lied'));
  const text = await page.textContent('body');
  assert.match(text, /honest n2 committed put k4=2 \(r1\) at sequence number 2, but honest n1 committed put k2=1 \(r0\) there/);
  assert.match(text, /so PBFT cannot promise this/);
  await page.locator('svg.topology g.node[aria-label^="node 2,"]').click();
  await page.waitForSelector('.inspector table.log caption');
  const card = await page.textContent('.inspector');
  assert.match(card, /prepared \(with 2f matching prepares\)/);
  // One row per sequence number: the request once, its view, how far it got.
  assert.match(card, /2put k4=2 \(r1\)0committed/);
  await page.screenshot({ path: `${shots}/32-pbft-two-liars.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('two-phase commit: a coordinator that crashes between the phases leaves its participants in doubt', async () => {
  const { page, errors } = await open(`${url}#v=1&protocol=two-phase-commit&nodes=4&seed=1&no=0&transactions=1&actions=203ms@crash:0:keep&t=1s`);
  await page.waitForFunction(() => document.querySelector('.tagline').textContent.includes('two-phase commit'));
  // The participants are drawn in doubt, with the role's meaning in the legend.
  await page.waitForSelector('svg.topology g.node[aria-label^="node 1,"].tone-restless');
  await page.locator('svg.topology g.node[aria-label^="node 1,"]').click();
  await page.waitForSelector('.inspector table.log caption');
  assert.match(await page.textContent('.inspector'), /in doubt about\s*t1/);
  assert.match(await page.textContent('.inspector table.log'), /in doubt \(voted yes\)/);
  assert.match(await page.textContent('.event-log'), /is in doubt about t1/);
  await page.screenshot({ path: `${shots}/35-two-phase-commit.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the diagram marks the broadcast\'s deliveries on each lane, with a key; a protocol without marks has none', async () => {
  const { page, errors } = await open(url + '#v=1&protocol=broadcast&nodes=4&seed=1&order=fifo&messages=3&actions=0s@net:lat10ms_jit40ms&t=300ms');
  const key = page.locator('section.spacetime .legend .key.mark');
  await key.waitFor();
  assert.equal((await key.textContent()).trim(), 'delivered to the application');
  await page.locator('section.spacetime').screenshot({ path: `${shots}/96-broadcast-deliveries.png` });
  await page.goto(url + '#v=1&protocol=raft&nodes=5&seed=1&t=1s');
  await page.locator('section.spacetime .legend .key.crash').waitFor();
  assert.equal(await page.locator('section.spacetime .legend .key.mark').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a snapshot's cut is a dashed line across the diagram, with its key in the legend", async () => {
  // Snapshot 1 starts at 500 ms at n0; every node has recorded its state by 600 ms.
  const { page, errors } = await open(url + '#v=1&protocol=snapshot&nodes=4&seed=1&snapshots=1&t=800ms');
  const key = page.locator('section.spacetime .legend .key.cut');
  await key.waitFor();
  assert.equal((await key.textContent()).trim(), "a snapshot's cut");
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Diagram SVG' }).click()]);
  const file = `${shots}/snapshot-cut.svg`;
  await download.saveAs(file);
  const svg = readFileSync(file, 'utf8');
  // One dashed path, through a point on each of the four lanes.
  const dashed = [...svg.matchAll(/<path d="([^"]*)"[^>]*stroke-dasharray="5(?:\.0)? 4(?:\.0)?"/g)];
  assert.equal(dashed.length, 1, 'one line for the one snapshot');
  assert.equal((dashed[0][1].match(/L/g) ?? []).length, 4 + 1, 'through the four lanes and beyond the last');
  await page.locator('section.spacetime').screenshot({ path: `${shots}/97-snapshot-cut.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a snapshot started by hand: the button on a node starts the next one there, and the timeline names it', async () => {
  // One scheduled snapshot at 500 ms; the run is paused at 1 s.
  const { page, errors } = await open(url + '#v=1&protocol=snapshot&nodes=4&seed=1&snapshots=1&t=1s');
  await page.locator('svg.topology .node').nth(2).click();
  const button = page.getByRole('button', { name: 'Start a snapshot here' });
  await button.waitFor();
  await button.click();
  await page.getByRole('button', { name: '+1 s' }).click();
  // n2 started snapshot 2: its card lists it as its own start, beside snapshot 1, which it
  // recorded at n0's marker; the timeline has the action, in words.
  const inspector = page.locator('section.inspector');
  await inspector.getByText('its own start').waitFor();
  assert.match(await inspector.innerText(), /the first marker, from n0/);
  assert.equal(await page.locator('.markers .marker[title$="start a snapshot at n2, by hand"]').count(), 1);
  // A protocol without an action by hand shows no such button.
  const raft = await open(url + '#v=1&nodes=3&seed=1&t=1s');
  await raft.page.locator('svg.topology .node').nth(1).click();
  await raft.page.getByRole('button', { name: 'Pause 1 s' }).waitFor();
  assert.equal(await raft.page.getByRole('button', { name: /snapshot/ }).count(), 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(raft.errors, []);
  await raft.page.close();
  await page.close();
});
