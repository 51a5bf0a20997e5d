// End-to-end tests of sharing and embedding: links that reproduce a run, bad links, trace
// export and import, the course-notes page with embedded and scripted playgrounds, and
// hosting under a sub-path. The browser and page set-up is in harness.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { url, shots, useBrowser, openPage } from './harness.mjs';

const browser = useBrowser();
const open = (address, viewport) => openPage(browser(), address, viewport);

const traceHash = async (page) => (await page.textContent('footer')).match(/trace hash (\w+)/)[1];

test('a copied link reopens the same run at the same moment, with the same trace hash', async () => {
  const { page, errors } = await open(url);
  await page.selectOption('select[aria-label="Playback speed"]', { label: '1x' });
  await page.waitForTimeout(700);
  await page.locator('svg.topology g.node[aria-label^="node 2,"]').click();
  await page.getByRole('button', { name: 'Crash (keep disk)' }).click();
  await page.waitForTimeout(500);
  await page.getByRole('button', { name: 'Play or pause' }).click();
  // The address bar carries the run as it changes.
  assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /actions=\d[\w.]*@crash:2:keep/);
  await page.getByRole('button', { name: 'Copy link' }).click();
  const link = await page.inputValue('input.link-field');
  const hash = await traceHash(page);
  const clock = await page.textContent('.clock');
  assert.match(link, /[#&]t=/);
  assert.match(link, /panel=node2/);
  const again = await open(link);
  assert.equal(await traceHash(again.page), hash, 'the link reproduces the trace');
  assert.equal(await again.page.textContent('.clock'), clock);
  assert.match(await again.page.textContent('.inspector h2'), /Node n2/);
  await again.page.screenshot({ path: `${shots}/20-link-reopened.png` });
  assert.deepEqual([...errors, ...again.errors], []);
  await page.close();
  await again.page.close();
});

test('a second link pasted into the same tab opens its run', async () => {
  const { page, errors } = await open(`${url}#v=1&nodes=5&seed=3&t=2s&autoplay=0`);
  const first = await traceHash(page);
  // As pasting into the address bar does: only the part after # changes.
  await page.evaluate(() => { location.hash = '#v=1&protocol=pbft&nodes=4&seed=1&t=1s&autoplay=0'; });
  await page.waitForFunction(() => document.querySelectorAll('svg.topology g.node').length === 4);
  await page.waitForSelector('footer');
  assert.notEqual(await traceHash(page), first);
  assert.match(await page.textContent('.clock'), /t = 1 s/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a bad link says what is wrong and shows a working fresh run', async () => {
  for (const [fragment, want] of [
    ['#nodes=abc', /nodes must be a whole number/],
    ['#v=9&nodes=5', /newer splitbrain/],
    ['#nodes=5&actions=1s@explode:2', /unknown action "explode"/],
    ['#nodes=3&actions=1s@crash:7:keep', /node 7 does not exist/],
    ['#nodes=5&embed=teapot', /unknown view "teapot"/],
  ]) {
    const { page, errors } = await open(url + fragment);
    assert.match(await page.textContent('.notice'), want, fragment);
    assert.match(await page.textContent('.notice'), /This link could not be read/);
    assert.equal(await page.locator('svg.topology g.node').count(), 5);
    // The address bar holds the fresh run, so reloading shows it without the error.
    await page.waitForFunction((bad) => !location.hash.includes(bad.slice(1)), fragment);
    await page.reload();
    await page.waitForSelector('svg.topology .node');
    assert.equal(await page.locator('.notice').count(), 0, fragment);
    assert.deepEqual(errors, [], fragment);
    await page.close();
  }
});

test('a link that names a protocol but no size runs the protocol at its own size', async () => {
  const { page, errors } = await open(url + '#v=1&protocol=two-generals&seed=3');
  assert.equal(await page.locator('svg.topology g.node').count(), 2);
  assert.equal(await page.locator('.notice').count(), 0);
  assert.match(await page.textContent('.tagline'), /Two generals.* on 2 nodes/i);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an exported trace imports back to the same run; a bad file leaves the run alone', async () => {
  const { page, errors } = await open(url + '#v=1&nodes=5&seed=3&actions=500ms@partition:0-1/2-3-4&t=1500ms');
  const hash = await traceHash(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export trace' }).click(),
  ]);
  const file = `${shots}/exported.trace.json`;
  await download.saveAs(file);
  const trace = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(trace.format, 'splitbrain-trace');
  assert.equal(trace.version, 1);
  assert.equal(trace.trace_hash, hash);
  assert.ok(trace.events.length > 100);
  assert.deepEqual(Object.keys(trace.events[0]).slice(0, 3), ['i', 't', 'kind']);
  assert.ok(trace.events.some((e) => e.kind === 'drop' && /across the partition/.test(e.text)));
  // A bad file: a message names the problem, and the run is untouched.
  const bad = `${shots}/bad.json`;
  writeFileSync(bad, '{"format": "splitbrain-trace", "version": 1, "recipe": "nodes=5&actions=1s@crash:9:keep"}');
  await page.getByRole('button', { name: 'New seed' }).click();
  await page.getByRole('button', { name: 'Play or pause' }).click();
  const before = await traceHash(page);
  await page.setInputFiles('input[type=file]', bad);
  await page.waitForSelector('.notice');
  assert.match(await page.textContent('.notice'), /bad\.json was not loaded: its recipe: .*node 9 does not exist.*unchanged/);
  assert.equal(await traceHash(page), before);
  // Markup in a file name or contents is shown as text.
  writeFileSync(`${shots}/markup.txt`, '1s@<img src=x onerror=alert(1)>');
  await page.setInputFiles('input[type=file]', `${shots}/markup.txt`);
  await page.waitForTimeout(200);
  assert.equal(await page.locator('.notice img').count(), 0);
  assert.match(await page.textContent('.notice'), /<img src/);
  // A bare list of actions keeps the set-up on screen (here a new seed) and says so.
  const seed = (await page.textContent('footer')).match(/seed (\d+)/)[1];
  writeFileSync(`${shots}/actions.txt`, '1s@crash:2:keep\n2s@restart:2\n');
  await page.setInputFiles('input[type=file]', `${shots}/actions.txt`);
  await page.waitForFunction(() => /actions\.txt: 2 actions loaded/.test(document.querySelector('.notice')?.textContent ?? ''));
  assert.match(await page.textContent('.notice'), new RegExp(`into the current set-up \\(seed ${seed}, 5 nodes\\)`));
  assert.equal((await page.textContent('footer')).match(/seed (\d+)/)[1], seed);
  // The exported trace loads the original run back at its moment.
  await page.setInputFiles('input[type=file]', file);
  await page.waitForFunction((h) => document.querySelector('footer').textContent.includes(h), hash);
  assert.equal(await traceHash(page), hash);
  assert.match(await page.textContent('.notice'), /exported\.trace\.json: A run loaded with its own set-up: seed 3 \(was \d+\), and 1 action\./);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the course-notes page embeds working views and a scripted playground', async () => {
  const { page, errors } = await open(url + 'notes.html');
  const frames = page.frames().slice(1);
  assert.equal(frames.length, 5);
  for (const f of frames) {
    await f.waitForSelector('svg.topology .node, .spacetime canvas');
    assert.equal(await f.locator('main.embed').count(), 1, 'embed mode hides the chrome');
    assert.equal(await f.locator('.setup').count(), 0);
  }
  // The partition figure plays by itself and shows its log.
  const partition = page.frame({ url: /partition/ });
  await partition.waitForFunction(() => /dropped: across the partition/.test(document.querySelector('.event-log').textContent), null, { timeout: 25000 });
  // The stale-read figure marks the operations that prove it in the diagram and the log.
  const witness = page.frame({ url: /protocol=quorum/ });
  await witness.waitForFunction(() => document.querySelectorAll('.event-log .row.witness').length >= 1, null, { timeout: 15000 });
  assert.equal(await witness.locator('.spacetime .key.witness').count(), 1);
  // The lesson step shows its question beside the cluster.
  const lesson = page.frame({ url: /lesson=two-generals/ });
  await lesson.locator('.lesson-panel .question').waitFor();
  // The scripted playground obeys the page's buttons.
  await page.waitForFunction(() => window.notesPlayground?.state().nodes.some((n) => n.role === 'leader'), null, { timeout: 15000 });
  await page.click('#crash-leader');
  const state = await page.evaluate(() => window.notesPlayground.state());
  assert.equal(state.nodes.filter((n) => !n.up).length, 1);
  assert.match(await page.evaluate(() => window.notesPlayground.recipe()), /actions=.*crash:\d:keep/);
  assert.equal(typeof state.time_us, 'number');
  assert.equal(typeof state.seed, 'number');
  assert.match(state.trace_hash, /^[0-9a-f]{16}$/);
  assert.ok(['linearizable', 'not_linearizable', 'inconclusive'].includes(state.linearizability.verdict));
  assert.deepEqual(Object.keys(state.nodes[0]).slice(0, 3), ['id', 'up', 'paused']);
  const events = await page.evaluate(() => window.notesPlayground.events(0, 5));
  assert.equal(events.length, 5);
  assert.deepEqual(Object.keys(events[0]).slice(0, 3), ['i', 't', 'kind']);
  const sends = await page.evaluate(() => window.notesPlayground.events(0, 400).filter((e) => e.kind === 'send'));
  assert.ok(sends.length > 0 && sends.every((e) => typeof e.msg === 'number' && typeof e.msg_kind === 'string' && !('node' in e)));
  const refused = await page.evaluate(() => { try { window.notesPlayground.act('crash:99:keep'); return 'accepted'; } catch (e) { return String(e); } });
  assert.match(refused, /node 99 does not exist/);
  await page.screenshot({ path: `${shots}/21-notes.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('an embedded view is readable at 640x400', async () => {
  const { page, errors } = await open(url + '#v=1&nodes=5&seed=4&embed=topology&autoplay=1', { width: 640, height: 400 });
  const box = await page.locator('.topology-wrap').boundingBox();
  assert.ok(box.y + box.height <= 400 && box.width >= 300, JSON.stringify(box));
  // Embeds have a speed control (the notes ask readers to slow a figure down).
  await page.selectOption('main.embed select[aria-label="Playback speed"]', { label: '0.1x' });
  await page.screenshot({ path: `${shots}/22-embed-640x400.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('every combination of embedded views fits a 640x400 frame without scrolling it', async () => {
  const views = ['topology', 'diagram', 'log'];
  const combos = ['cap'];
  for (let m = 1; m < 8; m += 1) combos.push(views.filter((_, i) => m & (1 << i)).join(','));
  for (const embed of combos) {
    const { page, errors } = await open(`${url}#v=1&nodes=5&seed=4&t=2s&embed=${embed}`, { width: 640, height: 400 });
    const size = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    assert.deepEqual(size, [640, 400], embed);
    for (const view of embed.split(',')) {
      const selector = { topology: 'svg.topology', diagram: '.spacetime canvas', log: '.event-log', cap: '.cap' }[view];
      const box = await page.locator(selector).first().boundingBox();
      assert.ok(box && box.width >= 250 && box.y < 400, `${embed}: ${view} is shown (${JSON.stringify(box)})`);
    }
    await page.screenshot({ path: `${shots}/23-embed-${embed.replace(/,/g, '+')}.png` });
    assert.deepEqual(errors, [], embed);
    await page.close();
  }
});

test('the build works from a sub-path', async () => {
  const { page, errors } = await open(url + 'deep/sub/path/#v=1&nodes=3&seed=5');
  assert.equal(await page.locator('svg.topology g.node').count(), 3);
  assert.deepEqual(errors, []);
  await page.close();
});

// A small deterministic generator, so that a failure names a reproducible input.
function* randomTexts(seed, count) {
  let x = seed >>> 0;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const pieces = ['nodes=', 'seed=', 'load=', 'bugs=', 'net=', 'actions=', 't=', 'v=', 'embed=', 'panel=', 'speed=', 'autoplay=',
    '&', '=', ',', '@', ':', '-', '/', '_', '.', '%', '#', '?', '5', '0', '99999999999999999999', '-1', '1.5s', '250ms',
    'crash', 'restart', 'partition', 'cut', 'heal', 'net', 'client', 'load', 'keep', 'lose', 'lat', 'loss', 'node', 'link',
    'topology', 'diagram', 'log', '0.1x', 'forget-vote', '{', '}', '"', '[', ']', 'format', 'splitbrain-trace', 'version',
    'recipe', 'time_us', '\u0000', '\u00e9', '😀', '<b>', ' ', '\n'];
  for (let i = 0; i < count; i++) {
    const n = next() % 14;
    let s = '';
    for (let j = 0; j < n; j++) s += pieces[next() % pieces.length];
    yield s;
  }
}

test('fuzzed links and imported files never break the page', async () => {
  const { page, errors } = await open(url + 'notes.html');
  await page.waitForFunction(() => window.notesPlayground !== undefined);
  const results = await page.evaluate(async (inputs) => {
    const { checkLink } = await import('./splitbrain-web.js');
    let accepted = 0, refused = 0;
    for (const text of inputs) {
      const verdict = checkLink(text);
      if (verdict === undefined || verdict === null) accepted++; else refused++;
      try { window.notesPlayground.importText(text); } catch (e) { if (!(e instanceof Error)) throw e; }
    }
    // A well-formed trace file built from pieces must also go through.
    window.notesPlayground.importText(JSON.stringify({ format: 'splitbrain-trace', version: 1, recipe: 'nodes=3&seed=2', time_us: 1000 }));
    return { accepted, refused, state: window.notesPlayground.state() };
  }, [...randomTexts(7, 600)]);
  assert.ok(results.accepted > 0 && results.refused > 0, JSON.stringify(results));
  assert.equal(results.state.nodes.length, 3, 'the last, valid import took effect');
  assert.equal(await page.locator('.panic-overlay').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('CAP side by side: Raft refuses the minority, a quorum of one answers and breaks linearizability', async () => {
  const { page, errors } = await open(url + '#v=1&nodes=5&seed=1&embed=cap');
  await page.waitForSelector('table.scoreboard tbody tr td');
  await page.waitForFunction(() => document.querySelectorAll('table.scoreboard tbody tr:first-child td').length === 2);
  await page.waitForFunction(() => !document.querySelector('.cap').textContent.includes('running…'));
  const cells = async (row) => page.$$eval(`table.scoreboard tbody tr:nth-child(${row}) td`, (tds) => tds.map((td) => td.textContent));
  const headers = await page.$$eval('table.scoreboard thead th', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(headers.slice(1), ['Raft', 'Quorum R=1 W=1']);
  const minority = await cells(1);
  assert.ok(Number.parseInt(minority[0]) < 5, `Raft minority availability ${minority[0]}`);
  assert.ok(Number.parseInt(minority[1]) > 95, `quorum minority availability ${minority[1]}`);
  const consistency = await cells(9);
  assert.equal(consistency[0], 'linearizable');
  assert.match(consistency[1], /NOT linearizable/);
  assert.equal(await page.locator('details.witness').count(), 1);
  await page.screenshot({ path: `${shots}/23-cap.png`, fullPage: true });
  // Clients that retry with backoff turn some unknown outcomes into answers.
  const unknown = async () => Number((await cells(3))[0].match(/(\d+) unknown/)[1]);
  const before = await unknown();
  await page.selectOption('select[aria-label="What clients do after a timeout"]', { index: 1 });
  await page.waitForFunction((b) => {
    const td = document.querySelector('table.scoreboard tbody tr:nth-child(3) td');
    const m = td && td.textContent.match(/(\d+) unknown/);
    return m && Number(m[1]) !== b;
  }, before);
  assert.ok((await unknown()) < before, `unknown ${await unknown()} with retries, ${before} without`);
  assert.equal((await cells(9))[0], 'linearizable');
  await page.selectOption('select[aria-label="What clients do after a timeout"]', { index: 0 });
  // The quorum sizes comparison follows the R and W sliders: with R=W=3 of 5 the
  // two-node minority can do nothing; with R=2 its reads succeed again (but not writes).
  await page.selectOption('select[aria-label="Which designs to compare"]', { index: 1 });
  await page.waitForFunction(() => [...document.querySelectorAll('table.scoreboard thead th')].some((th) => th.textContent === 'Quorum R=3 W=3'));
  await page.waitForFunction(() => !document.querySelector('.cap').textContent.includes('running…'));
  const strict = await cells(1);
  assert.ok(Number.parseInt(strict[1]) < 5, `R=3 W=3 minority availability ${strict[1]}`);
  await page.$eval('input[aria-label="Read quorum R"]', (el) => { el.value = '2'; el.dispatchEvent(new Event('change', { bubbles: true })); });
  await page.waitForFunction(() => [...document.querySelectorAll('table.scoreboard thead th')].some((th) => th.textContent === 'Quorum R=2 W=3'));
  await page.waitForFunction(() => !document.querySelector('.cap').textContent.includes('running…'));
  const reads = await cells(1);
  assert.ok(Number.parseInt(reads[1]) > 20 && Number.parseInt(reads[1]) < 95, `R=2 W=3 minority availability ${reads[1]}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the topology and the space-time diagram export as SVG documents', async () => {
  const { page, errors } = await open(url + '#v=1&nodes=3&seed=2&t=900ms');
  for (const [button, root] of [['Topology SVG', /class="node/], ['Diagram SVG', /<path d="M/]]) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
    const file = `${shots}/${button.replace(' ', '-')}.svg`;
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(text, root);
    // A well-formed document: the browser's XML parser accepts it.
    const ok = await page.evaluate((t) => !new DOMParser().parseFromString(t, 'image/svg+xml').querySelector('parsererror'), text);
    assert.ok(ok, `${button} is well-formed XML`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('a long run is shared as a compressed link that replays it exactly', async () => {
  // Forty actions: partitions of node 0 and 1 from the rest, each healed again.
  const actions = Array.from({ length: 40 }, (_, i) => `${100 + i * 50}ms@${i % 2 ? 'heal' : 'partition:0-1/2-3-4'}`);
  const plain = `v=1&nodes=5&seed=11&load=5&actions=${actions.join(',')},1.9s@crash:2:keep,2s@net:lat20ms_jit30ms_loss5`;
  const { page, errors } = await open(`${url}#${plain}&t=2.5s`);
  const hash = await traceHash(page);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await page.waitForSelector('input.link-field');
  const link = await page.inputValue('input.link-field');
  assert.match(link, /#v=1&z=[A-Za-z0-9_-]+$/);
  assert.ok(link.split('#')[1].length < plain.length, `${link.length} vs ${plain.length}`);
  const again = await open(link);
  assert.equal(await traceHash(again.page), hash);
  await again.page.close();
  const damaged = await open(`${url}#v=1&z=!!!notdeflate`);
  assert.match(await damaged.page.textContent('.notice'), /compressed part \(z=\) is damaged/);
  await damaged.page.close();
  assert.deepEqual([...errors, ...again.errors, ...damaged.errors], []);
  await page.close();
});

test('on the full page the CAP comparison waits until it is asked for', async () => {
  const { page, errors } = await open(url + '#v=1&nodes=5&seed=2');
  assert.equal(await page.locator('table.scoreboard').count(), 0);
  await page.getByRole('button', { name: 'Run the comparison' }).click();
  await page.waitForFunction(() => document.querySelectorAll('table.scoreboard tbody tr:first-child td').length === 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test('CAP live: one partition applied to both clusters, measured as they run', async () => {
  const { page, errors } = await open(url + '#v=1&nodes=5&seed=1&embed=cap');
  await page.getByRole('button', { name: 'Watch live' }).click();
  await page.waitForSelector('.live-cluster canvas');
  assert.equal(await page.locator('.live-cluster canvas').count(), 2);
  await page.selectOption('select[aria-label="Speed of the live comparison"]', { label: '3x' });
  await page.waitForTimeout(1500);
  await page.getByRole('button', { name: 'Partition n0–n1 | n2–n4' }).click();
  const minority = (i) => page.$eval(`.live-cluster:nth-child(${i + 1}) dl`, (dl) => {
    const dts = [...dl.querySelectorAll('dt')];
    const dd = dts.find((dt) => dt.textContent === 'last 5 s, n0–n1').nextElementSibling;
    return Number.parseInt(dd.textContent);
  });
  // More than five simulated seconds after the split, the Raft minority has stopped answering
  // while the quorum store's minority answers everything.
  await page.waitForFunction(() => {
    const t = document.querySelector('.cap-live .clock').textContent;
    const s = t.match(/([\d.]+) (µs|ms|s)/);
    return s && s[2] === "s" && Number.parseFloat(s[1]) > 12;
  }, null, { timeout: 20000 });
  assert.ok((await minority(0)) < 20, `Raft minority ${await minority(0)}%`);
  assert.equal(await minority(1), 100);
  await page.waitForFunction(() => /not linearizable/.test(document.querySelectorAll('.live-cluster')[1].textContent), null, { timeout: 20000 });
  assert.match(await page.textContent('.live-cluster:nth-child(1)'), /history so far\s*linearizable/);
  // The quorum store's log marks the operations that prove it.
  await page.locator('.live-cluster:nth-child(2) details.live-log summary').click();
  assert.ok(await page.locator('.live-cluster:nth-child(2) li.witness').count() >= 2);
  assert.equal(await page.locator('.live-cluster:nth-child(1) li.witness').count(), 0);
  await page.screenshot({ path: `${shots}/24-cap-live.png` });
  // Seeking back rebuilds every cluster and replays the same actions.
  await page.$eval('input.live-seek', (el) => { el.value = '1000'; el.dispatchEvent(new Event('change', { bubbles: true })); });
  assert.equal(await page.textContent('.cap-live .clock'), 't = 1 s');
  assert.equal(await minority(1), 100);
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(() => {
    const s = document.querySelector('.cap-live .clock').textContent.match(/([\d.]+) (µs|ms|s)/);
    return s && s[2] === 's' && Number.parseFloat(s[1]) > 12;
  }, null, { timeout: 20000 });
  assert.ok((await minority(0)) < 20, `after the replay, Raft minority ${await minority(0)}%`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('New seed draws a seed at random, keeps it in the link, and the link replays the run', async () => {
  const { page, errors } = await open(url + '#v=1&nodes=5&seed=1&t=2s');
  const seedOf = async () => Number((await page.textContent('footer')).match(/seed (\d+)/)[1]);
  const seeds = [await seedOf()];
  for (let i = 0; i < 3; i += 1) {
    await page.getByRole('button', { name: 'New seed' }).click();
    await page.waitForFunction((old) => !location.href.includes(`seed=${old}&`), seeds[seeds.length - 1]);
    seeds.push(await seedOf());
  }
  // Drawn, not counted: not the next number each time, and all different.
  assert.equal(new Set(seeds).size, 4, `${seeds}`);
  assert.ok(seeds.some((s, i) => i > 0 && s !== seeds[i - 1] + 1), `${seeds}`);
  for (const s of seeds) assert.ok(s >= 1 && s <= 999999, `${s}`);
  assert.match(page.url(), new RegExp(`seed=${seeds[3]}\\b`));
  await page.getByRole('button', { name: 'Play or pause' }).click();
  await page.waitForTimeout(300);
  await page.getByRole('button', { name: 'Play or pause' }).click();
  const link = page.url();
  const hash = (await page.textContent('footer')).match(/trace hash (\w+)/)[1];
  const again = await open(link);
  assert.equal((await again.page.textContent('footer')).match(/trace hash (\w+)/)[1], hash);
  assert.deepEqual([...errors, ...again.errors], []);
  await again.page.close();
  await page.close();
});

test('state() gives the readings of a protocol that measures itself', async () => {
  const { page, errors } = await open(url + 'notes.html');
  await page.waitForFunction(() => window.notesPlayground !== undefined);
  await page.evaluate(() => window.notesPlayground.load('v=1&protocol=failure-detector&nodes=4&seed=1&actions=1s@crash:3:keep'));
  await page.waitForFunction(() => window.notesPlayground.state().protocol === 'failure-detector');
  await page.evaluate(() => { window.notesPlayground.pause(); window.notesPlayground.seek(3000000); });
  await page.waitForFunction(() => window.notesPlayground.state().time_us >= 3000000);
  const measures = await page.evaluate(() => window.notesPlayground.state().measures);
  const detection = measures.find((m) => m.name === 'detection time');
  assert.equal(detection.shown, '206 ms', JSON.stringify(measures));
  assert.equal(detection.reading, 206126);
  assert.deepEqual(errors, []);
  await page.close();
});
