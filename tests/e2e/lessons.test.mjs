// End-to-end tests of the lessons on the page: a step opened from its link, its question
// answered, its claim shown live at its moment; next and previous restoring a step's run
// exactly; the course map with the topics not covered yet; one step embedded in another
// page; a challenge won; and links that name no lesson.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { url, shots, useBrowser, openPage } from './harness.mjs';

const browser = useBrowser();
const open = (address, viewport) => openPage(browser(), address, viewport);
const traceHash = async (page) => (await page.textContent('footer')).match(/trace hash (\w+)/)[1];

test('a lesson step opens from its link; its question comes first, and its claim is shown at its moment', async () => {
  const { page, errors } = await open(`${url}#lesson=two-generals&step=2`, { width: 1440, height: 900 });
  assert.match(await page.title(), /^Step 2 of 3: One messenger caught/);
  const panel = page.locator('.lesson-panel');
  await panel.getByText('Predict:').waitFor();
  // Predict, then observe: the explanation waits for the answer, and so does the run.
  assert.equal(await panel.getByText('carries the doubt').count(), 0);
  assert.match(await page.textContent('.clock'), /t = 0 s/);
  // What the step shows would give the answer away: it waits too.
  assert.equal(await panel.locator('.claim-box').count(), 0);
  await panel.getByRole('button', { name: 'the second general attacks alone' }).click();
  await panel.locator('.claim.pending').waitFor();
  await panel.locator('.answer.wrong').waitFor();
  assert.match(await panel.locator('.answer').textContent(), /the first general attacks alone/);
  await panel.getByText('carries the doubt').waitFor();
  // Run to the step's moment: the claim is shown, with the run's own words.
  await panel.getByRole('button', { name: 'Skip to 6 s' }).click();
  const shown = panel.locator('.claim.shown');
  await shown.waitFor();
  assert.match(await shown.textContent(), /generals decide alike.*n0 attacked alone/);
  await page.screenshot({ path: `${shots}/60-lesson-step.png` });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: `${shots}/61-lesson-projector.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('on a phone, answering a step\'s question brings its run into view', async () => {
  const { page, errors } = await open(`${url}#lesson=pbft&step=1`, { width: 390, height: 844 });
  const panel = page.locator('.lesson-panel');
  await panel.locator('.question .choice').first().click();
  await page.waitForFunction(() => {
    const top = document.querySelector('.stage').getBoundingClientRect().top;
    return top > -2 && top < innerHeight / 2;
  });
  await page.screenshot({ path: `${shots}/66-lesson-phone-answered.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a fault added in a step keeps the step\'s own actions', async () => {
  // The step crashes n1 at 1 s and restarts it at 2 s; the reader crashes n3 before that.
  const { page, errors } = await open(`${url}#lesson=leader-election&step=2`);
  const panel = page.locator('.lesson-panel');
  await panel.locator('.question .choice').first().click();
  await page.getByRole('button', { name: 'Play or pause' }).click();
  assert.match(await page.textContent('.clock'), /t = (\d+(\.\d+)? [mµ]s|0(\.\d+)? s)$/);
  await page.locator('svg.topology g.node[aria-label^="node 3,"]').click();
  await page.getByRole('button', { name: 'Crash (keep disk)' }).click();
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes('crash:3:keep'));
  const link = decodeURIComponent(await page.evaluate(() => location.hash));
  assert.match(link, /1s@crash:1:keep/);
  assert.match(link, /2s@restart:1/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('next and previous restore each step\'s run exactly, and the tab keeps the reader\'s answers', async () => {
  const { page, errors } = await open(`${url}#lesson=leaders-epochs&step=1`);
  const panel = page.locator('.lesson-panel');
  const answer = panel.locator('.question .choice').first();
  if (await answer.count()) await answer.click();
  const skip = panel.getByRole('button', { name: /^Skip to/ });
  await skip.click();
  await panel.locator('.claim.shown').waitFor();
  const first = await traceHash(page);
  await panel.getByRole('button', { name: 'Next step →' }).click();
  await page.waitForFunction(() => location.hash.includes('step=2'));
  assert.match(await page.title(), /^Step 2 of/);
  await panel.getByRole('button', { name: '← Previous' }).click();
  await page.waitForFunction(() => location.hash.includes('step=1'));
  // The answer given before is kept: the run plays at once, the choice is marked.
  if (await answer.count()) assert.equal(await panel.locator('.question .choice:disabled').count() > 0, true);
  await skip.click();
  await panel.locator('.claim.shown').waitFor();
  assert.equal(await traceHash(page), first, 'the step\'s run is the same run');
  // The step's own run is named by the lesson alone; a changed run is written out.
  assert.match(page.url(), /#lesson=leaders-epochs&step=1$/);
  await page.keyboard.press('h');
  await page.waitForFunction(() => /step=1&v=1/.test(location.hash));
  assert.deepEqual(errors, []);
  await page.close();
});

test('the course map lists every topic, marks those without lessons, and opens a lesson', async () => {
  const { page, errors } = await open(`${url}#course`);
  const map = page.locator('.course-map');
  await map.waitFor();
  const topics = await map.locator('.topic').count();
  const uncovered = await map.locator('.topic.uncovered').count();
  assert.ok(topics >= 17, `${topics} topics`);
  assert.ok(uncovered < topics, `${uncovered} of ${topics} not covered`);
  // The map counts the topics it covers, and marks any it does not.
  assert.match(await map.locator('.course-head p').textContent(), new RegExp(`^${topics} topics .*; ${topics - uncovered} have lessons so far`));
  for (const topic of await map.locator('.topic.uncovered').all()) {
    assert.match(await topic.textContent(), /Not covered yet/);
  }
  await page.screenshot({ path: `${shots}/62-course-map.png` });
  await map.getByRole('link', { name: /two generals/i }).click();
  await page.waitForFunction(() => location.hash.startsWith('#lesson=two-generals&step=1'));
  await page.locator('.course-map').waitFor({ state: 'detached' });
  // Progress is kept in the tab: the step just opened counts as seen.
  await page.getByRole('button', { name: 'Lessons' }).click();
  assert.match(await page.locator('.course-map').textContent(), /1 of 3 steps seen/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('one lesson step embeds in another page, with the cluster and a link to the whole lesson', async () => {
  const { page, errors } = await open(`${url}#lesson=two-generals&step=2&embed=lesson`, { width: 900, height: 500 });
  await page.locator('main.embed .lesson-panel').waitFor();
  assert.equal(await page.locator('.step-dots').count(), 0, 'one step, no way to the others');
  assert.equal(await page.locator('main.embed svg.topology').count(), 1);
  const whole = page.getByRole('link', { name: /The whole lesson/ });
  assert.match(await whole.getAttribute('href'), /#lesson=two-generals&step=2$/);
  await page.screenshot({ path: `${shots}/63-lesson-embedded.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a link to a lesson or step that does not exist says so and shows a fresh run', async () => {
  for (const [fragment, said] of [
    ['lesson=no-such-lesson', /no lesson "no-such-lesson"/],
    ['lesson=two-generals&step=9', /steps 1 to 3/],
  ]) {
    const { page, errors } = await open(`${url}#${fragment}`);
    await page.locator('.notice').waitFor();
    assert.match(await page.textContent('.notice'), said);
    assert.equal(await page.locator('.lesson-panel').count(), 0);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('a challenge is won with a bug variant switched on, and its link replays the winning run', async () => {
  const { page, errors } = await open(`${url}#lesson=rpc-semantics&step=challenge`, { width: 1440, height: 900 });
  const panel = page.locator('.lesson-panel');
  await panel.getByText('Goal:').waitFor();
  assert.match(await panel.locator('.claim-text').textContent(), /each call takes effect at most once.*is broken/);
  await panel.locator('.claim.pending').waitFor();
  // Hints come on request; the second says a bug is needed.
  await panel.getByRole('button', { name: 'Show a hint' }).click();
  await panel.getByRole('button', { name: 'Another hint' }).click();
  assert.match(await panel.locator('.hint').nth(1).textContent(), /forget-keys/);
  // Switch the bug on from the folded settings: the lesson stays open, the address keeps it.
  await page.locator('summary', { hasText: 'Settings, bug variants and network faults' }).click();
  await page.getByRole('button', { name: 'forget-keys' }).click();
  await page.waitForFunction(() => /^#lesson=rpc-semantics&step=challenge&.*bugs=forget-keys/.test(location.hash));
  // The faults, as a prepared link would carry them: replies to n0 lost, the server crashed
  // and restarted (forgetting its table), the link restored.
  const faults = '&actions=0s@cut:2-0,300ms@crash:2:keep,400ms@restart:2,700ms@restore:2-0&autoplay=0';
  // A new link in the address bar of the open page: the page starts again from it.
  const reloaded = page.waitForEvent('load');
  await page.goto(page.url() + faults);
  await reloaded;
  await panel.getByText('Goal:').waitFor();
  assert.equal(await page.locator('.won').count(), 0);
  for (let i = 0; i < 3; i += 1) await page.getByRole('button', { name: '+1 s' }).click();
  const won = page.locator('.won');
  await won.waitFor();
  assert.match(await won.textContent(), /Goal reached at/);
  await page.screenshot({ path: `${shots}/64-challenge-won.png` });
  const hash = await traceHash(page);
  const link = await won.getByRole('link').getAttribute('href');
  assert.match(link, /step=challenge&.*bugs=forget-keys.*&t=/);
  const again = await open(link);
  await again.page.locator('.won').waitFor();
  assert.equal(await traceHash(again.page), hash, 'the winning link replays the same run');
  assert.deepEqual(again.errors, []);
  await again.page.close();
  assert.deepEqual(errors, []);
  await page.close();
});

test('a CAP lesson step shows the comparison of designs side by side under its run', async () => {
  const { page, errors } = await open(`${url}#lesson=cap&step=3`, { width: 1440, height: 900 });
  await page.locator('.lesson-panel').waitFor();
  const board = page.locator('table.scoreboard');
  await board.waitFor({ timeout: 30000 });
  assert.match(await board.textContent(), /Raft.*Quorum R=1 W=1/s);
  // Right under the cluster, before the diagram.
  const order = await page.evaluate(() => {
    const cap = document.querySelector('table.scoreboard').closest('section');
    const diagram = document.querySelector('.spacetime');
    return cap.compareDocumentPosition(diagram) & Node.DOCUMENT_POSITION_FOLLOWING ? 'before' : 'after';
  });
  assert.equal(order, 'before');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a table in a lesson step links each cell to its run', async () => {
  const { page, errors } = await open(`${url}#lesson=server-crashes&step=4`, { width: 1440, height: 900 });
  const panel = page.locator('.lesson-panel');
  await panel.getByText('Skip the question').click();
  const table = panel.locator('.lesson-table table');
  await table.waitFor();
  // The course's table: six orders of the server's steps and its crash, four client choices.
  assert.equal(await table.locator('tbody tr').count(), 6);
  assert.equal(await table.locator('tbody a').count(), 24);
  const box = await table.boundingBox();
  const column = await panel.boundingBox();
  assert.ok(box.x + box.width <= column.x + column.width + 1, 'the table fits the lesson column');
  // The first cell: the completion message sent first, a crash after both steps, and a
  // client that always sends the call again: the deposit is made twice.
  const cell = table.locator('tbody tr').first().locator('a').first();
  assert.equal((await cell.textContent()).trim(), 'DUP');
  await cell.click();
  await page.waitForFunction(() => /steps=reply-first&reissue=always/.test(location.hash));
  await page.getByText('each call takes effect at most once violated').waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('the lessons are files fetched beside the page, not part of its code', async () => {
  const { page, errors } = await open(url);
  const found = await page.evaluate(async () => {
    const wasm = new Uint8Array(await (await fetch('splitbrain-web_bg.wasm')).arrayBuffer());
    const code = new TextDecoder('latin1').decode(wasm);
    const lesson = await (await fetch('lessons/two-generals.md')).text();
    return { inCode: code.includes('Two armies wait on hills'), inFile: lesson.includes('Two armies wait on hills') };
  });
  assert.deepEqual(found, { inCode: false, inFile: true });
  // Fetched behind the first run: the course map opens with every lesson.
  await page.getByRole('button', { name: 'Lessons' }).click();
  await page.locator('.course-map').getByRole('link', { name: /two generals/i }).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('when the lessons cannot be fetched, the course map says so and the run goes on', async () => {
  const page = await browser().newPage({ viewport: { width: 1280, height: 720 } });
  await page.route('**/lessons/**', (route) => route.abort());
  await page.goto(url);
  await page.waitForSelector('svg.topology .node');
  await page.getByRole('button', { name: 'Lessons' }).click();
  await page.locator('.course-map').getByText(/The lessons could not be loaded: .*two-generals\.md|The lessons could not be loaded: .*\.md could not be fetched/).waitFor();
  assert.ok(await page.locator('svg.topology .node').count() > 0);
  await page.close();
  // A link to a lesson falls back to a fresh run, with the reason.
  const linked = await browser().newPage({ viewport: { width: 1280, height: 720 } });
  await linked.route('**/lessons/**', (route) => route.abort());
  await linked.goto(`${url}#lesson=two-generals&step=2`);
  await linked.getByText(/This link could not be read: the lessons could not be loaded/).waitFor();
  assert.ok(await linked.locator('svg.topology .node').count() > 0);
  await linked.close();
});

test('a playground mounted by script on a lesson needs loadLessons first, and then shows the step', async () => {
  const { page, errors } = await open(url + 'notes.html');
  await page.waitForFunction(() => window.notesPlayground !== undefined);
  const result = await page.evaluate(async () => {
    const { mount, loadLessons } = await import('./splitbrain-web.js');
    const box = document.createElement('div');
    box.style.height = '500px';
    document.body.append(box);
    let before;
    try { mount(box, { lesson: 'two-generals', step: 2, embed: 'lesson' }); before = 'mounted'; } catch (e) { before = String(e); }
    await loadLessons();
    const pg = mount(box, { lesson: 'two-generals', step: 2, embed: 'lesson' });
    // The playground is drawn at the next frame.
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)));
    return { before, protocol: pg.state().protocol };
  });
  assert.match(result.before, /await loadLessons\(\) before mounting a lesson/);
  assert.equal(result.protocol, 'two-generals');
  await page.locator('.lesson-panel').last().getByText('Predict:').waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});
