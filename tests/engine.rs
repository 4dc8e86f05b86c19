//! The engine computes what the book's `gradient_descent` computes: the same
//! parameters and losses to within 1e-12, on the exercises' settings, on the
//! book's MNIST settings and on random problems, whatever the path the engine
//! takes (a batch of one, mini-batches, a full batch).

#![cfg(feature = "programs")]

use std::path::Path;

use ndarray::{Array1, Array2, ArrayRef1, ArrayRef2, array};
use neural_network::data::read::{BinaryTask, IdxDataSet};
use neural_network::data::{line, mnist};
use neural_network::engine::{self, Trainer, Tuning};
use neural_network::programs::mnist::{self as example, BATCH_SIZE, EPOCHS};
use neural_network::{
    Activation, Loss, Settings, Shuffle, TrainError, Trained, gradient_descent,
};
use proptest::prelude::*;

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
    let fast = engine::train(x, y, w, b, settings, |_| {});
    match (plain, fast) {
        (Ok(plain), Ok(fast)) => assert_close(&plain, &fast, settings),
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
            assert_close(&plain, &fast, settings);
        }
        (plain, fast) => {
            assert_eq!(plain.err(), fast.err(), "{settings:?}, {tuning:?}")
        }
    }
}

/// Every number of a run as its bits, so that equality is bit for bit
/// (`0.0 == -0.0` as numbers, not as bits).
fn bits(
    run: &Result<Trained, TrainError>,
) -> Option<(Vec<u64>, u64, Vec<u64>)> {
    let run = run.as_ref().ok()?;
    let w = run.w.iter().map(|v| v.to_bits()).collect();
    let losses = run.loss_history.iter().map(|v| v.to_bits()).collect();
    Some((w, run.b.to_bits(), losses))
}

fn assert_close(plain: &Trained, fast: &Trained, settings: &Settings) {
    let close = |p: f64, q: f64| (p - q).abs() <= 1e-12 * p.abs().max(1.0);
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
    for (p, q) in plain.w.iter().zip(&fast.w) {
        assert!(close(*p, *q), "weight {p} vs {q}; {settings:?}");
    }
}

#[test]
fn on_the_exercises() {
    let (line_x, line_y) = line::points();
    let points_x = array![[0.5], [1.5], [1.0], [2.0], [3.0], [2.5]];
    let points_y = array![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    for shuffle in [Shuffle::Off, Shuffle::Seeded(42), Shuffle::Seeded(7)] {
        // Exercises 1, 2 and 4: y = 2x, batch sizes 2 and 4, 5 epochs.
        for batch_size in [1, 2, 4, 8] {
            let settings =
                Settings::new(0.01, 5, batch_size, Loss::Mse).shuffle(shuffle);
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
            .shuffle(shuffle);
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
    let task = BinaryTask::load(bundled(), (0, 1), None).expect("bundled data");
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
    assert_engine_equals_plain(
        x,
        y,
        &w,
        0.0,
        &example::settings(32, 2).shuffle(Shuffle::Off),
    );
}

#[test]
fn on_the_blogs_demo() {
    let images = IdxDataSet::load(bundled()).expect("bundled data").train;
    let (train, _, _) = mnist::blog_demo(&images, (0, 1), 42).expect("demo");
    let settings = example::settings(BATCH_SIZE, EPOCHS);
    let w = Array1::zeros(train.x.ncols());
    assert_engine_equals_plain(&train.x, &train.y, &w, 0.0, &settings);
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
        tuning in any::<(bool, bool, bool)>(),
    ) {
        let (x, y, w) = random_problem(rows, features, &values);
        // Sometimes a column-major matrix, whose rows are not contiguous.
        let x = if column_major { x.reversed_axes().as_standard_layout().reversed_axes().to_owned() } else { x };
        let batch_size = 1 + batch_extra % (rows + 5);
        let shuffle = if shuffled { Shuffle::Seeded(seed) } else { Shuffle::Off };
        let settings = if logistic {
            Settings::new(0.3, 3, batch_size, Loss::BinaryCrossEntropy)
                .activation(Activation::Sigmoid)
        } else {
            Settings::new(0.01, 3, batch_size, Loss::Mse)
        }
        .shuffle(shuffle);
        assert_engine_equals_plain(&x, &y, &w, 0.1, &settings);
        let (prefetch, wide, shortcuts) = tuning;
        let tuning = Tuning { prefetch, wide, shortcuts };
        assert_tuned_engine_equals_plain(&x, &y, (&w, 0.1), &settings, tuning);
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
}

/// Images kept as bytes train to exactly the numbers of the same images in
/// `f64`, bit for bit, at every batch size of the benchmarks, shuffled and
/// not.
#[test]
fn bytes_and_f64_give_the_same_results_bit_for_bit() {
    use neural_network::engine::pixels::PixelTask;
    let f64_task = BinaryTask::load(bundled(), (0, 1), None).expect("data");
    let task = PixelTask::load(bundled(), (0, 1), None).expect("data");
    assert_eq!(task.normalization, f64_task.normalization);
    assert_eq!(task.train.x.to_f64(), f64_task.train.x);
    assert_eq!(task.train.y, f64_task.train.y);
    assert_eq!(task.test, f64_task.test);

    let (x, y) = (&f64_task.train.x, &f64_task.train.y);
    let w = Array1::zeros(x.ncols());
    for batch_size in [1, 8, 32, 128, 1024, x.nrows()] {
        for shuffle in [Shuffle::Seeded(42), Shuffle::Off] {
            let settings = example::settings(batch_size, 2).shuffle(shuffle);
            let from_f64 = engine::train(x, y, &w, 0.0, &settings, |_| {});
            let from_bytes = engine::train_pixels(
                &task.train.x,
                &task.train.y,
                &w,
                0.0,
                &settings,
                |_| {},
            );
            assert_eq!(bits(&from_f64), bits(&from_bytes), "{settings:?}");
        }
    }
}

#[test]
fn the_blogs_demo_in_bytes_is_the_demo_in_f64() {
    use neural_network::engine::pixels::PixelTask;
    let images = IdxDataSet::load(bundled()).expect("bundled data").train;
    let (train, test, normalization) =
        mnist::blog_demo(&images, (0, 1), 42).expect("demo");
    let task = PixelTask::blog_demo(&images, (0, 1), 42).expect("demo");
    assert_eq!(task.normalization, normalization);
    assert_eq!(task.train.x.to_f64(), train.x);
    assert_eq!(task.train.y, train.y);
    assert_eq!(task.test, test);
}

/// The engine's predictions on bytes are the library's on the same images in
/// `f64`, bit for bit: what the main program's checks rely on.
#[test]
fn predictions_on_bytes_are_the_librarys_on_f64() {
    use neural_network::engine::pixels::PixelTask;
    use neural_network::predict;
    let task = PixelTask::load(bundled(), (0, 1), Some(300)).expect("data");
    let x = task.train.x.to_f64();
    let w =
        Array1::from_shape_fn(x.ncols(), |j| (j as f64 * 0.37).sin() / 10.0);
    for activation in [Activation::Identity, Activation::Sigmoid] {
        let library = predict(&x, &w, 0.25, activation).unwrap();
        let engine =
            engine::predict(&task.train.x, &w, 0.25, activation).unwrap();
        assert_eq!(library, engine, "{activation:?}");
    }
    assert!(
        engine::predict(&task.train.x, &array![1.0], 0.0, Activation::Sigmoid)
            .is_err()
    );
}

/// Matrices in column-major order are read as the library reads them, and
/// never make the engine panic.
#[test]
fn column_major_inputs_give_the_same_results() {
    use neural_network::engine::pixels::Pixels;
    use neural_network::engine::rows::RowMajor;
    use neural_network::{Normalization, predict};
    let bytes =
        Array2::from_shape_fn((20, 12), |(i, j)| (i * 13 + j * 7) as u8);
    let column_major =
        bytes.t().as_standard_layout().reversed_axes().to_owned();
    assert!(column_major.as_slice().is_none());
    let normalization = Normalization {
        mean: 40.0,
        std: 20.0,
    };
    let pixels = Pixels::new(column_major, &normalization);
    let x = Pixels::new(bytes, &normalization).to_f64();
    assert_eq!(pixels.to_f64(), x);
    let y = Array1::from_shape_fn(20, |i| f64::from(i % 2 == 0));
    let (w, settings) = (Array1::zeros(12), example::settings(4, 2));
    let from_pixels =
        engine::train_pixels(&pixels, &y, &w, 0.0, &settings, |_| {});
    assert_eq!(
        from_pixels,
        engine::train(&x, &y, &w, 0.0, &settings, |_| {})
    );

    let x_columns = x.t().as_standard_layout().reversed_axes().to_owned();
    let library = predict(&x, &w, 0.5, Activation::Sigmoid).unwrap();
    let rows = RowMajor::new(&x_columns);
    assert_eq!(
        engine::predict(&rows, &w, 0.5, Activation::Sigmoid).unwrap(),
        library
    );
}
