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
