//! The trainer computes the blog's numbers: every epoch of [`Trainer`] is replayed with
//! [`blog::epoch`], the blog's algorithm transcribed literally (a copy of the shuffled data
//! set, whole-array operations), on the same order of rows, and the two must agree to
//! 1e-12 for every batch size, including the special cases the trainer treats on their own
//! (a batch of one sample, a batch that covers the whole data set).

use ndarray::{Array1, Array2};
use neural_network::{Activation, Loss, Settings, Shuffle, Trainer, blog};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// MNIST-like data: `rows` samples of `features` normalized-looking values, labels 0 or 1.
fn problem(seed: u64, rows: usize, features: usize) -> (Array2<f64>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_simple_fn((rows, features), || {
        if rng.random_bool(0.8) {
            -0.4
        } else {
            rng.random_range(-0.4..2.8)
        }
    });
    let y = Array1::from_shape_simple_fn(rows, || f64::from(u8::from(rng.random_bool(0.5))));
    (x, y)
}

/// Runs `epochs` epochs of the trainer and of the blog's epoch side by side and checks
/// the weights, the bias and the loss after each one.
fn assert_same_as_the_blog(x: &Array2<f64>, y: &Array1<f64>, settings: Settings, epochs: usize) {
    let w0 = Array1::zeros(x.ncols());
    let mut trainer = Trainer::new(x, y, &w0, 0.0, &settings).expect("valid run");
    let (mut w, mut b) = (w0.clone(), 0.0);
    for epoch in 1..=epochs {
        let ours = trainer.epoch().expect("finite loss").loss;
        let theirs = blog::epoch(x, y, trainer.order(), &mut w, &mut b, &settings);
        let what = format!("batch size {}, epoch {epoch}", settings.batch_size);
        assert!(
            (ours - theirs).abs() <= 1e-12,
            "{what}: loss {ours} vs {theirs}"
        );
        assert!((trainer.bias() - b).abs() <= 1e-12, "{what}: bias");
        for (p, q) in trainer.weights().iter().zip(&w) {
            assert!((p - q).abs() <= 1e-12, "{what}: weight {p} vs {q}");
        }
    }
}

#[test]
fn logistic_regression_equals_the_blog_for_every_batch_size() {
    let (x, y) = problem(1, 203, 40);
    for batch_size in [1, 2, 8, 32, 128, 202, 203, 1000] {
        let settings = Settings::new(0.1, 3, batch_size, Loss::BinaryCrossEntropy)
            .activation(Activation::Sigmoid)
            .shuffle(Shuffle::Seeded(batch_size as u64));
        assert_same_as_the_blog(&x, &y, settings, 3);
    }
}

#[test]
fn linear_regression_equals_the_blog_for_every_batch_size() {
    let (x, y) = problem(2, 97, 13);
    for batch_size in [1, 5, 96, 97, 200] {
        for shuffle in [Shuffle::Off, Shuffle::Seeded(3)] {
            let settings = Settings::new(0.01, 3, batch_size, Loss::Mse).shuffle(shuffle);
            assert_same_as_the_blog(&x, &y, settings, 3);
        }
    }
}
