//! How long one epoch takes on MNIST 0 vs 1 (12,665 images × 784 pixels, `f64`), by
//! batch size, and what the blog's way of shuffling costs.
//!
//! `cargo bench` builds and runs both groups in about two minutes from a clean build on two
//! cores, a minute of it measuring; `cargo bench -- epoch/` runs one group. An epoch is
//! `Trainer::epoch`: shuffle, one step per batch, then the loss on the whole data set (as
//! the blog's `gradient_descent` does at the end of every epoch). Throughput is in samples
//! (images) per second. Criterion writes its report to `target/criterion/report/`.
//!
//! - `epoch/<batch size>`: the crate's trainer, for batch sizes 1, 8, 32, 128, 1024 and
//!   the whole data set.
//! - `shuffle/<way>/<batch size>`: the blog's epoch transcribed literally
//!   (`blog::epoch`: a copy of the shuffled data set, whole-array operations), the copy
//!   alone, and the crate's trainer, on the same data.

use std::path::Path;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use ndarray::{Array1, Array2, Axis};
use neural_network::blog;
use neural_network::timing::{self, BATCH_SIZES, batch_label};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

fn data() -> (Array2<f64>, Array1<f64>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    timing::mnist_0_vs_1(&dir).expect("the bundled data set in data/ loads")
}

/// Settings for groups whose every iteration is a whole epoch (5 to 100 ms): flat
/// sampling (the same number of epochs in every sample) and ten samples.
fn epoch_sized(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
}

fn epochs_by_batch_size(c: &mut Criterion) {
    let (x, y) = data();
    let mut group = c.benchmark_group("epoch");
    epoch_sized(&mut group);
    group.throughput(Throughput::Elements(x.nrows() as u64));
    for batch_size in BATCH_SIZES {
        let mut trainer = timing::trainer(&x, &y, batch_size).expect("valid settings");
        group.bench_function(batch_label(batch_size), |b| {
            b.iter(|| trainer.epoch().expect("finite loss"));
        });
    }
    group.finish();
}

fn blog_way_against_ours(c: &mut Criterion) {
    let (x, y) = data();
    let n = x.nrows();
    let mut group = c.benchmark_group("shuffle");
    epoch_sized(&mut group);
    group.throughput(Throughput::Elements(n as u64));
    let mut rng = ChaCha8Rng::seed_from_u64(timing::LEARNING_RATE.to_bits());
    let mut order: Vec<usize> = (0..n).collect();

    group.bench_function("copy only", |b| {
        b.iter(|| {
            order.shuffle(&mut rng);
            x.select(Axis(0), &order)
        });
    });
    for batch_size in [Some(1), Some(32), None] {
        let label = batch_label(batch_size);
        let settings = timing::settings(batch_size, n);
        let (mut w, mut b) = (Array1::zeros(x.ncols()), 0.0);
        group.bench_function(BenchmarkId::new("blog", &label), |bench| {
            bench.iter(|| {
                order.shuffle(&mut rng);
                blog::epoch(&x, &y, &order, &mut w, &mut b, &settings)
            });
        });
        let mut trainer = timing::trainer(&x, &y, batch_size).expect("valid settings");
        group.bench_function(BenchmarkId::new("trainer", &label), |bench| {
            bench.iter(|| trainer.epoch().expect("finite loss"));
        });
    }
    group.finish();
}

criterion_group!(benches, epochs_by_batch_size, blog_way_against_ours);
criterion_main!(benches);
