// Drives Debian's Chromium, headless, through the book's playground and
// prints what the page shows, one tab-separated record per line, for
// tests/playground.rs to compare with the native programs:
//
//   browser  VERSION
//   line     BATCH  W  B  LOSS,LOSS,...          (the line's default run)
//   digits   BATCH  ACCURACY  B  LOSS,LOSS,...   (the MNIST default run)
//   time     MS                                  (one timed MNIST default run)
//   diverged TEXT                                (what the page says when the
//                                                 line's loss overflows)
//   nojs     TEXT                                (what a reader without
//                                                 JavaScript sees instead)
//   problem  TEXT                                (a console error or warning,
//                                                 an uncaught error, or a
//                                                 request to another host)
//
// Usage: node playground.mjs URL [CHROMIUM] [--screenshots DIR]
// Only the browser given (default /usr/bin/chromium) is used: playwright-core
// never downloads one.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const shotsAt = args.indexOf('--screenshots');
const shots = shotsAt >= 0 ? args.splice(shotsAt, 2)[1] : null;
const [url, executablePath = '/usr/bin/chromium'] = args;
if (!url) {
  console.error('usage: node playground.mjs URL [CHROMIUM] [--screenshots DIR]');
  process.exit(2);
}
const origin = new URL(url).origin;
// How many timed runs of the MNIST defaults; the test reports their median.
const TIMED_RUNS = 5;

const print = (...fields) => process.stdout.write(`${fields.join('\t')}\n`);
const problem = (text) => print('problem', String(text).replace(/\s+/g, ' '));

const profile = mkdtempSync(join(tmpdir(), 'playground-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1100, height: 900 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
  ],
});

// Anything not served by the book's own server, or made by the page itself
// (data: and blob: URLs), is a request to another host.
function local(address) {
  if (address.startsWith('data:')) {
    return true;
  }
  const target = address.startsWith('blob:') ? address.slice(5) : address;
  try {
    return new URL(target).origin === origin;
  } catch {
    return false;
  }
}
await context.route('**/*', (route) => {
  const address = route.request().url();
  if (local(address)) {
    return route.continue();
  }
  problem(`request to another host: ${address}`);
  return route.abort();
});
context.on('request', (request) => {
  if (!local(request.url())) {
    problem(`request to another host: ${request.url()}`);
  }
});

const page = context.pages()[0] ?? (await context.newPage());
page.on('console', (message) => {
  if (message.type() === 'error' || message.type() === 'warning') {
    problem(`console ${message.type()}: ${message.text()} (${message.location().url})`);
  }
});
page.on('pageerror', (error) => problem(`uncaught: ${error.message}`));
page.on('requestfailed', (request) => {
  if (local(request.url())) {
    problem(`failed: ${request.url()}: ${request.failure()?.errorText}`);
  }
});

// Presses Train with the keyboard and waits for the page to finish.
async function train() {
  await page.focus('#playground-form button[type=submit]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#playground-form:is([data-state=done], [data-state=failed])');
  const state = await page.getAttribute('#playground-form', 'data-state');
  if (state !== 'done') {
    throw new Error(`training failed: ${await page.textContent('#playground-status')}`);
  }
}

// The numbers of the summary table and the loss after each epoch, exactly.
async function numbers() {
  return page.evaluate(() => {
    const values = (row) => [...row.querySelectorAll('td[data-value]')].map((cell) => cell.dataset.value);
    const summary = [...document.querySelectorAll('#playground-summary tbody tr')].map((row) => ({
      batch: row.querySelector('th').textContent.split(' ')[0],
      values: values(row),
    }));
    const epochs = [...document.querySelectorAll('#playground-epochs tbody tr')].map(values);
    return summary.map((run, i) => ({ ...run, losses: epochs.map((row) => row[i]) }));
  });
}

// A fresh page `width` pixels wide in mdBook's `theme`, after a default run
// on `data`; a problem if the page then scrolls sideways as a whole.
async function fresh(data, width, theme) {
  const shot = await context.newPage();
  shot.on('pageerror', (error) => problem(`uncaught: ${error.message}`));
  await shot.setViewportSize({ width, height: 900 });
  await shot.addInitScript((t) => localStorage.setItem('mdbook-theme', t), theme);
  await shot.goto(url);
  await shot.waitForSelector('#playground-form:not([hidden])');
  await shot.check(`#playground-form input[name=data][value=${data}]`);
  await shot.click('#playground-form button[type=submit]');
  await shot.waitForSelector('#playground-form[data-state=done]');
  // mdBook's layout clips what overflows, so look for anything of the
  // playground that reaches past the window (tables scroll on their own).
  const wide = await shot.evaluate(() =>
    [...document.querySelectorAll('#playground *')]
      .filter((e) => !e.closest('.table-wrapper') && e.getClientRects().length > 0)
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((e) => `${e.tagName.toLowerCase()} "${e.textContent.trim().slice(0, 40)}"`),
  );
  if (wide.length > 0) {
    problem(`at ${width} px the ${data} results reach past the window: ${wide.join(', ')}`);
  }
  return shot;
}

// Screenshots for each theme, data set and width: for looking at the page
// as a reader would.
async function screenshots(dir) {
  for (const theme of ['light', 'navy']) {
    for (const data of ['line', 'digits']) {
      for (const width of [1100, 400]) {
        const shot = await fresh(data, width, theme);
        await shot.screenshot({ path: join(dir, `${data}-${theme}-${width}.png`), fullPage: true });
        await shot.close();
      }
    }
  }
}

try {
  print('browser', context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent)));
  await page.goto(url);
  await page.waitForSelector('#playground-form:not([hidden])');

  await train();
  for (const run of await numbers()) {
    const [, w, b] = run.values;
    print('line', run.batch, w, b, run.losses.join(','));
  }

  // A learning rate far too large: the crate's error reaches the reader.
  await page.fill('#playground-form input[name=lr]', '0.5');
  await page.fill('#playground-form input[name=epochs]', '100');
  await page.focus('#playground-form button[type=submit]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#playground-form:is([data-state=done], [data-state=failed])');
  print('diverged', await page.textContent('#playground-status'));

  // The data set chosen with the keyboard: the arrow key moves to MNIST.
  await page.focus('#playground-form input[name=data][value=line]');
  await page.keyboard.press('ArrowDown');
  for (let i = 0; i < TIMED_RUNS; i += 1) {
    await train();
    print('time', await page.getAttribute('#playground-status', 'data-ms'));
  }
  for (const run of await numbers()) {
    const [, b, accuracy] = run.values;
    print('digits', run.batch, accuracy, b, run.losses.join(','));
  }
  // Without JavaScript the reader sees what the playground needs, no form.
  const plain = await context.newPage();
  const cdp = await context.newCDPSession(plain);
  await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  await plain.goto(url);
  const form = await plain.isVisible('#playground-form');
  print('nojs', form ? 'the form shows' : await plain.innerText('#playground-needs'));
  await plain.close();

  // On a phone, nothing but the tables scrolls sideways.
  await (await fresh('digits', 400, 'light')).close();
  if (shots) {
    await screenshots(shots);
  }
} catch (error) {
  problem(error instanceof Error ? error.message : error);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
