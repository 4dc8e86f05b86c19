// The playground's trainer, a Web Worker, so that the page stays responsive
// while the crate's `gradient_descent` (compiled to WebAssembly) runs.
//
// Messages in:  {start: {module, images, labels}}: the compiled module and
//               the URLs of the demo images; then {train: request} (see
//               main.js for its fields).
// Messages out: {ready: {rows, cols}}, {done: {id, runs}} or {failed: {id,
//               message}}.

import init, { Digits, train_line } from './pkg/playground.js';

let digits = null;

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

async function start({ module, images, labels }) {
  await init({ module_or_path: module });
  const [imageBytes, labelBytes] = await Promise.all([
    gunzip(images),
    gunzip(labels),
  ]);
  digits = new Digits(imageBytes, labelBytes);
  return { rows: digits.rows, cols: digits.cols };
}

// One run per batch size (null: the full batch), each from zero weights.
function train({ data, batches, lr, epochs, shuffle, seed }) {
  return batches.map((batch) => {
    const size = batch ?? undefined;
    let run;
    try {
      run =
        data === 'digits'
          ? digits.train(size, lr, epochs, shuffle, BigInt(seed))
          : train_line(size, lr, epochs, shuffle, BigInt(seed));
    } catch (error) {
      const which = batch === null ? 'the full batch' : `batch size ${batch}`;
      throw new Error(`${which}: ${error instanceof Error ? error.message : error}`);
    }
    const result = {
      batchSize: run.batch_size,
      samples: run.samples,
      full: batch === null,
      losses: run.losses,
      weights: run.weights,
      bias: run.bias,
      accuracy: run.test_accuracy,
    };
    run.free();
    return result;
  });
}

self.onmessage = async ({ data: message }) => {
  if (message.start) {
    try {
      self.postMessage({ ready: await start(message.start) });
    } catch (error) {
      self.postMessage({ failed: { id: null, message: String(error) } });
    }
  } else if (message.train) {
    const { id } = message.train;
    try {
      self.postMessage({ done: { id, runs: train(message.train) } });
    } catch (error) {
      // The crate's errors arrive as JavaScript errors with its message.
      const text = error instanceof Error ? error.message : String(error);
      self.postMessage({ failed: { id, message: text } });
    }
  }
};
