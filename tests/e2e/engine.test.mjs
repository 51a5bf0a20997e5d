// End-to-end tests of what the protocol registry gives the page: a set-up panel drawn from
// the protocol's description, a protocol added through the registry (the two generals),
// Byzantine behaviours from the node panel and the keyboard, and the properties checked
// at the end of a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { url, shots, useBrowser, openPage } from './harness.mjs';

const browser = useBrowser();
const open = (address) => openPage(browser(), address);
const traceHash = async (page) => (await page.textContent('footer')).match(/trace hash (\w+)/)[1];

test('the set-up panel offers each protocol its own settings, and the two generals run on two nodes', async () => {
  const { page, errors } = await open(url);
  await page.selectOption('select[aria-label="Protocol"]', 'two-generals');
  await page.waitForFunction(() => location.href.includes('protocol=two-generals'));
  // Two generals, whatever the cluster had before.
  assert.match(page.url(), /nodes=2/);
  assert.equal(await page.locator('svg.topology g.node').count(), 2);
  // Its settings, drawn from its description.
  await page.selectOption('select[aria-label^="messengers ("]', '5');
  await page.waitForFunction(() => location.href.includes('messages=5'));
  // No key-value clients: no linearizability verdict for a protocol without them.
  assert.equal(await page.locator('.verdict.lin').count(), 0);
  await page.screenshot({ path: `${shots}/40-two-generals.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('after Pause, choosing another protocol shows its run paused at the start', async () => {
  const { page, errors } = await open(url);
  await page.getByRole('button', { name: 'Play or pause' }).click();
  await page.selectOption('select[aria-label="Protocol"]', 'paxos');
  await page.waitForFunction(() => location.href.includes('protocol=paxos'));
  await page.waitForTimeout(500);
  assert.match(await page.textContent('.clock'), /t = 0 s/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a general made to lie from its panel is drawn as Byzantine, and the link replays the lie', async () => {
  const { page, errors } = await open(`${url}#v=1&protocol=two-generals&nodes=2&seed=1&actions=0s@cut:0-1,400ms@restore:0-1&t=100ms`);
  await page.locator('svg.topology g.node[aria-label^="node 0,"]').click();
  await page.selectOption('select[aria-label="Behaviour of this node"]', 'wrong-time');
  await page.waitForFunction(() => location.href.includes('behave:0:wrong-time'));
  await page.waitForSelector('svg.topology g.node.byzantine[aria-label^="node 0,"]');
  // The keyboard switches it back.
  await page.keyboard.press('b');
  await page.waitForFunction(() => location.href.includes('behave:0:honest'));
  await page.waitForSelector('svg.topology g.node.byzantine', { state: 'detached' });
  // The address, shown at a moment, replays the same run each time it is opened.
  const link = page.url().replace(/&t=[^&]*/, '') + '&t=2s';
  assert.match(link, /behave:0:wrong-time.*behave:0:honest/);
  const hashes = [];
  for (let i = 0; i < 2; i += 1) {
    const again = await open(link);
    await again.page.waitForFunction(() => /t = 2/.test(document.body.textContent));
    hashes.push(await traceHash(again.page));
    assert.deepEqual(again.errors, []);
    await again.page.close();
  }
  assert.equal(hashes[0], hashes[1]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the end properties are checked on demand, and one lost messenger leaves a general attacking alone', async () => {
  // The last of three messengers (from n0) is caught: n0 attacks, n1 holds.
  const { page, errors } = await open(`${url}#v=1&protocol=two-generals&nodes=2&seed=1&actions=12ms@cut:0-1&t=4s`);
  await page.getByRole('button', { name: /Check them now/ }).click();
  await page.waitForSelector('.end-list li');
  const items = await page.$$eval('.end-list li', (lis) => lis.map((li) => `${li.className}: ${li.textContent}`));
  assert.ok(items.some((t) => t.startsWith('ok: every general decides')), items.join('\n'));
  assert.ok(items.some((t) => t.startsWith('shown: the generals decide alike: broken') && /attacked alone/.test(t)), items.join('\n'));
  await page.screenshot({ path: `${shots}/41-end-properties.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('hovering a message shows its own contents, and empty space shows none', async () => {
  // A paused moment in a calm Raft run, with heartbeats in the air.
  const { page, errors } = await open(`${url}#v=1&nodes=5&seed=3&t=2.05s`);
  const canvas = page.locator('canvas.flight');
  // Where the canvas drew a dot of the "append entries / heartbeat" colour (#0072b2): the
  // middle of the first cluster of such pixels, in page coordinates.
  const findDot = () => canvas.evaluate((c) => {
    const { width, height } = c;
    const data = c.getContext('2d').getImageData(0, 0, width, height).data;
    const hits = [];
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const i = (y * width + x) * 4;
        if (data[i] === 0x00 && data[i + 1] === 0x72 && data[i + 2] === 0xb2 && data[i + 3] === 255) hits.push([x, y]);
      }
    }
    if (hits.length === 0) return null;
    const [x0, y0] = hits[0];
    const near = hits.filter(([x, y]) => Math.abs(x - x0) < 12 && Math.abs(y - y0) < 12);
    const mx = near.reduce((s, p) => s + p[0], 0) / near.length;
    const my = near.reduce((s, p) => s + p[1], 0) / near.length;
    return { x: mx / width, y: my / height };
  });
  // Step event by event (the → key) until one is in the air.
  let dot = await findDot();
  for (let i = 0; i < 100 && !dot; i += 1) {
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(50);
    dot = await findDot();
  }
  assert.ok(dot, 'a heartbeat is drawn');
  // Measured after stepping: the step's report above the cluster moves it down.
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + dot.x * box.width, box.y + dot.y * box.height);
  const tip = page.locator('.message-tip');
  await tip.waitFor();
  assert.match(await tip.textContent(), /^AppendEntries n\d → n\d, sent/);
  // The middle of the ring holds no message: no tooltip there.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await tip.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a step says what it did, even when the log hides its event', async () => {
  const { page, errors } = await open(`${url}#v=1&nodes=5&seed=3&t=1s`);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  const said = page.locator('p.stepped');
  assert.match(await said.textContent(), /^Step to [\d.]+ (s|ms): .+\.$/);
  // Its first event is selected in the space-time diagram.
  assert.match(await page.textContent('.selected-event'), /^#\d+ at /);
  // Anything else clears it.
  await page.getByRole('button', { name: '+1 s' }).click();
  await said.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the cluster, the time controls and the verdicts are on the first screen, on a projector and on a phone', async () => {
  for (const [width, height] of [[1440, 900], [1280, 720], [390, 844]]) {
    const { page, errors } = await openPage(browser(), `${url}#v=1&nodes=5&seed=1&t=3s`, { width, height });
    const bottom = async (selector) => {
      const box = await page.locator(selector).first().boundingBox();
      return box.y + box.height;
    };
    assert.ok(await bottom('svg.topology') <= height, `${width}x${height}: the whole cluster is in view`);
    assert.ok(await bottom('.controls button.primary') <= height, `${width}x${height}: play is in view`);
    assert.ok(await bottom('.verdict') <= height, `${width}x${height}: the safety verdict is in view`);
    // Nothing makes the page wider than the screen.
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), width);
    await page.screenshot({ path: `${shots}/45-first-screen-${width}x${height}.png` });
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('the page tells what just happened, and shows where to begin until told it is understood', async () => {
  const { page, errors } = await open(`${url}#v=1&nodes=5&seed=1&t=2s`);
  // The newest step of the story, in the protocol's own terms; clicking it goes there.
  assert.match(await page.textContent('.narration'), /has the votes of a majority: it leads term \d+/);
  await page.locator('.narration').click();
  assert.match(await page.textContent('.selected-event'), /is leader in term/);
  // A crash is told at once.
  await page.locator('svg.topology g.node[aria-label^="node 3,"]').click();
  await page.getByRole('button', { name: 'Crash (keep disk)' }).click();
  await page.waitForFunction(() => /n3 crashed/.test(document.querySelector('.narration').textContent));
  // The first-visit hint, until dismissed; both choices outlive a reload.
  await page.getByRole('button', { name: 'Got it' }).click();
  await page.getByRole('button', { name: 'Stop narrating' }).click();
  await page.reload();
  await page.waitForSelector('svg.topology .node');
  assert.equal(await page.locator('.first-visit').count(), 0);
  assert.equal(await page.locator('.narration').count(), 0);
  await page.getByRole('button', { name: 'Tell me what happens' }).click();
  await page.waitForSelector('.narration');
  assert.deepEqual(errors, []);
  await page.close();
});

// The command line runs exactly what a link shows: `splitbrain run --link` gives the trace
// hash the page's footer shows for the same address (the binary the native tests built).
test('a link run in the command line gives the same trace hash as the page', async () => {
  const { execFileSync } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const bin = process.env.SPLITBRAIN_BIN ?? 'target/debug/splitbrain';
  assert.ok(existsSync(bin), `${bin} is missing: build it with cargo build -p splitbrain-cli`);
  const links = [
    '#v=1&nodes=5&seed=3&load=50&net=loss5&actions=1s@crash:2:keep,2s@restart:2&t=3s',
    '#v=1&protocol=pbft&nodes=4&seed=1&load=100&actions=0s@behave:0:equivocate,0s@behave:3:two-faced&t=46ms',
    '#v=1&protocol=byzantine-generals&nodes=3&seed=1&actions=0s@behave:0:two-faced&t=400ms&speed=10x&panel=node1',
  ];
  for (const link of links) {
    const { page, errors } = await open(url + link);
    const shown = await traceHash(page);
    const cli = JSON.parse(execFileSync(bin, ['run', '--link', url + link]).toString());
    assert.equal(cli.trace_hash, shown, link);
    // And the command's own link opens the same run.
    const again = await open(url + cli.playground_link);
    assert.equal(await traceHash(again.page), shown, cli.playground_link);
    assert.deepEqual([...errors, ...again.errors], []);
    await again.page.close();
    await page.close();
  }
});
