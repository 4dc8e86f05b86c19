// The playground page's main thread: reads the form, sends the training to
// the worker (worker.js) and draws what comes back with the crate's own
// chart code, compiled to WebAssembly with the trainer (pkg/). Everything
// it loads sits beside this file; it asks no other host for anything.

import init, { LossChart, loss_epsilon, weights_chart } from './pkg/playground.js';

const here = (path) => new URL(path, import.meta.url);

const needs = document.getElementById('playground-needs');
const form = document.getElementById('playground-form');
const status = document.getElementById('playground-status');
const results = document.getElementById('playground-results');
const axisForm = document.getElementById('playground-axis');
const drawn = document.getElementById('playground-drawn');
const button = form.querySelector('button[type=submit]');
const stop = document.getElementById('playground-stop');

// The data sets: what the page calls them, where their images are (none
// for the line) and their defaults: Exercise 2's comparison for the line,
// the blog's MNIST settings (`train --blog`) for 0 vs 1, and a small grid
// of learning rates for 4 vs 9, where the batch size's best rate differs.
const DATA = {
  line: {
    name: 'y = 2x',
    defaults: { batches: ['2', '4'], lr: '0.01', epochs: '5' },
  },
  'mnist-0-1': {
    name: 'MNIST 0 vs 1',
    classes: [0, 1],
    defaults: { batches: ['1', '8', '32', 'full'], lr: '0.1', epochs: '10' },
  },
  'mnist-4-9': {
    name: 'MNIST 4 vs 9',
    classes: [4, 9],
    defaults: { batches: ['1', '8', '32', '128', 'full'], lr: '0.001, 0.01, 0.1, 1', epochs: '10' },
  },
};
// The line has eight points, so batch sizes from 8 up are all its full batch.
const LINE_POINTS = 8;
// Enough for the full batch to catch up with the small ones on MNIST 0 vs 1
// at the blog's learning rate (the page's "Things to try" says how many).
const MAX_EPOCHS = 1000;
const MAX_RATES = 8;
const MAX_SEED = 2n ** 64n - 1n;
// A mean squared error below this is 0 to the precision of f64 (the line's
// errors are about 1e-15 of values near 10 at best).
const LINE_FLOOR = 1e-30;

let worker = null;
let shapes = null; // rows and columns of one digit image, per data set
let pending = null; // the request being trained: {id, started, runs, ...}
let shown = null; // the request and runs on the page, for redrawing
let lastId = 0;
let urls = []; // object URLs of the charts shown, freed when replaced

function dataSet() {
  return form.elements.data.value;
}

function digits(data) {
  return data !== 'line';
}

function batchBoxes() {
  return [...form.querySelectorAll('input[name=batch]')];
}

// Puts the data set's defaults into the form; the seed and shuffling stay.
function applyDefaults() {
  const data = dataSet();
  const { defaults } = DATA[data];
  for (const box of batchBoxes()) {
    const tooLarge =
      data === 'line' && box.value !== 'full' && Number(box.value) >= LINE_POINTS;
    box.disabled = tooLarge;
    box.checked = !tooLarge && defaults.batches.includes(box.value);
  }
  form.elements.lr.value = defaults.lr;
  form.elements.decay.value = '0';
  form.elements.epochs.value = defaults.epochs;
  document.getElementById('playground-line-note').hidden = data !== 'line';
}

// Marks `field` as wrong and says why, or returns null when it is fine.
function problem(field, message) {
  field.setAttribute('aria-invalid', 'true');
  field.focus();
  return message;
}

// The learning rates typed, smallest first, or null if one is not a number
// above 0.
function rates(text) {
  const words = text.split(/[\s,;]+/).filter((word) => word !== '');
  const values = words.map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v <= 0)) {
    return null;
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

// The form as a training request, or a message saying what to fix.
function readForm() {
  for (const field of form.querySelectorAll('[aria-invalid]')) {
    field.removeAttribute('aria-invalid');
  }
  const { lr, decay, epochs, seed, shuffle } = form.elements;
  const batches = batchBoxes()
    .filter((box) => box.checked && !box.disabled)
    .map((box) => (box.value === 'full' ? null : Number(box.value)));
  if (batches.length === 0) {
    return { error: problem(batchBoxes()[0], 'Choose at least one batch size.') };
  }
  const lrs = rates(lr.value);
  if (lrs === null) {
    return {
      error: problem(lr, 'Each learning rate must be a number above 0, such as 0.1 or 0.01, 0.1, 1.'),
    };
  }
  if (lrs.length > MAX_RATES) {
    return { error: problem(lr, `Give at most ${MAX_RATES} learning rates.`) };
  }
  const k = Number(decay.value);
  if (decay.value.trim() === '' || !Number.isFinite(k) || k < 0) {
    return { error: problem(decay, 'The decay must be a number of at least 0 (0: a constant learning rate).') };
  }
  const count = Number(epochs.value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_EPOCHS) {
    return { error: problem(epochs, `Epochs must be a whole number from 1 to ${MAX_EPOCHS}.`) };
  }
  const text = seed.value.trim();
  if (!/^[0-9]+$/.test(text) || BigInt(text) > MAX_SEED) {
    return { error: problem(seed, 'The seed must be a whole number from 0 to 2⁶⁴ − 1.') };
  }
  const jobs = batches.flatMap((batch) => lrs.map((rate) => ({ batch, lr: rate })));
  return {
    request: {
      data: dataSet(),
      jobs,
      batches,
      lrs,
      decay: k,
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

function batchText(run) {
  return `${run.batchSize}${run.full ? ' (full)' : ''}`;
}

// A run's name in a legend: its batch size, with its learning rate when
// several were tried.
function label(request, run) {
  const rate = request.lrs.length > 1 ? `, lr ${run.lr}` : '';
  const end = run.diverged ? ` (diverged at epoch ${run.losses.length + 1})` : '';
  return `batch size ${batchText(run)}${rate}${end}`;
}

// A number for reading: six significant digits, or five in exponent form
// below 0.001, as the programs' loss tables print them.
function short(value) {
  if (value !== 0 && Math.abs(value) < 1e-3) {
    return value.toExponential(4);
  }
  return Number(value.toPrecision(6)).toString();
}

// The binary cross-entropy adds ε inside its logarithms so that ln 0 never
// happens; a computed loss below ε (even a negative one, −ε at worst) means
// that every probability has rounded to its target: 0 to f64's precision.
function roundedAway(request, loss) {
  return digits(request.data) && loss < loss_epsilon();
}

// A table cell showing `value` for reading, with its exact value kept in
// `data-value` (JavaScript's shortest text that reads back as the same f64)
// and what it is in `data-field`.
function numberCell(field, value, text = short(value)) {
  const cell = document.createElement('td');
  cell.textContent = text;
  cell.dataset.value = String(value);
  cell.dataset.field = field;
  return cell;
}

// The final training loss, honest about the ε of the logarithms.
function lossCell(request, loss) {
  if (!roundedAway(request, loss)) {
    return numberCell('loss', loss);
  }
  const cell = numberCell('loss', loss, '≈ 0 *');
  cell.title = `computed: ${loss}`;
  return cell;
}

function textCell(text, columns = 1) {
  const cell = document.createElement('td');
  cell.textContent = text;
  cell.colSpan = columns;
  return cell;
}

// A heading cell of a row or of a column (`scope`).
function heading(text, scope = 'row') {
  const th = document.createElement('th');
  th.scope = scope;
  th.textContent = text;
  return th;
}

// A table in a wrapper that scrolls sideways on a narrow screen.
function table(id, headings, rows, caption) {
  const element = document.createElement('table');
  element.id = id;
  if (caption) {
    element.createCaption().textContent = caption;
  }
  const head = element.createTHead().insertRow();
  head.append(...headings.map((text) => heading(text, 'col')));
  const body = element.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    tr.append(...row.cells);
    Object.assign(tr.dataset, row.data ?? {});
  }
  const wrapper = document.createElement('div');
  wrapper.className = 'table-wrapper';
  wrapper.append(element);
  return wrapper;
}

function note(text) {
  const p = document.createElement('p');
  p.className = 'note';
  p.textContent = text;
  return p;
}

// The number a run is chosen by: the loss on the held-out images for the
// digits, the final training loss for the line (every point is on it).
function score(run) {
  return run.heldOutLoss ?? run.losses[run.losses.length - 1];
}

// For each batch size, the run with the learning rate that did best, or
// null if every rate diverged.
function bestRuns(request, runs) {
  return request.batches.map((batch) => {
    const tried = runs.filter((run) => run.batch === batch && !run.diverged);
    return tried.reduce((best, run) => (best === null || score(run) < score(best) ? run : best), null);
  });
}

// One row per batch size, one column per learning rate: the number each
// run is chosen by, the best of each row marked.
function gridTable(request, runs, best) {
  const chooseBy = digits(request.data) ? 'held-out loss' : 'final training loss';
  const rows = request.batches.map((batch, i) => {
    const full = batch === null;
    const name = heading(full ? 'full' : String(batch));
    const cells = request.lrs.map((rate) => {
      const run = runs.find((r) => r.batch === batch && r.lr === rate);
      if (!run) {
        return textCell('—');
      }
      if (run.diverged) {
        const cell = textCell('diverged');
        cell.className = 'diverged';
        return cell;
      }
      const cell = numberCell('score', score(run));
      if (run === best[i]) {
        cell.textContent = `${cell.textContent} ◆`;
        cell.className = 'best';
      }
      return cell;
    });
    return { cells: [name, ...cells], data: { batch: full ? 'full' : String(batch) } };
  });
  return table(
    'playground-grid',
    ['batch size', ...request.lrs.map((rate) => `lr ${rate}`)],
    rows,
    `The ${chooseBy} after ${request.epochs} epochs; ◆ marks each batch size's best learning rate.`,
  );
}

// One row per run shown: steps per epoch, the final losses and parameters.
function summaryTable(request, runs) {
  const digitSet = digits(request.data);
  const several = request.lrs.length > 1;
  const headings = [
    'batch size',
    ...(several ? ['learning rate'] : []),
    'steps per epoch',
    'final training loss',
    ...(digitSet ? ['held-out loss', 'held-out accuracy', 'final b'] : ['final W', 'final b']),
  ];
  const rows = runs.map((run) => {
    const cells = [heading(batchText(run))];
    if (several) {
      cells.push(numberCell('lr', run.lr));
    }
    const steps = document.createElement('td');
    steps.textContent = String(run.stepsPerEpoch);
    cells.push(steps);
    if (run.diverged) {
      cells.push(textCell(run.diverged, headings.length - cells.length));
      cells[cells.length - 1].className = 'diverged';
    } else {
      cells.push(lossCell(request, run.losses[run.losses.length - 1]));
      if (digitSet) {
        cells.push(
          numberCell('held-out-loss', run.heldOutLoss),
          numberCell('accuracy', run.accuracy, run.accuracy.toFixed(4)),
          numberCell('b', run.bias),
        );
      } else {
        cells.push(numberCell('w', run.weights[0]), numberCell('b', run.bias));
      }
    }
    return { cells, data: { batch: String(run.batchSize), lr: String(run.lr) } };
  });
  return table('playground-summary', headings, rows);
}

// The loss after every epoch, one column per run.
function epochTable(request, runs) {
  const epochs = Math.max(...runs.map((run) => run.losses.length));
  const rows = [];
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    const cells = runs.map((run) =>
      epoch < run.losses.length ? numberCell('loss', run.losses[epoch]) : textCell('—'),
    );
    rows.push({ cells: [heading(String(epoch + 1)), ...cells] });
  }
  return table('playground-epochs', ['epoch', ...runs.map((run) => label(request, run))], rows);
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

// What the loss is drawn against: each axis's name, the x of each epoch's
// end for a run, and whether the axis is logarithmic.
const AXES = {
  epochs: { name: 'epoch', x: (run, epoch) => epoch, log: false },
  steps: { name: 'steps (log scale)', x: (run, epoch) => epoch * run.stepsPerEpoch, log: true },
  examples: { name: 'examples seen', x: (run, epoch) => epoch * run.samples, log: false },
};

// As wide as the page's text, from 320 to 640 pixels: on a phone the chart
// is drawn narrow rather than shrunk, so that its text stays readable.
function chartWidth() {
  return Math.max(320, Math.min(640, Math.floor(results.getBoundingClientRect().width)));
}

function axis() {
  return axisForm.elements.axis.value;
}

// The loss chart of the runs shown, against the axis chosen.
function lossChart(request, runs) {
  const drawable = runs.filter((run) => run.losses.length > 0);
  if (drawable.length === 0) {
    const nothing = note('Every run diverged in its first epoch: there is no loss to draw.');
    nothing.id = 'playground-loss';
    return nothing;
  }
  const { name, x, log } = AXES[axis()];
  const floor = digits(request.data) ? loss_epsilon() : LINE_FLOOR;
  // A phone's chart has room for a short title only.
  const width = chartWidth();
  const grid = request.lrs.length > 1;
  const rate = width < 560
    ? (grid ? 'best rates' : `lr ${request.lrs[0]}`)
    : (grid ? 'each batch size at its best learning rate' : `learning rate ${request.lrs[0]}`);
  const decay = request.decay > 0 ? `, decay ${request.decay}` : '';
  const drawing = new LossChart(`${DATA[request.data].name}, ${rate}${decay}`, name, log, floor);
  let svg;
  try {
    for (const run of drawable) {
      const xs = new Float64Array(run.losses.map((_, i) => x(run, i + 1)));
      drawing.add(label(request, run), xs, new Float64Array(run.losses));
    }
    svg = drawing.draw(width);
  } finally {
    drawing.free();
  }
  const sizes = list(drawable.map(batchText));
  const figure = document.createElement('div');
  figure.id = 'playground-loss';
  figure.append(
    chart(
      svg,
      `The training loss against ${name} for batch sizes ${sizes}; ` +
        'the numbers are in the tables below.',
    ),
  );
  if (drawable.some((run) => run.losses.some((loss) => loss < floor))) {
    figure.append(
      note(
        `Losses below ${floor} are drawn at ${floor}, the bottom of the chart: ` +
          'that is 0 to the precision of the arithmetic.',
      ),
    );
  }
  return figure;
}

// Draws the chart again against another axis, without training again.
function redraw() {
  if (!shown) {
    return;
  }
  const [request, runs] = shown;
  const old = document.getElementById('playground-loss');
  const image = old.querySelector('img');
  if (image) {
    URL.revokeObjectURL(image.src);
    urls = urls.filter((url) => url !== image.src);
  }
  old.replaceWith(lossChart(request, runs));
}

// Draws the runs: with several learning rates the grid of them first, then
// the runs shown (each batch size's best), as a loss chart, tables and, for
// the digits, the learned weights as pictures.
async function show(request, runs) {
  for (const url of urls) {
    URL.revokeObjectURL(url);
  }
  urls = [];
  results.hidden = false; // before the chart is drawn as wide as it
  const grid = request.lrs.length > 1;
  const best = bestRuns(request, runs);
  const picked = grid ? best.filter((run) => run !== null) : runs;
  const parts = [];
  if (grid) {
    parts.push(gridTable(request, runs, best));
  }
  shown = [request, picked];
  parts.push(lossChart(request, picked), summaryTable(request, picked));
  const rounded = picked.find((run) => !run.diverged && roundedAway(request, run.losses[run.losses.length - 1]));
  if (rounded) {
    const loss = rounded.losses[rounded.losses.length - 1];
    parts.push(
      note(
        `* The loss computed is ${loss}. The loss adds ε = ${loss_epsilon()} inside its ` +
          'logarithms, so that a probability of exactly 0 or 1 never makes it infinite; ' +
          'below ε the loss says only that every probability has rounded to its target: ' +
          'the loss is 0 to the precision of f64.',
      ),
    );
  }
  const trained = picked.filter((run) => !run.diverged);
  if (digits(request.data) && trained.length > 0) {
    const shape = shapes[request.data];
    const weightsSvg = weights_chart(
      'The learned weights (red +, blue −)',
      trained.map((run) => `batch size ${batchText(run)}`),
      concat(trained.map((run) => run.weights)),
      shape.rows,
      shape.cols,
    );
    const [negative, positive] = DATA[request.data].classes;
    parts.push(
      chart(
        weightsSvg,
        `The weights each run learned, as ${shape.rows}×${shape.cols} pictures: ` +
          `red where ink pushes towards a ${positive}, blue towards a ${negative}.`,
      ),
    );
  }
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = 'The training loss after each epoch';
  details.append(summary, epochTable(request, picked));
  parts.push(details);
  drawn.replaceChildren(...parts);
  await Promise.all([...results.querySelectorAll('img')].map((img) => img.decode()));
}

function busy(training) {
  button.disabled = training;
  stop.hidden = !training;
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
  pending = { ...request, id: lastId, started: performance.now(), runs: [] };
  busy(true);
  say(`Training… run 1 of ${request.jobs.length}`, 'training');
  worker.postMessage({ train: { ...request, id: lastId } });
});

form.elements.data.forEach((radio) => radio.addEventListener('change', applyDefaults));
document.getElementById('playground-defaults').addEventListener('click', () => {
  form.elements.shuffle.checked = true;
  form.elements.seed.value = '42';
  applyDefaults();
  say('', 'idle');
});
axisForm.addEventListener('change', redraw);

// Stops a long training: the worker is ended and a fresh one started; the
// runs that had finished are shown.
stop.addEventListener('click', async () => {
  if (!pending) {
    return;
  }
  const request = pending;
  pending = null;
  worker.terminate();
  startWorker();
  busy(false);
  const done = request.runs.length;
  say(`Stopped after ${done} of ${request.jobs.length} runs.`, 'stopped');
  if (done > 0) {
    await show(request, request.runs);
  }
});

function finished(request) {
  const runs = request.runs.length;
  const diverged = request.runs.filter((run) => run.diverged).length;
  const ms = Math.round(performance.now() - request.started);
  status.dataset.ms = String(ms);
  const which = diverged === 0 ? '' : ` (${diverged} diverged: the tables say when)`;
  say(
    `Trained ${runs} run${runs === 1 ? '' : 's'} of ${request.epochs} ` +
      `epoch${request.epochs === 1 ? '' : 's'}${which} and drew them in ${ms} ms.`,
    'done',
  );
}

async function received({ data: message }) {
  if (message.ready) {
    shapes = message.ready;
    if (form.hidden) {
      applyDefaults();
      needs.hidden = true;
      form.hidden = false;
      say('', 'idle');
    }
    return;
  }
  const request = pending;
  if (message.failed && message.failed.id === null) {
    needs.textContent = `The playground could not start: ${message.failed.message}`;
    needs.hidden = false;
    return;
  }
  const id = (message.epoch ?? message.run ?? message.failed ?? message.done).id;
  if (!request || id !== request.id) {
    return;
  }
  if (message.epoch) {
    const run = request.runs.length + 1;
    say(
      `Training… run ${run} of ${request.jobs.length}, epoch ${message.epoch.epoch} of ${request.epochs}`,
      'training',
    );
    return;
  }
  if (message.run) {
    request.runs.push(message.run.result);
    const next = Math.min(request.runs.length + 1, request.jobs.length);
    say(`Training… run ${next} of ${request.jobs.length}`, 'training');
    return;
  }
  pending = null;
  busy(false);
  if (message.failed) {
    results.hidden = true;
    say(`Training stopped: ${message.failed.message}`, 'failed');
    return;
  }
  try {
    await show(request, request.runs);
  } catch (error) {
    say(`Drawing failed: ${error instanceof Error ? error.message : error}`, 'failed');
    return;
  }
  finished(request);
}

let module = null;

function startWorker() {
  worker = new Worker(here('worker.js'), { type: 'module' });
  worker.onmessage = received;
  worker.onerror = (event) => {
    needs.textContent = `The playground's worker failed: ${event.message}`;
    needs.hidden = false;
  };
  const sets = Object.fromEntries(
    Object.entries(DATA)
      .filter(([, set]) => set.classes)
      .map(([key, set]) => [
        key,
        {
          classes: set.classes,
          images: here(`data/${set.classes.join('-')}/train-images-idx3-ubyte.gz`).href,
          labels: here(`data/${set.classes.join('-')}/train-labels-idx1-ubyte.gz`).href,
        },
      ]),
  );
  worker.postMessage({ start: { module, sets } });
}

async function start() {
  const response = await fetch(here('pkg/playground_bg.wasm'));
  if (!response.ok) {
    throw new Error(`pkg/playground_bg.wasm: ${response.status} ${response.statusText}`);
  }
  module = await WebAssembly.compile(await response.arrayBuffer());
  await init({ module_or_path: module });
  startWorker();
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
