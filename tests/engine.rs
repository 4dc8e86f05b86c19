//! The engine computes what the book's `gradient_descent` computes, whatever
//! the path it takes (a batch of one, mini-batches, a full batch) and the
//! learning-rate schedule:
//!
//! - on `f64` matrices, the same parameters and losses to within 1e-12;
//! - on images kept as [`Pixels`], with the normalization folded into the
//!   model, to within [`FOLDED`] = 1e-10 (relative to each number, or to 1
//!   below 1), on the exercises' kind of problem, the book's MNIST settings,
//!   the blog's demo, column-major bytes and random images. Where a run is
//!   chaotic (batch size 1 at learning rate 0.1 on MNIST, where inputs moved
//!   by one ulp change the loss by 1e-6 after one epoch in NumPy too), a short
//!   run is held to that tolerance and the long one to what other seeds reach.
//!
//! [`Pixels`]: neural_network::engine::pixels::Pixels

#![cfg(feature = "programs")]

use std::path::Path;

use ndarray::{Array1, Array2, ArrayRef1, ArrayRef2, array};
use neural_network::data::{BinaryTask, IdxDataSet};
use neural_network::data::{line, mnist};
use neural_network::engine::pixels::{PixelTask, Pixels};
use neural_network::engine::{self, Trainer, Tuning};
use neural_network::programs::mnist::{self as example, BATCH_SIZE, EPOCHS};
use neural_network::{
    Activation, Loss, Normalization, Schedule, Settings, Shuffle, TrainError,
    Trained, gradient_descent,
};
use proptest::prelude::*;

/// How close the engine on `f64` matrices stays to the plain loop.
const DENSE: f64 = 1e-12;
/// How close the engine on [`Pixels`] stays to the plain loop on the
/// normalized `f64` images.
const FOLDED: f64 = 1e-10;

/// The schedules every comparison runs with.
const SCHEDULES: [Schedule; 2] =
    [Schedule::Constant, Schedule::InverseTime { decay: 0.7 }];

/// Trains with both trainers and requires equal results to within 1e-12,
/// relative to the size of each number.
fn assert_engine_equals_plain(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    settings: &Settings,
) {
    assert_tuned_engine_equals_plain(x, y, (w, b), settings, Tuning::ALL);
    let plain = gradient_descent(x, y, w, b, settings, |_| {});
    let fast = Trainer::new(x, y, w, b, settings)
        .and_then(|trainer| trainer.run(|_| {}));
    match (plain, fast) {
        (Ok(plain), Ok(fast)) => assert_close(&plain, &fast, settings, DENSE),
        (plain, fast) => assert_eq!(plain, fast, "{settings:?}"),
    }
}

/// The same with the engine's speed-ups of `tuning` only.
fn assert_tuned_engine_equals_plain(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    (w, b): (&ArrayRef1<f64>, f64),
    settings: &Settings,
    tuning: Tuning,
) {
    let plain = gradient_descent(x, y, w, b, settings, |_| {});
    let mut trainer = Trainer::with_tuning(x, y, (w, b), settings, tuning)
        .expect("valid inputs");
    let losses: Result<Vec<f64>, TrainError> =
        trainer.by_ref().map(|end| end.map(|e| e.loss)).collect();
    let (w, b) = trainer.into_parameters();
    match (plain, losses) {
        (Ok(plain), Ok(loss_history)) => {
            let fast = Trained { w, b, loss_history };
            assert_close(&plain, &fast, settings, DENSE);
        }
        (plain, fast) => {
            assert_eq!(plain.err(), fast.err(), "{settings:?}, {tuning:?}")
        }
    }
}

/// The largest difference between two runs, relative to each number of the
/// plain one (or to 1 below 1).
fn largest_difference(plain: &Trained, fast: &Trained) -> f64 {
    let relative = |p: f64, q: f64| (p - q).abs() / p.abs().max(1.0);
    let losses = plain.loss_history.iter().zip(&fast.loss_history);
    let weights = plain.w.iter().zip(&fast.w);
    losses
        .chain(weights)
        .map(|(p, q)| relative(*p, *q))
        .fold(relative(plain.b, fast.b), f64::max)
}

fn assert_close(
    plain: &Trained,
    fast: &Trained,
    settings: &Settings,
    tolerance: f64,
) {
    let close = |p: f64, q: f64| (p - q).abs() <= tolerance * p.abs().max(1.0);
    assert_eq!(plain.loss_history.len(), fast.loss_history.len());
    for (epoch, (p, q)) in plain
        .loss_history
        .iter()
        .zip(&fast.loss_history)
        .enumerate()
    {
        assert!(
            close(*p, *q),
            "epoch {}: loss {p} vs {q}; {settings:?}",
            epoch + 1
        );
    }
    assert!(
        close(plain.b, fast.b),
        "bias {} vs {}; {settings:?}",
        plain.b,
        fast.b
    );
    // The folded model keeps each weight as `v[j] + shift`, so a weight is
    // exact to within rounding at the scale of the largest weight, not of
    // itself: a weight that a run leaves near 0 while the others grow huge
    // (a diverging run) is off by that scale's rounding.
    let scale = plain.w.iter().fold(1.0_f64, |m, w| m.max(w.abs()));
    for (p, q) in plain.w.iter().zip(&fast.w) {
        assert!(
            (p - q).abs() <= tolerance * scale,
            "weight {p} vs {q} (largest weight {scale}); {settings:?}"
        );
    }
}

/// Trains `pixels` with the engine, every tuning of it, and the plain loop
/// on the `f64` images they stand for; requires results within [`FOLDED`]
/// and returns the largest difference.
fn assert_pixels_equal_plain(
    pixels: &Pixels,
    y: &ArrayRef1<f64>,
    (w, b): (&ArrayRef1<f64>, f64),
    settings: &Settings,
) -> f64 {
    let x = pixels.to_f64();
    let plain = gradient_descent(&x, y, w, b, settings, |_| {});
    let mut largest: f64 = 0.0;
    for tuning in [
        Tuning::ALL,
        Tuning::NONE,
        Tuning {
            threads: false,
            ..Tuning::ALL
        },
    ] {
        let trainer = Trainer::tuned(pixels, y, (w, b), settings, tuning)
            .expect("valid inputs");
        let fast = trainer.run(|_| {});
        match (&plain, fast) {
            (Ok(plain), Ok(fast)) => {
                assert_close(plain, &fast, settings, FOLDED);
                largest = largest.max(largest_difference(plain, &fast));
            }
            (plain, fast) => {
                assert_eq!(
                    plain.as_ref().err(),
                    fast.err().as_ref(),
                    "{settings:?}, {tuning:?}"
                )
            }
        }
    }
    let fast = Trainer::for_pixels(pixels, y, (w, b), settings)
        .and_then(|trainer| trainer.run(|_| {}));
    assert_eq!(fast.is_ok(), plain.is_ok());
    largest
}

#[test]
fn on_the_exercises() {
    let (line_x, line_y) = line::points();
    let points_x = array![[0.5], [1.5], [1.0], [2.0], [3.0], [2.5]];
    let points_y = array![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    for (shuffle, schedule) in
        [Shuffle::Off, Shuffle::Seeded(42), Shuffle::Seeded(7)]
            .into_iter()
            .flat_map(|s| SCHEDULES.map(|c| (s, c)))
    {
        // Exercises 1, 2 and 4: y = 2x, batch sizes 2 and 4, 5 epochs.
        for batch_size in [1, 2, 4, 8] {
            let settings = Settings::new(0.01, 5, batch_size, Loss::Mse)
                .shuffle(shuffle)
                .schedule(schedule);
            assert_engine_equals_plain(
                &line_x,
                &line_y,
                &array![0.0],
                0.0,
                &settings,
            );
        }
        // Exercise 3: logistic regression, batch size 2, 10 epochs.
        let settings = Settings::new(0.01, 10, 2, Loss::BinaryCrossEntropy)
            .activation(Activation::Sigmoid)
            .shuffle(shuffle)
            .schedule(schedule);
        assert_engine_equals_plain(
            &points_x,
            &points_y,
            &array![0.0],
            0.0,
            &settings,
        );
    }
}

fn bundled() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"))
}

#[test]
fn on_the_books_mnist_settings() {
    let task: BinaryTask =
        BinaryTask::load(bundled(), (0, 1), None).expect("bundled data");
    let (x, y) = (&task.train.x, &task.train.y);
    let w = Array1::zeros(x.ncols());
    // The main program's run and the batch sizes of the MNIST page, for
    // two epochs each (the charts run ten).
    for batch_size in [1, 8, 32, 128, x.nrows()] {
        let settings = example::settings(batch_size, 2);
        assert_engine_equals_plain(x, y, &w, 0.0, &settings);
    }
    // The first step of the speed page's ladder: no speed-up at all.
    for batch_size in [1, x.nrows()] {
        let settings = example::settings(batch_size, 2);
        assert_tuned_engine_equals_plain(
            x,
            y,
            (&w, 0.0),
            &settings,
            Tuning::NONE,
        );
    }
    let decaying = Schedule::InverseTime { decay: 0.5 };
    for settings in [
        example::settings(32, 2).shuffle(Shuffle::Off),
        example::settings(32, 2).schedule(decaying),
        example::settings(x.nrows(), 3).schedule(decaying),
    ] {
        assert_engine_equals_plain(x, y, &w, 0.0, &settings);
    }
}

/// The engine on bytes at the benchmarks' batch sizes but 1, shuffled and
/// not, with both schedules: within [`FOLDED`] of the plain loop. It prints
/// the largest difference it found.
#[test]
fn pixels_on_the_books_mnist_settings() {
    let task = PixelTask::load(bundled(), (0, 1), None).expect("bundled data");
    let (pixels, y) = (&task.train.x, &task.train.y);
    let w = Array1::zeros(pixels.ncols());
    let mut largest: f64 = 0.0;
    for batch_size in [8, 32, 128, 1024, pixels.nrows()] {
        for shuffle in [Shuffle::Seeded(42), Shuffle::Off] {
            for schedule in SCHEDULES {
                let settings = example::settings(batch_size, 2)
                    .shuffle(shuffle)
                    .schedule(schedule);
                let difference =
                    assert_pixels_equal_plain(pixels, y, (&w, 0.0), &settings);
                largest = largest.max(difference);
            }
        }
    }
    eprintln!(
        "largest relative difference on MNIST, batch sizes 8 to full: {largest:e}"
    );
}

/// Batch size 1 at learning rate 0.1 is chaotic on MNIST: the plain loop
/// itself, given inputs that differ by one ulp, ends an epoch 1e-6 away.
/// So a short run (the first 500 images, one epoch) is held to [`FOLDED`],
/// and a long one (every image, three epochs) to the losses the plain loop
/// reaches with other seeds.
#[test]
fn pixels_at_batch_size_1() {
    let task = PixelTask::load(bundled(), (0, 1), Some(500)).expect("data");
    let (pixels, y) = (&task.train.x, &task.train.y);
    let w = Array1::zeros(pixels.ncols());
    for schedule in SCHEDULES {
        let settings = example::settings(1, 1).schedule(schedule);
        let largest =
            assert_pixels_equal_plain(pixels, y, (&w, 0.0), &settings);
        eprintln!(
            "batch size 1, 500 images, {schedule}: largest relative difference {largest:e}"
        );
    }

    let task = PixelTask::load(bundled(), (0, 1), None).expect("data");
    let (pixels, y) = (&task.train.x, &task.train.y);
    let x = pixels.to_f64();
    let w = Array1::zeros(pixels.ncols());
    let settings = example::settings(1, 3);
    let seeds: Vec<f64> = (0..3)
        .map(|seed| {
            let settings = settings.shuffle(Shuffle::Seeded(seed));
            let plain = gradient_descent(&x, y, &w, 0.0, &settings, |_| {});
            *plain.expect("a finite loss").loss_history.last().unwrap()
        })
        .collect();
    let low = seeds.iter().copied().fold(f64::INFINITY, f64::min);
    let high = seeds.iter().copied().fold(0.0, f64::max);
    let fast = Trainer::for_pixels(pixels, y, (&w, 0.0), &settings)
        .and_then(|trainer| trainer.run(|_| {}));
    let last = *fast.expect("a finite loss").loss_history.last().unwrap();
    eprintln!(
        "batch size 1, 3 epochs: the engine's loss {last}, the plain loop's {low}..{high}"
    );
    assert!(
        last > low / 2.0 && last < 2.0 * high,
        "after 3 epochs the engine's loss is {last}, the plain loop's with \
         seeds 0 to 2 lie in {low}..{high}"
    );
}

#[test]
fn on_the_blogs_demo() {
    let images = IdxDataSet::load(bundled()).expect("bundled data").train;
    let BinaryTask {
        train,
        test,
        normalization,
    }: BinaryTask = mnist::blog_demo(&images, (0, 1), 42).expect("demo");
    let settings = example::settings(BATCH_SIZE, EPOCHS);
    let w = Array1::zeros(train.x.ncols());
    assert_engine_equals_plain(&train.x, &train.y, &w, 0.0, &settings);

    // The engine's task holds the same images and statistics, and trains
    // to the same numbers.
    let task: PixelTask = mnist::blog_demo(&images, (0, 1), 42).expect("demo");
    assert_eq!(task.normalization, normalization);
    assert_eq!(task.train.x.to_f64(), train.x);
    assert_eq!(task.train.y, train.y);
    assert_eq!(task.test, test);
    let (x, y) = (&task.train.x, &task.train.y);
    let largest = assert_pixels_equal_plain(x, y, (&w, 0.0), &settings);
    eprintln!("the blog's demo: largest relative difference {largest:e}");
}

/// The engine's three paths (a batch of one, mini-batches, a full batch)
/// agree with the plain loop on problems of every shape.
fn random_problem(
    rows: usize,
    features: usize,
    values: &[f64],
) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
    let value = |k: usize| values[k % values.len()];
    let x = Array2::from_shape_fn((rows, features), |(i, j)| {
        value(i * features + j)
    });
    let y = Array1::from_shape_fn(rows, |i| f64::from(value(7 * i + 3) > 0.0));
    let w = Array1::from_shape_fn(features, |j| value(j + 11) / 10.0);
    (x, y, w)
}

/// The settings of a random problem: batches of `batch_size`, shuffled
/// with `seed` or not, logistic or linear (at the learning rate `mse_lr`),
/// with a constant learning rate or one that decays.
fn random_settings(
    batch_size: usize,
    (shuffled, seed): (bool, u64),
    logistic: bool,
    decay: Option<f64>,
    mse_lr: f64,
) -> Settings {
    let shuffle = if shuffled {
        Shuffle::Seeded(seed)
    } else {
        Shuffle::Off
    };
    let schedule = decay
        .map_or(Schedule::Constant, |decay| Schedule::InverseTime { decay });
    let settings = if logistic {
        Settings::new(0.3, 3, batch_size, Loss::BinaryCrossEntropy)
            .activation(Activation::Sigmoid)
    } else {
        Settings::new(mse_lr, 3, batch_size, Loss::Mse)
    };
    settings.shuffle(shuffle).schedule(schedule)
}

/// The same matrix stored column by column, whose rows are not contiguous.
fn in_column_major<T: Clone>(x: &Array2<T>) -> Array2<T> {
    x.t().as_standard_layout().reversed_axes().to_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn on_random_problems(
        rows in 1usize..60,
        features in 1usize..20,
        values in prop::collection::vec(-3.0f64..3.0, 1..50),
        batch_extra in 0usize..70,
        seed in any::<u64>(),
        shuffled in any::<bool>(),
        logistic in any::<bool>(),
        column_major in any::<bool>(),
        decay in prop::option::of(0.0f64..3.0),
        tuning in any::<(bool, bool, bool)>(),
    ) {
        let (x, y, w) = random_problem(rows, features, &values);
        // Sometimes a column-major matrix, whose rows are not contiguous.
        let x = if column_major { in_column_major(&x) } else { x };
        let batch_size = 1 + batch_extra % (rows + 5);
        let settings = random_settings(batch_size, (shuffled, seed), logistic, decay, 0.01);
        assert_engine_equals_plain(&x, &y, &w, 0.1, &settings);
        let (prefetch, wide, shortcuts) = tuning;
        let tuning = Tuning { prefetch, wide, shortcuts, threads: false };
        assert_tuned_engine_equals_plain(&x, &y, (&w, 0.1), &settings, tuning);
    }

    /// Random images (a third of them blank, any width), normalized with
    /// their own statistics or with a standard deviation of 0.
    #[test]
    fn pixels_on_random_images(
        rows in 1usize..60,
        width in 1usize..40,
        bytes in prop::collection::vec(any::<u8>(), 1..200),
        batch_extra in 0usize..70,
        seed in any::<u64>(),
        shuffled in any::<bool>(),
        logistic in any::<bool>(),
        column_major in any::<bool>(),
        flat in any::<bool>(),
        decay in prop::option::of(0.0f64..3.0),
    ) {
        let byte = |k: usize| { let b = bytes[k % bytes.len()]; if b % 3 == 0 { 0 } else { b } };
        let image = Array2::from_shape_fn((rows, width), |(i, j)| byte(i * width + j));
        let normalization = if flat {
            Normalization { mean: 20.0, std: 0.0 }
        } else {
            neural_network::data::images::pixel_statistics(&image)
        };
        let image = if column_major { in_column_major(&image) } else { image };
        let pixels = Pixels::new(&image, &normalization);
        let y = Array1::from_shape_fn(rows, |i| f64::from(byte(7 * i + 3) > 100));
        let w = Array1::from_shape_fn(width, |j| (f64::from(byte(j + 11)) - 128.0) / 1e4);
        let batch_size = 1 + batch_extra % (rows + 5);
        let settings = random_settings(batch_size, (shuffled, seed), logistic, decay, 1e-3);
        assert_pixels_equal_plain(&pixels, &y, (&w, 0.1), &settings);
    }
}

#[test]
fn a_trainer_runs_exactly_num_epochs_and_stops_at_divergence() {
    let (x, y) = (array![[1.0], [2.0]], array![2.0, 4.0]);
    let settings = Settings::new(0.05, 3, 1, Loss::Mse);
    let trainer = Trainer::new(&x, &y, &array![0.0], 0.0, &settings).unwrap();
    let epochs: Vec<usize> = trainer.map(|end| end.unwrap().epoch).collect();
    assert_eq!(epochs, [1, 2, 3]);

    let settings = Settings::new(1e6, 50, 1, Loss::Mse);
    let trainer = Trainer::new(&x, &y, &array![0.0], 0.0, &settings).unwrap();
    let ends: Vec<_> = trainer.collect();
    let last = ends.last().expect("at least one epoch");
    assert!(
        matches!(last, Err(TrainError::Diverged { epoch, .. }) if *epoch == ends.len()),
        "{last:?}"
    );
    assert!(ends.len() < 50, "the run ends at the divergence");

    // On pixels too.
    let bytes = array![[10u8, 0, 200], [0, 90, 3]];
    let pixels = Pixels::new(
        &bytes,
        &Normalization {
            mean: 50.0,
            std: 70.0,
        },
    );
    let trainer = Trainer::for_pixels(
        &pixels,
        &y,
        (&array![0.0, 0.0, 0.0], 0.0),
        &settings,
    )
    .unwrap();
    let ends: Vec<_> = trainer.collect();
    assert!(
        matches!(ends.last(), Some(Err(TrainError::Diverged { .. }))),
        "{ends:?}"
    );
}

/// The engine's task holds exactly the images and statistics of the
/// library's: it is made by the same steps.
#[test]
fn the_engines_task_is_the_librarys() {
    let f64_task: BinaryTask =
        BinaryTask::load(bundled(), (0, 1), None).expect("data");
    let task = PixelTask::load(bundled(), (0, 1), None).expect("data");
    assert_eq!(task.normalization, f64_task.normalization);
    assert_eq!(task.train.x.to_f64(), f64_task.train.x);
    assert_eq!(task.train.y, f64_task.train.y);
    assert_eq!(task.test, f64_task.test);
}

/// The engine's predictions on pixels are the library's on the same images
/// in `f64` to within [`FOLDED`]; on rows of `f64`, bit for bit.
#[test]
fn predictions_are_the_librarys() {
    use neural_network::engine::rows::RowMajor;
    use neural_network::predict;
    let task = PixelTask::load(bundled(), (0, 1), Some(300)).expect("data");
    let x = task.train.x.to_f64();
    let w =
        Array1::from_shape_fn(x.ncols(), |j| (j as f64 * 0.37).sin() / 10.0);
    for activation in [Activation::Identity, Activation::Sigmoid] {
        let library = predict(&x, &w, 0.25, activation).unwrap();
        let engine =
            engine::predict(&task.train.x, &w, 0.25, activation).unwrap();
        for (p, q) in library.iter().zip(&engine) {
            assert!((p - q).abs() <= FOLDED * p.abs().max(1.0), "{p} vs {q}");
        }
        let x_columns = x.t().as_standard_layout().reversed_axes().to_owned();
        let rows = RowMajor::new(&x_columns);
        assert_eq!(
            engine::predict(&rows, &w, 0.25, activation).unwrap(),
            library
        );
    }
    assert!(
        engine::predict(&task.train.x, &array![1.0], 0.0, Activation::Sigmoid)
            .is_err()
    );
}

/// Images kept as bytes with a table (a step of the speed page's ladder)
/// train to exactly the numbers of the same images in `f64`.
#[test]
fn tabled_bytes_and_f64_give_the_same_results_bit_for_bit() {
    use neural_network::engine::rows::TabledBytes;
    let task: BinaryTask =
        BinaryTask::load(bundled(), (0, 1), Some(2000)).expect("data");
    let pixels = PixelTask::load(bundled(), (0, 1), Some(2000)).expect("data");
    let tabled =
        TabledBytes::new(&pixels.train.x.bytes(), &pixels.normalization);
    assert_eq!(tabled.to_f64(), task.train.x);
    let (x, y) = (&task.train.x, &task.train.y);
    let w = Array1::zeros(x.ncols());
    let bits = |t: &Trained| {
        let w: Vec<u64> = t.w.iter().map(|v| v.to_bits()).collect();
        let l: Vec<u64> = t.loss_history.iter().map(|v| v.to_bits()).collect();
        (w, t.b.to_bits(), l)
    };
    for batch_size in [1, 32, x.nrows()] {
        for shuffle in [Shuffle::Seeded(42), Shuffle::Off] {
            let settings = example::settings(batch_size, 2).shuffle(shuffle);
            let from_f64 = Trainer::new(x, y, &w, 0.0, &settings)
                .and_then(|trainer| trainer.run(|_| {}))
                .unwrap();
            let trainer =
                Trainer::tuned(&tabled, y, (&w, 0.0), &settings, Tuning::ALL)
                    .unwrap();
            let from_bytes = trainer.run(|_| {}).unwrap();
            assert_eq!(bits(&from_f64), bits(&from_bytes), "{settings:?}");
        }
    }
}
