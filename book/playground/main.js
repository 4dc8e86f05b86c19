// The playground page's main thread: reads the form, sends the training to
// the worker (worker.js) and draws what comes back with the crate's own
// chart code, compiled to WebAssembly with the trainer (pkg/). Everything
// it loads sits beside this file; it asks no other host for anything.

import init, { loss_chart, weights_chart } from './pkg/playground.js';

const here = (path) => new URL(path, import.meta.url);

const needs = document.getElementById('playground-needs');
const form = document.getElementById('playground-form');
const status = document.getElementById('playground-status');
const results = document.getElementById('playground-results');
const button = form.querySelector('button[type=submit]');

// Each data set's defaults: Exercise 2's comparison for the line, and the
// blog's MNIST settings (`train --blog`) for the digits.
const DEFAULTS = {
  line: { batches: ['2', '4'], lr: '0.01', epochs: '5' },
  digits: { batches: ['1', '8', '32', 'full'], lr: '0.1', epochs: '10' },
};
// The line has eight points, so batch sizes from 8 up are all its full batch.
const LINE_POINTS = 8;
const MAX_EPOCHS = 100;
const MAX_SEED = 2n ** 64n - 1n;

let worker = null;
let shape = null; // rows and columns of one digit image
let pending = null; // the request being trained: {id, started, ...}
let lastId = 0;
let urls = []; // object URLs of the charts shown, freed when replaced

function dataSet() {
  return form.elements.data.value;
}

function batchBoxes() {
  return [...form.querySelectorAll('input[name=batch]')];
}

// Puts the data set's defaults into the form; the seed and shuffling stay.
function applyDefaults() {
  const data = dataSet();
  const defaults = DEFAULTS[data];
  for (const box of batchBoxes()) {
    const tooLarge =
      data === 'line' && box.value !== 'full' && Number(box.value) >= LINE_POINTS;
    box.disabled = tooLarge;
    box.checked = !tooLarge && defaults.batches.includes(box.value);
  }
  form.elements.lr.value = defaults.lr;
  form.elements.epochs.value = defaults.epochs;
  document.getElementById('playground-line-note').hidden = data !== 'line';
}

// Marks `field` as wrong and says why, or returns null when it is fine.
function problem(field, message) {
  field.setAttribute('aria-invalid', 'true');
  field.focus();
  return message;
}

// The form as a training request, or a message saying what to fix.
function readForm() {
  for (const field of form.querySelectorAll('[aria-invalid]')) {
    field.removeAttribute('aria-invalid');
  }
  const { lr, epochs, seed, shuffle } = form.elements;
  const batches = batchBoxes()
    .filter((box) => box.checked && !box.disabled)
    .map((box) => (box.value === 'full' ? null : Number(box.value)));
  if (batches.length === 0) {
    return { error: problem(batchBoxes()[0], 'Choose at least one batch size.') };
  }
  const rate = Number(lr.value);
  if (lr.value.trim() === '' || !Number.isFinite(rate) || rate <= 0) {
    return { error: problem(lr, 'The learning rate must be a number above 0, such as 0.1.') };
  }
  const count = Number(epochs.value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_EPOCHS) {
    return { error: problem(epochs, `Epochs must be a whole number from 1 to ${MAX_EPOCHS}.`) };
  }
  const text = seed.value.trim();
  if (!/^[0-9]+$/.test(text) || BigInt(text) > MAX_SEED) {
    return { error: problem(seed, 'The seed must be a whole number from 0 to 2⁶⁴ − 1.') };
  }
  return {
    request: {
      data: dataSet(),
      batches,
      lr: rate,
      epochs: count,
      shuffle: shuffle.checked,
      seed: text,
    },
  };
}

function say(text, state) {
  status.textContent = text;
  form.dataset.state = state;
}

function label(run) {
  return `batch size ${run.batchSize}${run.full ? ' (full)' : ''}`;
}

// A number for reading: six significant digits, or five in exponent form
// below 0.001, as the programs' loss tables print them.
function short(value) {
  if (value !== 0 && Math.abs(value) < 1e-3) {
    return value.toExponential(4);
  }
  return Number(value.toPrecision(6)).toString();
}

// A table cell showing `value` for reading, with its exact value kept in
// `data-value` (JavaScript's shortest text that reads back as the same f64).
function numberCell(value, text = short(value)) {
  const cell = document.createElement('td');
  cell.textContent = text;
  cell.dataset.value = String(value);
  return cell;
}

// A table in a wrapper that scrolls sideways on a narrow screen.
function table(id, headings, rows) {
  const element = document.createElement('table');
  element.id = id;
  const head = element.createTHead().insertRow();
  for (const heading of headings) {
    const th = document.createElement('th');
    th.textContent = heading;
    th.scope = 'col';
    head.append(th);
  }
  const body = element.createTBody();
  for (const cells of rows) {
    body.insertRow().append(...cells);
  }
  const wrapper = document.createElement('div');
  wrapper.className = 'table-wrapper';
  wrapper.append(element);
  return wrapper;
}

// One row per run: the final loss and parameters, or the test accuracy.
function summaryTable(request, runs) {
  const digits = request.data === 'digits';
  const headings = digits
    ? ['batch size', 'updates per epoch', 'final loss', 'final b', 'test accuracy']
    : ['batch size', 'updates per epoch', 'final loss', 'final W', 'final b'];
  const rows = runs.map((run) => {
    const name = document.createElement('th');
    name.scope = 'row';
    name.textContent = run.full ? `${run.batchSize} (full)` : `${run.batchSize}`;
    const updates = document.createElement('td');
    updates.textContent = String(Math.ceil(run.samples / run.batchSize));
    const cells = [name, updates, numberCell(run.losses[run.losses.length - 1])];
    if (digits) {
      cells.push(numberCell(run.bias), numberCell(run.accuracy, run.accuracy.toFixed(4)));
    } else {
      cells.push(numberCell(run.weights[0]), numberCell(run.bias));
    }
    return cells;
  });
  return table('playground-summary', headings, rows);
}

// The loss after every epoch, one column per run.
function epochTable(runs) {
  const epochs = runs[0].losses.length;
  const rows = [];
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    const number = document.createElement('th');
    number.scope = 'row';
    number.textContent = String(epoch + 1);
    rows.push([number, ...runs.map((run) => numberCell(run.losses[epoch]))]);
  }
  return table('playground-epochs', ['epoch', ...runs.map(label)], rows);
}

function concat(arrays) {
  const all = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  return all;
}

// An SVG drawn by the crate as an image that opens full size on a click,
// like the book's charts.
function chart(svg, alt) {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  urls.push(url);
  const link = document.createElement('a');
  link.className = 'chart';
  link.href = url;
  link.target = '_blank';
  const image = document.createElement('img');
  image.src = url;
  image.alt = alt;
  link.append(image);
  return link;
}

function list(words) {
  return words.length < 2
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

// Draws the runs: the loss chart, the tables and, for the digits, the
// learned weights as pictures.
async function show(request, runs) {
  for (const url of urls) {
    URL.revokeObjectURL(url);
  }
  urls = [];
  const digits = request.data === 'digits';
  const labels = runs.map(label);
  const sizes = list(runs.map((run) => String(run.batchSize)));
  const what = digits ? 'MNIST 0 vs 1' : 'y = 2x';
  const lossSvg = loss_chart(
    `${what}, learning rate ${request.lr}: loss per epoch by batch size`,
    labels,
    concat(runs.map((run) => run.losses)),
  );
  const parts = [
    chart(
      lossSvg,
      `The loss after each of ${request.epochs} epochs for batch sizes ${sizes}; ` +
        'the numbers are in the tables below.',
    ),
  ];
  parts.push(summaryTable(request, runs));
  if (digits) {
    const weightsSvg = weights_chart(
      'The learned weights (red +, blue −)',
      labels,
      concat(runs.map((run) => run.weights)),
      shape.rows,
      shape.cols,
    );
    parts.push(
      chart(
        weightsSvg,
        `The weights each run learned, as ${shape.rows}×${shape.cols} pictures: ` +
          'red where ink pushes towards a 1, blue towards a 0.',
      ),
    );
  }
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = 'The loss after each epoch';
  details.append(summary, epochTable(runs));
  parts.push(details);
  results.replaceChildren(...parts);
  results.hidden = false;
  await Promise.all([...results.querySelectorAll('img')].map((img) => img.decode()));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (pending) {
    return;
  }
  const { request, error } = readForm();
  if (error) {
    say(error, 'invalid');
    return;
  }
  lastId += 1;
  pending = { ...request, id: lastId, started: performance.now() };
  button.disabled = true;
  say('Training…', 'training');
  worker.postMessage({ train: { ...request, id: lastId } });
});

form.elements.data.forEach((radio) => radio.addEventListener('change', applyDefaults));
document.getElementById('playground-defaults').addEventListener('click', () => {
  form.elements.shuffle.checked = true;
  form.elements.seed.value = '42';
  applyDefaults();
  say('', 'idle');
});

async function received({ data: message }) {
  if (message.ready) {
    shape = message.ready;
    applyDefaults();
    needs.hidden = true;
    form.hidden = false;
    say('', 'idle');
    return;
  }
  const request = pending;
  pending = null;
  button.disabled = false;
  if (message.failed) {
    if (!request) {
      needs.textContent = `The playground could not start: ${message.failed.message}`;
      return;
    }
    results.hidden = true;
    say(`Training stopped: ${message.failed.message}`, 'failed');
    return;
  }
  try {
    await show(request, message.done.runs);
  } catch (error) {
    say(`Drawing failed: ${error instanceof Error ? error.message : error}`, 'failed');
    return;
  }
  const ms = Math.round(performance.now() - request.started);
  status.dataset.ms = String(ms);
  const runs = message.done.runs.length;
  say(
    `Trained ${runs} run${runs === 1 ? '' : 's'} of ${request.epochs} ` +
      `epoch${request.epochs === 1 ? '' : 's'} and drew them in ${ms} ms.`,
    'done',
  );
}

async function start() {
  const response = await fetch(here('pkg/playground_bg.wasm'));
  if (!response.ok) {
    throw new Error(`pkg/playground_bg.wasm: ${response.status} ${response.statusText}`);
  }
  const module = await WebAssembly.compile(await response.arrayBuffer());
  await init({ module_or_path: module });
  worker = new Worker(here('worker.js'), { type: 'module' });
  worker.onmessage = received;
  worker.onerror = (event) => {
    needs.textContent = `The playground's worker failed: ${event.message}`;
    needs.hidden = false;
  };
  worker.postMessage({
    start: {
      module,
      images: here('data/train-images-idx3-ubyte.gz').href,
      labels: here('data/train-labels-idx1-ubyte.gz').href,
    },
  });
}

if (
  typeof WebAssembly === 'object' &&
  typeof Worker === 'function' &&
  typeof DecompressionStream === 'function'
) {
  start().catch((error) => {
    needs.textContent = `The playground could not start: ${error.message}`;
  });
}
