//! Timing epochs: the workload that `cargo bench` and the `epoch_times` program
//! measure, defined once so that both measure the same thing (the benchmarks
//! include this file).
//!
//! The workload is the blog's MNIST example at full size: logistic regression
//! (sigmoid, binary cross-entropy, learning rate 0.1, weights and bias starting
//! at 0) on the 12,665 training images of digits 0 and 1 bundled in `data/`,
//! normalized as the blog does. One epoch is one item of a `Trainer`:
//! shuffle, one step per mini-batch, then the loss on the whole data set, as
//! the blog's `gradient_descent` does.
//!
//! Loading reads files (`mnist_0_vs_1`); the rest is arithmetic and a clock.

use std::path::Path;
use std::time::Instant;

use ndarray::{Array1, Array2, ArrayRef2};
use neural_network::data::BinaryTask;
use neural_network::data::DataError;
use neural_network::engine::pixels::PixelTask;
use neural_network::engine::{Model, Trainer};
use neural_network::programs::mnist;
use neural_network::{Normalization, Settings, TrainError, gradient_descent};

/// The batch sizes the benchmarks and the comparison measure; `None` is a full
/// batch (one step per epoch).
pub const BATCH_SIZES: [Option<usize>; 6] =
    [Some(1), Some(8), Some(32), Some(128), Some(1024), None];

/// A batch size as the tables print it: the number, or `full`.
pub fn batch_label(batch_size: Option<usize>) -> String {
    batch_size.map_or_else(|| "full".to_string(), |m| m.to_string())
}

/// The training images of digits 0 (target 0) and 1 (target 1) in the IDX files
/// of `dir`, as `(x, y)`, normalized as [`BinaryTask::load`] does, and the
/// normalization applied.
pub fn mnist_0_vs_1(
    dir: &Path,
) -> Result<(Array2<f64>, Array1<f64>, Normalization), DataError> {
    let task: BinaryTask = BinaryTask::load(dir, (0, 1), None)?;
    Ok((task.train.x, task.train.y, task.normalization))
}

/// The same images kept as their groups of ink, as the engine trains on them.
pub fn mnist_0_vs_1_pixels(dir: &Path) -> Result<PixelTask, DataError> {
    PixelTask::load(dir, (0, 1), None)
}

/// The blog's MNIST settings with the given batch size (`None`: the whole data
/// set) and number of epochs.
pub fn settings(
    batch_size: Option<usize>,
    rows: usize,
    num_epochs: usize,
) -> Settings {
    mnist::settings(batch_size.unwrap_or(rows), num_epochs)
}

/// Runs the remaining epochs of `trainer` and returns the wall-clock seconds of
/// each.
pub fn time_epochs<M: Model>(
    trainer: &mut Trainer<M>,
) -> Result<Vec<f64>, TrainError> {
    let mut seconds = Vec::new();
    loop {
        let start = Instant::now();
        match trainer.next() {
            Some(end) => end?,
            None => return Ok(seconds),
        };
        seconds.push(start.elapsed().as_secs_f64());
    }
}

/// The seconds of each epoch of the book's `gradient_descent` on `(x, y)`
/// with `settings` from zero weights, but the first (a warm-up): the time
/// between the ends of consecutive epochs.
pub fn time_plain(
    x: &ArrayRef2<f64>,
    y: &Array1<f64>,
    settings: &Settings,
) -> Result<Vec<f64>, TrainError> {
    let mut ends = Vec::new();
    let w = Array1::zeros(x.ncols());
    gradient_descent(x, y, &w, 0.0, settings, |_| ends.push(Instant::now()))?;
    let seconds = ends.windows(2);
    Ok(seconds.map(|w| (w[1] - w[0]).as_secs_f64()).collect())
}

/// The median of some timings (the mean of the two middle ones for an even
/// count); `NaN` for none. On a shared machine the median shrugs off the odd
/// slow epoch.
pub fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

// ANCHOR: read_twice
/// Reads every element of `x` twice, as an epoch must (once to train, once
/// for the loss), and does nothing else: its time is the floor of an epoch.
/// `x` must be contiguous and row-major, as loaded data always is.
pub fn read_twice(x: &ArrayRef2<f64>) -> f64 {
    let data = x.as_slice().expect("a data set in standard layout");
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has just been found to support AVX2.
        return unsafe { read_twice_avx2(data) };
    }
    sum_of(data) + sum_of(data)
}
// ANCHOR_END: read_twice

/// [`read_twice`] compiled for AVX2, as the trainer's arithmetic is where the
/// processor has it: the floor must not be slowed by narrower instructions than
/// the epochs use.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn read_twice_avx2(data: &[f64]) -> f64 {
    sum_of(data) + sum_of(data)
}

/// The sum of `data` in eight independent lanes: a single running sum would
/// make each addition wait for the one before and measure the adder, not
/// the memory.
#[inline(always)]
fn sum_of(data: &[f64]) -> f64 {
    let mut lanes = [0.0; 8];
    let chunks = data.chunks_exact(8);
    let rest: f64 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    lanes.iter().sum::<f64>() + rest
}

/// Times [`read_twice`] `repeats` times and returns the seconds of each.
pub fn time_floor(x: &ArrayRef2<f64>, repeats: usize) -> Vec<f64> {
    (0..repeats)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(read_twice(std::hint::black_box(x)));
            start.elapsed().as_secs_f64()
        })
        .collect()
}
