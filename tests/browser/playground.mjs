// Drives Debian's Chromium, headless, through the book's playground and
// then every page of the book at 400 px, and prints what it finds, one
// tab-separated record per line, for tests/playground.rs to check:
//
//   browser  VERSION
//   run      SCENARIO  FIELD=VALUE ...   (one run the page shows: batch,
//                                         lr, loss, w, b, held-out-loss,
//                                         accuracy, losses=L,L,..., or
//                                         diverged=MESSAGE)
//   grid     SCENARIO  batch=B  lr=X  score=V   (a cell of the grid of
//                                         learning rates, or diverged=yes)
//   time     MS                          (one timed MNIST 0 vs 1 default run)
//   status   SCENARIO  TEXT              (what the status line said)
//   axis     NAME  TEXT                  (the chart's text after switching
//                                         the x axis to NAME)
//   nojs     TEXT                        (what a reader without JavaScript
//                                         sees instead of the form)
//   page     PATH                        (a page of the book checked at 400 px)
//   problem  TEXT                        (a console error or warning, an
//                                         uncaught error, a request to
//                                         another host, or a page wider than
//                                         the window)
//
// Usage: node playground.mjs BOOK_URL [CHROMIUM] [--pages PATH,PATH,...]
//        [--screenshots DIR]
// BOOK_URL is the root of the served book; the pages are paths below it.
// Only the browser given (default /usr/bin/chromium) is used: playwright-core
// never downloads one.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
function option(name) {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : null;
}
const shots = option('--screenshots');
const pages = (option('--pages') ?? '').split(',').filter((p) => p !== '');
const [book, executablePath = '/usr/bin/chromium'] = args;
if (!book) {
  console.error('usage: node playground.mjs BOOK_URL [CHROMIUM] [--pages P,P,...] [--screenshots DIR]');
  process.exit(2);
}
const url = new URL('mini-batch/playground.html', book).href;
const origin = new URL(book).origin;
// How many timed runs of the MNIST defaults; the test reports their median.
const TIMED_RUNS = 5;
// The width of a phone, at which every page is checked.
const PHONE = 400;

const print = (...fields) => process.stdout.write(`${fields.map((f) => String(f).replace(/\s+/g, ' ')).join('\t')}\n`);
const problem = (text) => print('problem', text);

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

// Every page opened reports its console errors and warnings, uncaught
// errors and failed requests.
function watch(page) {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problem(`console ${message.type()}: ${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => problem(`uncaught: ${error.message}`));
  // A request the page itself cancels (by moving to the next page, or by
  // ending a worker) fails as net::ERR_ABORTED; any other failure, or an
  // answer such as 404, is a problem.
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText;
    if (local(request.url()) && reason !== 'net::ERR_ABORTED') {
      problem(`failed: ${request.url()}: ${reason}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) {
      problem(`${response.status()} for ${response.url()}`);
    }
  });
}
context.on('page', watch);
const page = context.pages()[0] ?? (await context.newPage());
if (context.pages().length === 1) {
  watch(page);
}

// Presses Train with the keyboard and waits for the page to finish.
async function train(on = page) {
  await on.focus('#playground-form button[type=submit]');
  await on.keyboard.press('Enter');
  await on.waitForSelector('#playground-form:is([data-state=done], [data-state=failed], [data-state=invalid])', {
    timeout: 120000,
  });
  const state = await on.getAttribute('#playground-form', 'data-state');
  if (state !== 'done') {
    throw new Error(`training failed: ${await on.textContent('#playground-status')}`);
  }
}

// Fills the form: the data set, then (after its defaults are in) the batch
// sizes and settings given.
async function choose(data, { batches, lr, decay, epochs } = {}) {
  await page.check(`#playground-form input[name=data][value=${data}]`);
  if (batches) {
    for (const box of await page.$$('#playground-form input[name=batch]')) {
      if (!(await box.isDisabled())) {
        await box.setChecked(batches.includes(await box.getAttribute('value')));
      }
    }
  }
  for (const [name, value] of Object.entries({ lr, decay, epochs })) {
    if (value !== undefined) {
      await page.fill(`#playground-form input[name=${name}]`, value);
    }
  }
}

// What the tables show, exactly: each run of the summary with its losses
// per epoch, and each cell of the grid.
async function report(scenario) {
  const { runs, grid } = await page.evaluate(() => {
    const exact = (cell) => cell.dataset.value;
    const epochs = [...document.querySelectorAll('#playground-epochs tbody tr')].map((row) =>
      [...row.querySelectorAll('td')].map((cell) => cell.dataset.value ?? null),
    );
    const runs = [...document.querySelectorAll('#playground-summary tbody tr')].map((row, i) => {
      const fields = { batch: row.dataset.batch, lr: row.dataset.lr };
      for (const cell of row.querySelectorAll('td[data-field]')) {
        fields[cell.dataset.field] = exact(cell);
      }
      const diverged = row.querySelector('td.diverged');
      if (diverged) {
        fields.diverged = diverged.textContent;
      }
      fields.losses = epochs.map((row) => row[i]).filter((v) => v !== null).join(',');
      return fields;
    });
    const table = document.getElementById('playground-grid');
    const grid = [];
    if (table) {
      const rates = [...table.querySelectorAll('thead th')].slice(1).map((th) => th.textContent.replace('lr ', ''));
      for (const row of table.querySelectorAll('tbody tr')) {
        [...row.querySelectorAll('td')].forEach((cell, i) => {
          const fields = { batch: row.dataset.batch, lr: rates[i] };
          if (cell.classList.contains('diverged')) {
            fields.diverged = 'yes';
          } else {
            fields.score = exact(cell);
            fields.best = cell.classList.contains('best') ? 'yes' : 'no';
          }
          grid.push(fields);
        });
      }
    }
    return { runs, grid };
  });
  const fields = (record) => Object.entries(record).map(([k, v]) => `${k}=${v}`);
  for (const run of runs) {
    print('run', scenario, ...fields(run));
  }
  for (const cell of grid) {
    print('grid', scenario, ...fields(cell));
  }
  print('status', scenario, await page.textContent('#playground-status'));
}

// What of `on` reaches past the window: the page's content as a whole if it
// scrolls sideways (mdBook's #mdbook-content would), and any element of the
// text whose visible part does: what a box around it clips (a table's
// wrapper or a code block that scrolls sideways, a formula's drawing) does
// not count, and mdBook's own boxes, outside the text, are not looked at.
async function tooWide(on) {
  return on.evaluate(() => {
    const main = document.querySelector('main');
    const visibleRight = (e) => {
      let right = e.getBoundingClientRect().right;
      for (let a = e.parentElement; a && a !== main; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') {
          right = Math.min(right, a.getBoundingClientRect().right);
        }
      }
      return right;
    };
    const wide = [...main.querySelectorAll('*')]
      .filter((e) => e.getClientRects().length > 0)
      .filter((e) => visibleRight(e) > window.innerWidth + 0.5);
    const content = document.getElementById('mdbook-content') ?? document.scrollingElement;
    const page =
      content.scrollWidth > content.clientWidth + 1 || document.scrollingElement.scrollWidth > window.innerWidth
        ? [`the page (${content.scrollWidth} px wide)`]
        : [];
    return [
      ...page,
      ...wide.slice(0, 5).map((e) => `${e.tagName.toLowerCase()} "${e.textContent.trim().slice(0, 40)}"`),
    ];
  });
}

// A fresh page `width` pixels wide in mdBook's `theme`, after a default run
// on `data`; a problem if anything then reaches past the window.
async function fresh(data, width, theme) {
  const shot = await context.newPage();
  await shot.setViewportSize({ width, height: 900 });
  await shot.addInitScript((t) => localStorage.setItem('mdbook-theme', t), theme);
  await shot.goto(url);
  await shot.waitForSelector('#playground-form:not([hidden])');
  await shot.check(`#playground-form input[name=data][value=${data}]`);
  await train(shot);
  const wide = await tooWide(shot);
  if (wide.length > 0) {
    problem(`at ${width} px the ${data} results reach past the window: ${wide.join(', ')}`);
  }
  return shot;
}

// Screenshots for each theme, data set and width: for looking at the page
// as a reader would.
async function screenshots(dir) {
  for (const theme of ['light', 'navy']) {
    for (const data of ['line', 'mnist-0-1', 'mnist-4-9']) {
      for (const width of [1100, PHONE]) {
        const shot = await fresh(data, width, theme);
        await shot.screenshot({ path: join(dir, `${data}-${theme}-${width}.png`), fullPage: true });
        await shot.close();
      }
    }
  }
}

// Every page of the book at a phone's width: nothing reaches past the
// window (the watchers report console errors and other hosts).
async function everyPage() {
  const phone = await context.newPage();
  await phone.setViewportSize({ width: PHONE, height: 800 });
  for (const path of pages) {
    await phone.goto(new URL(path, book).href, { waitUntil: 'load' });
    const wide = await tooWide(phone);
    if (wide.length > 0) {
      problem(`at ${PHONE} px ${path} reaches past the window: ${wide.join(', ')}`);
    }
    print('page', path);
  }
  await phone.close();
}

try {
  print('browser', context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent)));
  await page.goto(url);
  await page.waitForSelector('#playground-form:not([hidden])');

  // The line's defaults: Exercise 2.
  await train();
  await report('line');

  // A learning rate far too large: two runs diverge, the third is kept.
  await choose('line', { batches: ['2', '4', 'full'], lr: '0.5', epochs: '100' });
  await train();
  await report('line-diverging');

  // The data set chosen with the keyboard: the arrow key moves to MNIST 0 vs 1.
  await page.focus('#playground-form input[name=data][value=line]');
  await page.keyboard.press('ArrowDown');
  for (let i = 0; i < TIMED_RUNS; i += 1) {
    await train();
    print('time', await page.getAttribute('#playground-status', 'data-ms'));
  }
  await report('mnist-0-1');

  // The chart against steps and against examples seen, without training again.
  for (const name of ['steps', 'examples']) {
    await page.check(`#playground-axis input[name=axis][value=${name}]`);
    const svg = await page.evaluate(async () => {
      const image = document.querySelector('#playground-loss img');
      return (await fetch(image.src)).text();
    });
    const text = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).join(' | ');
    print('axis', name, text);
  }
  await page.check('#playground-axis input[name=axis][value=epochs]');

  // The harder pair: its grid of learning rates, then one run with a decay.
  await choose('mnist-4-9');
  await train();
  await report('mnist-4-9');
  await choose('mnist-4-9', { batches: ['8'], lr: '0.1', decay: '1' });
  await train();
  await report('mnist-4-9-decay');

  // A long training stopped after its first run: the page says so, and
  // trains again after.
  await choose('mnist-4-9', {
    batches: ['128', 'full'],
    lr: '0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3',
    epochs: '1000',
  });
  await page.click('#playground-form button[type=submit]');
  await page.waitForFunction(() => / epoch [0-9]+ of 1000$/.test(document.getElementById('playground-status').textContent), null, {
    timeout: 120000,
  });
  print('status', 'training', await page.textContent('#playground-status'));
  await page.waitForFunction(() => /Training… run [2-9]/.test(document.getElementById('playground-status').textContent), null, {
    timeout: 120000,
  });
  await page.click('#playground-stop');
  await page.waitForSelector('#playground-form[data-state=stopped]');
  print('status', 'stopped', await page.textContent('#playground-status'));
  // At once, while the fresh worker may still be loading its images.
  await choose('mnist-0-1');
  await train();
  print('status', 'after-stop', await page.textContent('#playground-status'));

  // Without JavaScript the reader sees what the playground needs, no form.
  const plain = await context.newPage();
  const cdp = await context.newCDPSession(plain);
  await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  await plain.goto(url);
  const form = await plain.isVisible('#playground-form');
  print('nojs', form ? 'the form shows' : await plain.innerText('#playground-needs'));
  await plain.close();

  // On a phone, nothing but the tables scrolls sideways.
  for (const data of ['mnist-0-1', 'mnist-4-9']) {
    await (await fresh(data, PHONE, 'light')).close();
  }
  await everyPage();
  if (shots) {
    await screenshots(shots);
  }
} catch (error) {
  problem(error instanceof Error ? error.message : error);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
