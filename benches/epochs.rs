//! How long one epoch takes on MNIST 0 vs 1 (12,665 images × 784 pixels,
//! `f64`), by batch size: the book's plain `gradient_descent` against the
//! engine's trainer.
//!
//! `cargo bench` builds and runs every group in a few minutes on two cores;
//! `cargo bench -- engine/` runs one group. An epoch is what the blog calls
//! one: shuffle, one step per batch, then the loss on the whole data set.
//! Throughput is in samples (images) per second. Criterion writes its report
//! to `target/criterion/report/`.
//!
//! - `engine/<batch size>`: the engine's [`Trainer`] on the images as `f64`,
//!   batch sizes 1, 8, 32, 128, 1024 and the whole data set.
//! - `pixels/<batch size>`: the engine on the images kept as their raw
//!   groups of ink, the normalization folded into the model, as `--engine`
//!   and `epoch_times` train.
//! - `plain/<batch size>`: the book's `gradient_descent`, which copies the
//!   data set into its shuffled order every epoch, as the blog does.
//! - `shuffled copy`: that copy alone.
//!
//! [`Trainer`]: neural_network::engine::Trainer

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main, measurement::WallTime,
};
use ndarray::{Array1, Array2, Axis};
use neural_network::engine::{Model, Trainer};
use neural_network::train::epoch_order;
use neural_network::{DEFAULT_SEED, Shuffle, gradient_descent};

use timing::{BATCH_SIZES, batch_label};

/// The workload that `epoch_times` times, from its own files.
#[allow(dead_code)]
#[path = "../src/bin/epoch_times/timing.rs"]
mod timing;

fn data() -> (Array2<f64>, Array1<f64>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let (x, y, _) =
        timing::mnist_0_vs_1(&dir).expect("the bundled data set loads");
    (x, y)
}

/// Settings for groups whose every iteration is a whole epoch (5 to 100
/// ms): flat sampling (the same number of epochs in every sample) and ten
/// samples.
fn epoch_sized(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
}

/// Runs one epoch of `trainer`, then times all the others.
fn after_warm_up<M: Model>(mut trainer: Trainer<M>) -> Duration {
    trainer
        .next()
        .expect("a warm-up epoch")
        .expect("a finite loss");
    let start = Instant::now();
    for end in trainer {
        end.expect("a finite loss");
    }
    start.elapsed()
}

fn engine_epochs(c: &mut Criterion) {
    let (x, y) = data();
    let mut group = c.benchmark_group("engine");
    epoch_sized(&mut group);
    group.throughput(Throughput::Elements(x.nrows() as u64));
    for batch_size in BATCH_SIZES {
        group.bench_function(batch_label(batch_size), |b| {
            // A run of one warm-up epoch and `epochs` timed ones.
            b.iter_custom(|epochs| {
                let epochs = epochs as usize;
                let settings =
                    timing::settings(batch_size, x.nrows(), 1 + epochs);
                let w = Array1::zeros(x.ncols());
                let trainer = Trainer::new(&x, &y, &w, 0.0, &settings)
                    .expect("valid settings");
                after_warm_up(trainer)
            });
        });
    }
    group.finish();
}

fn pixel_epochs(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let task = timing::mnist_0_vs_1_pixels(&dir).expect("the bundled data");
    let (x, y) = (&task.train.x, &task.train.y);
    let n = y.len();
    let mut group = c.benchmark_group("pixels");
    epoch_sized(&mut group);
    group.throughput(Throughput::Elements(n as u64));
    for batch_size in BATCH_SIZES {
        group.bench_function(batch_label(batch_size), |b| {
            b.iter_custom(|epochs| {
                let settings =
                    timing::settings(batch_size, n, 1 + epochs as usize);
                let w = Array1::zeros(
                    task.train.image_shape.0 * task.train.image_shape.1,
                );
                let trainer = Trainer::for_pixels(x, y, (&w, 0.0), &settings)
                    .expect("valid settings");
                after_warm_up(trainer)
            });
        });
    }
    group.finish();
}

fn plain_epochs(c: &mut Criterion) {
    let (x, y) = data();
    let n = x.nrows();
    let mut group = c.benchmark_group("plain");
    epoch_sized(&mut group);
    group.throughput(Throughput::Elements(n as u64));
    for batch_size in [Some(1), Some(32), None] {
        group.bench_function(batch_label(batch_size), |b| {
            b.iter_custom(|epochs| {
                let settings = timing::settings(batch_size, n, epochs as usize);
                let w = Array1::zeros(x.ncols());
                let start = Instant::now();
                gradient_descent(&x, &y, &w, 0.0, &settings, |_| {})
                    .expect("finite loss");
                start.elapsed()
            });
        });
    }
    let mut rng = Shuffle::Seeded(DEFAULT_SEED).generator();
    group.bench_function("shuffled copy", |b| {
        b.iter(|| x.select(Axis(0), &epoch_order(n, &mut rng)));
    });
    group.finish();
}

criterion_group!(benches, engine_epochs, pixel_epochs, plain_epochs);
criterion_main!(benches);
