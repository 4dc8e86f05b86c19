// The playground's trainer, a Web Worker, so that the page stays responsive
// while the crate's `gradient_descent` (compiled to WebAssembly) runs.
//
// Messages in:  {start: {module, sets}}: the compiled module and, for each
//               digit data set, its classes and the URLs of its images;
//               then {train: request} (see main.js for its fields).
// Messages out: {ready: {SET: {rows, cols}, ...}}; for a request, now and
//               then {epoch: {id, epoch}} (how far the current run is), one
//               {run: {id, result}} per finished run, then {done: {id}}, or
//               {failed: {id, message}} if a run could not train at all
//               (a diverged run is a result, not a failure).

import init, { Choice, Digits, train_line } from './pkg/playground.js';

const digits = {};

// The bytes behind `url`, gunzipped in the browser. A server that already
// decompressed them (Content-Encoding: gzip) sends them without gzip's magic
// number, and they are used as they are.
async function gunzip(url) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`${url}: ${response.status} ${response.statusText}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    return bytes;
  }
  const stream = new Blob([bytes])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function start({ module, sets }) {
  await init({ module_or_path: module });
  const shapes = {};
  for (const [name, { classes, images, labels }] of Object.entries(sets)) {
    const [imageBytes, labelBytes] = await Promise.all([gunzip(images), gunzip(labels)]);
    const set = new Digits(imageBytes, labelBytes, classes[0], classes[1]);
    digits[name] = set;
    shapes[name] = { rows: set.rows, cols: set.cols };
  }
  return shapes;
}

// How often, at most, the page hears how far a run is (ms).
const PROGRESS_EVERY = 200;

// One run from zero weights: a batch size (null: the full batch) and a
// learning rate, with the request's other settings; `progress(epoch)` is
// called as epochs end, at most every PROGRESS_EVERY ms.
function train({ data, decay, epochs, shuffle, seed }, { batch, lr }, progress) {
  // Sealed, so that a misspelt setting throws instead of being ignored.
  const choice = Object.assign(Object.seal(new Choice()), {
    batch_size: batch ?? undefined, lr, decay, epochs, shuffled: shuffle, seed: BigInt(seed),
  });
  let last = performance.now();
  choice.report_to((epoch) => {
    const now = performance.now();
    if (now - last >= PROGRESS_EVERY) {
      last = now;
      progress(epoch);
    }
  });
  let run;
  try {
    run = data === 'line' ? train_line(choice) : digits[data].train(choice);
  } catch (error) {
    const which = batch === null ? 'the full batch' : `batch size ${batch}`;
    throw new Error(`${which}: ${error instanceof Error ? error.message : error}`);
  } finally {
    choice.free();
  }
  const result = {
    batch,
    lr,
    batchSize: run.batch_size,
    full: batch === null,
    samples: run.samples,
    stepsPerEpoch: run.steps_per_epoch,
    losses: run.losses,
    diverged: run.diverged ?? null,
    weights: run.weights ?? null,
    bias: run.bias ?? null,
    heldOutLoss: run.held_out_loss ?? null,
    accuracy: run.held_out_accuracy ?? null,
  };
  run.free();
  return result;
}

// Settles when the module and the images are loaded: a request that comes
// in before then waits for it.
let started = null;

self.onmessage = async ({ data: message }) => {
  if (message.start) {
    started = start(message.start);
    try {
      self.postMessage({ ready: await started });
    } catch (error) {
      self.postMessage({ failed: { id: null, message: String(error) } });
    }
  } else if (message.train) {
    const { id } = message.train;
    try {
      await started;
      for (const job of message.train.jobs) {
        const progress = (epoch) => self.postMessage({ epoch: { id, epoch } });
        self.postMessage({ run: { id, result: train(message.train, job, progress) } });
      }
      self.postMessage({ done: { id } });
    } catch (error) {
      // The crate's errors arrive as JavaScript errors with its message.
      const text = error instanceof Error ? error.message : String(error);
      self.postMessage({ failed: { id, message: text } });
    }
  }
};
