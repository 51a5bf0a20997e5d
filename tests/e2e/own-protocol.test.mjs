// The playground built with a protocol from outside the core (examples/own-protocol/page):
// the majority register is offered, runs, is checked after every event, and a link with
// one of its bugs stops at the broken property, told in the protocol's words.
// scripts/test.sh builds that page and serves it at $OWN_PROTOCOL_URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shots, useBrowser, openPage } from './harness.mjs';

const ownUrl = process.env.OWN_PROTOCOL_URL ?? 'http://127.0.0.1:8091/';
const browser = useBrowser();

// The read that answers from a write only two replicas hold (the example's own test).
const halfWrite = '1s@client:0:put:0:2,1.0085s@cut:0-2,1.0085s@cut:0-3,1.0085s@cut:0-4,'
  + '1.2s@crash:0:keep,1.3s@restart:0,1.4s@restore:0-2,1.4s@restore:0-3,1.4s@restore:0-4,'
  + '2s@client:0:get:0,3s@partition:0-1/2-3-4,3.5s@client:4:get:0';

test('the page built with the example offers its protocol and runs it under a partition', async () => {
  const { page, errors } = await openPage(browser(), `${ownUrl}#protocol=abd&load=50&actions=1s@partition:0-1/2-3-4&t=3s`);
  const chosen = await page.$eval('select[aria-label="Protocol"]', (s) => s.selectedOptions[0].textContent);
  assert.match(chosen, /Majority register/);
  // The built-in protocols are still there.
  const options = await page.$$eval('select[aria-label="Protocol"] option', (os) => os.map((o) => o.value));
  assert.ok(options.includes('raft') && options.includes('abd'), options.join(' '));
  assert.match(await page.textContent('.verdict.ok'), /Every answer so far stands on a majority/);
  assert.match(await page.textContent('.verdict.lin'), /linearizable so far/);
  // Its own card, and only the operations it offers.
  await page.locator('svg.topology g.node[aria-label^="node 2,"]').click();
  await page.waitForSelector('.inspector table.log caption');
  assert.match(await page.textContent('.inspector table.log caption'), /operations it coordinates/);
  assert.match(await page.textContent('.inspector'), /quorum\s*3/);
  const buttons = await page.$$eval('.inspector .buttons button', (bs) => bs.map((b) => b.textContent));
  assert.ok(buttons.includes('Client: get k1') && !buttons.includes('Client: cas k1'), buttons.join(', '));
  await page.screenshot({ path: `${shots}/60-own-protocol.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a bug of the example is caught by its own checker in the page', async () => {
  const { page, errors } = await openPage(browser(), `${ownUrl}#protocol=abd&bugs=skip-write-back&load=0&actions=${halfWrite}&t=5s`);
  await page.waitForSelector('.verdict.bad');
  assert.match(await page.textContent('p.verdict.bad'), /answers stand on a majority/);
  assert.match(await page.textContent('p.verdict.bad'), /n0 answered a read of k0 with the write tagged 1\.n0, but only n0 and n1 of 5 hold it/);
  await page.screenshot({ path: `${shots}/61-own-protocol-bug.png` });
  assert.deepEqual(errors, []);
  await page.close();
});
