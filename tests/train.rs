//! The book's `gradient_descent`: gradients checked numerically, and the
//! equivalences that must hold between batch sizes, orders and seeds.

use ndarray::{Array1, Array2, array};
use neural_network::data::line;
use neural_network::gradcheck::{loss_at, numerical_gradient};
use neural_network::{
    Activation, Loss, Schedule, Settings, Shuffle, TrainError, Trained,
    binary_cross_entropy, gradient, gradient_descent, matrix_multiply,
    mse_loss, normalize, predict, sigmoid,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A small random regression or classification problem, the same for a given
/// seed.
fn problem(
    seed: u64,
    rows: usize,
    features: usize,
    labels: bool,
) -> (Array2<f64>, Array1<f64>, Array1<f64>, f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_simple_fn((rows, features), || {
        rng.random_range(-2.0..2.0)
    });
    let y = Array1::from_shape_simple_fn(rows, || {
        let v: f64 = rng.random();
        if labels { v.round() } else { 3.0 * v - 1.0 }
    });
    let w =
        Array1::from_shape_simple_fn(features, || rng.random_range(-0.5..0.5));
    (x, y, w, rng.random_range(-0.5..0.5))
}

fn train(
    x: &Array2<f64>,
    y: &Array1<f64>,
    w: &Array1<f64>,
    b: f64,
    settings: Settings,
) -> Trained {
    gradient_descent(x, y, w, b, &settings, |_| {}).expect("valid training run")
}

/// Checks that two settings train `x` and `y` from `w` and `b` to the same
/// result, to the bit.
#[track_caller]
fn assert_same_training(
    (x, y, w, b): (&Array2<f64>, &Array1<f64>, &Array1<f64>, f64),
    [first, second]: [Settings; 2],
) {
    assert_eq!(train(x, y, w, b, first), train(x, y, w, b, second));
}

/// Trains by hand for `epochs` epochs from `w` and `b`: `epoch` makes the
/// updates of one epoch (numbered from 0) to the weights and bias it is given
/// and returns the loss after them.
fn train_by_hand(
    (w, b): (&Array1<f64>, f64),
    epochs: usize,
    mut epoch: impl FnMut(usize, &mut Array1<f64>, &mut f64) -> f64,
) -> Trained {
    let (mut w, mut b) = (w.clone(), b);
    let loss_history = (0..epochs).map(|e| epoch(e, &mut w, &mut b)).collect();
    Trained { w, b, loss_history }
}

fn assert_close(a: &Trained, b: &Trained, tolerance: f64) {
    for (p, q) in a.w.iter().zip(&b.w) {
        assert!((p - q).abs() <= tolerance, "weights differ: {p} vs {q}");
    }
    assert!(
        (a.b - b.b).abs() <= tolerance,
        "biases differ: {} vs {}",
        a.b,
        b.b
    );
    assert_eq!(a.loss_history.len(), b.loss_history.len());
    for (p, q) in a.loss_history.iter().zip(&b.loss_history) {
        assert!((p - q).abs() <= tolerance, "losses differ: {p} vs {q}");
    }
}

// ANCHOR: bce_gradient_check
#[test]
fn bce_update_is_the_exact_gradient_of_bce_with_sigmoid() {
    let (x, y, w, b) = problem(1, 40, 5, true);
    let error = predict(&x, &w, b, Activation::Sigmoid).unwrap() - &y;
    let (analytic_w, analytic_b) = gradient(&x, &error).unwrap();
    let loss = |w: &_, b| {
        loss_at(&x, &y, w, b, Loss::BinaryCrossEntropy, Activation::Sigmoid)
    };
    let (numeric_w, numeric_b) =
        numerical_gradient(loss, (&w, b), 1e-6).unwrap();
    for (a, n) in analytic_w.iter().zip(&numeric_w) {
        assert!((a - n).abs() < 1e-8, "dL/dw: analytic {a}, numerical {n}");
    }
    assert!((analytic_b - numeric_b).abs() < 1e-8);
}
// ANCHOR_END: bce_gradient_check

// ANCHOR: mse_gradient_check
#[test]
fn mse_update_is_the_gradient_of_half_the_mse() {
    let (x, y, w, b) = problem(2, 40, 5, false);
    let error = predict(&x, &w, b, Activation::Identity).unwrap() - &y;
    let (analytic_w, analytic_b) = gradient(&x, &error).unwrap();
    let loss =
        |w: &_, b| loss_at(&x, &y, w, b, Loss::Mse, Activation::Identity);
    let (numeric_w, numeric_b) =
        numerical_gradient(loss, (&w, b), 1e-6).unwrap();
    for (a, n) in analytic_w.iter().zip(&numeric_w) {
        assert!(
            (a - n / 2.0).abs() < 1e-8,
            "dL/dw: analytic {a}, half the numerical {}",
            n / 2.0
        );
        assert!(
            a.abs() > 1e-3,
            "a zero gradient would make this check vacuous"
        );
    }
    assert!((analytic_b - numeric_b / 2.0).abs() < 1e-8);
}
// ANCHOR_END: mse_gradient_check

#[test]
fn a_batch_as_large_as_the_data_is_one_full_gradient_step_per_epoch() {
    let (x, y, w0, b0) = problem(3, 30, 4, true);
    let lr = 0.3;
    let by_hand = train_by_hand((&w0, b0), 6, |_, w, b| {
        let error = predict(&x, w, *b, Activation::Sigmoid).unwrap() - &y;
        let (grad_w, grad_b) = gradient(&x, &error).unwrap();
        *w -= &(lr * &grad_w);
        *b -= lr * grad_b;
        let p = predict(&x, w, *b, Activation::Sigmoid).unwrap();
        binary_cross_entropy(&p, &y).unwrap()
    });
    for batch_size in [30, 31, 1000] {
        let settings =
            Settings::new(lr, 6, batch_size, Loss::BinaryCrossEntropy)
                .activation(Activation::Sigmoid);
        assert_close(&train(&x, &y, &w0, b0, settings), &by_hand, 1e-12);
    }
}

#[test]
fn a_decaying_schedule_shrinks_every_step_as_worked_by_hand() {
    // 30 samples in batches of 10, not shuffled: three steps per epoch, so
    // with decay 0.6 step t has rate lr / (1 + 0.6 · t/3).
    let (x, y, w0, b0) = problem(4, 30, 3, true);
    let (lr, decay) = (0.5, 0.6);
    let by_hand = train_by_hand((&w0, b0), 4, |epoch, w, b| {
        for batch in 0..3 {
            let rows = batch * 10..(batch + 1) * 10;
            let xb = x.slice(ndarray::s![rows.clone(), ..]).to_owned();
            let yb = y.slice(ndarray::s![rows]).to_owned();
            let error = predict(&xb, w, *b, Activation::Sigmoid).unwrap() - yb;
            let (grad_w, grad_b) = gradient(&xb, &error).unwrap();
            let step = (epoch * 3 + batch) as f64;
            let rate = lr / (1.0 + decay * step / 3.0);
            *w -= &(rate * &grad_w);
            *b -= rate * grad_b;
        }
        let p = predict(&x, w, *b, Activation::Sigmoid).unwrap();
        binary_cross_entropy(&p, &y).unwrap()
    });
    let settings = Settings::new(lr, 4, 10, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid)
        .shuffle(Shuffle::Off)
        .schedule(Schedule::InverseTime { decay });
    assert_close(&train(&x, &y, &w0, b0, settings), &by_hand, 1e-12);
    // A decay of 0 is the constant rate, to the bit.
    let constant = settings.schedule(Schedule::Constant);
    let zero = settings.schedule(Schedule::InverseTime { decay: 0.0 });
    assert_same_training((&x, &y, &w0, b0), [constant, zero]);
}

#[test]
fn a_negative_decay_is_refused_before_training() {
    let (x, y, w0, b0) = problem(4, 30, 3, true);
    let settings = Settings::new(0.1, 2, 10, Loss::BinaryCrossEntropy)
        .schedule(Schedule::InverseTime { decay: -0.1 });
    let result = gradient_descent(&x, &y, &w0, b0, &settings, |_| {});
    assert_eq!(result, Err(TrainError::InvalidDecay(-0.1)));
}

#[test]
fn batch_size_one_in_order_is_a_plain_per_sample_loop() {
    let (x, y, w0, b0) = problem(4, 25, 3, false);
    let lr = 0.01;
    let by_hand = train_by_hand((&w0, b0), 4, |_, w, b| {
        for (row, &target) in x.rows().into_iter().zip(&y) {
            let error = row.dot(&*w) + *b - target;
            *w -= &(lr * error * &row);
            *b -= lr * error;
        }
        mse_loss(&(x.dot(&*w) + *b), &y).unwrap()
    });
    let settings = Settings::new(lr, 4, 1, Loss::Mse).shuffle(Shuffle::Off);
    assert_close(&train(&x, &y, &w0, b0, settings), &by_hand, 1e-12);
}

// ANCHOR: last_batch
#[test]
fn the_last_batch_is_divided_by_its_own_size() {
    // Five samples in batches of two: the third batch holds one sample, and its
    // step is that sample's full error, not half of it.
    let x = array![[1.0], [2.0], [3.0], [4.0], [5.0]];
    let y = array![1.0, 1.0, 1.0, 1.0, 1.0];
    let (lr, mut w, mut b) = (0.05, 0.0, 0.0);
    for batch in [0..2, 2..4, 4..5] {
        let batch_len = batch.len() as f64;
        let errors: Vec<f64> =
            batch.clone().map(|i| x[[i, 0]] * w + b - y[i]).collect();
        let grad_w: f64 = batch
            .clone()
            .zip(&errors)
            .map(|(i, e)| x[[i, 0]] * e)
            .sum::<f64>()
            / batch_len;
        w -= lr * grad_w;
        b -= lr * errors.iter().sum::<f64>() / batch_len;
    }
    let settings = Settings::new(lr, 1, 2, Loss::Mse).shuffle(Shuffle::Off);
    let trained = train(&x, &y, &array![0.0], 0.0, settings);
    assert!((trained.w[0] - w).abs() < 1e-15 && (trained.b - b).abs() < 1e-15);
}
// ANCHOR_END: last_batch

#[test]
fn the_same_seed_gives_identical_results() {
    let (x, y, w, b) = problem(5, 50, 6, true);
    let settings = Settings::new(0.1, 5, 8, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid)
        .shuffle(Shuffle::Seeded(9));
    assert_same_training((&x, &y, &w, b), [settings; 2]);
}

#[test]
fn different_seeds_visit_the_samples_in_different_orders() {
    let (x, y, w, b) = problem(6, 50, 6, true);
    let settings = Settings::new(0.1, 3, 4, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid);
    let runs: Vec<Trained> = (0..4)
        .map(|seed| {
            train(&x, &y, &w, b, settings.shuffle(Shuffle::Seeded(seed)))
        })
        .collect();
    for (i, a) in runs.iter().enumerate() {
        for c in &runs[i + 1..] {
            assert_ne!(a.w, c.w, "two seeds gave the same weights");
        }
    }
    let unshuffled = train(&x, &y, &w, b, settings.shuffle(Shuffle::Off));
    assert!(runs.iter().all(|r| r.w != unshuffled.w));
}

#[test]
fn the_observer_sees_every_epoch_and_the_returned_history() {
    let (x, y, w, b) = problem(7, 20, 2, false);
    let settings = Settings::new(0.01, 7, 3, Loss::Mse);
    let mut seen = Vec::new();
    let trained = gradient_descent(&x, &y, &w, b, &settings, |e| {
        seen.push((e.epoch, e.num_epochs, e.loss))
    })
    .unwrap();
    let expected: Vec<_> = trained
        .loss_history
        .iter()
        .enumerate()
        .map(|(i, &l)| (i + 1, 7, l))
        .collect();
    assert_eq!(seen, expected);
}

// ANCHOR: separable
#[test]
fn logistic_regression_separates_separable_data() {
    let x = normalize(&array![[0.5], [1.5], [1.0], [2.0], [3.0], [2.5]]);
    let y = array![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let settings = Settings::new(0.5, 200, 2, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid);
    let trained = train(&x, &y, &array![0.0], 0.0, settings);
    let p = predict(&x, &trained.w, trained.b, Activation::Sigmoid).unwrap();
    assert_eq!(p.mapv(|v| if v > 0.5 { 1.0 } else { 0.0 }), y);
    assert!(trained.loss_history.windows(2).all(|w| w[1] <= w[0]));
}
// ANCHOR_END: separable

#[test]
fn epoch_lines_read_like_the_blog() {
    let e = neural_network::EpochEnd {
        epoch: 3,
        num_epochs: 5,
        loss: 0.037678699,
    };
    assert_eq!(e.to_string(), "Epoch 3/5, Loss: 0.0377");
}

#[test]
fn helpers_match_their_definitions() {
    let x = array![[1.0, 2.0], [3.0, 5.0]];
    let z = normalize(&x);
    let mean = z.mean().unwrap();
    let std = (z.mapv(|v| (v - mean).powi(2)).sum() / 4.0).sqrt();
    assert!(mean.abs() < 1e-15 && (std - 1.0).abs() < 1e-15);
    assert_eq!(
        normalize(&array![3.0, 3.0]),
        array![0.0, 0.0],
        "zero spread: only the mean is removed"
    );
    assert_eq!(
        matrix_multiply(&x, &array![[1.0], [-1.0]]).unwrap(),
        array![[-1.0], [-2.0]]
    );
    let s = sigmoid(&array![-800.0, -1.0, 0.0, 1.0, 800.0]);
    assert!(s.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
    assert!(
        (s[1] + s[3] - 1.0).abs() < 1e-15
            && (s[3] - 1.0 / (1.0 + (-1.0f64).exp())).abs() < 1e-16
    );
    assert_eq!(mse_loss(&array![1.0, 2.0], &array![1.0, 4.0]).unwrap(), 2.0);
    let bce =
        binary_cross_entropy(&array![1.0, 0.0], &array![0.0, 1.0]).unwrap();
    assert!(
        (bce + (1e-15f64).ln()).abs() < 1e-9,
        "a confident mistake costs -ln(1e-15), not infinity"
    );
}

// ANCHOR: fixed_order_settles
#[test]
fn exercise_4_in_a_fixed_order_still_settles_on_the_line() {
    // Exercise 4's data and settings without shuffling, for 500 epochs.
    let (x, y) = line::points();
    let settings = Settings::new(0.01, 500, 2, Loss::Mse).shuffle(Shuffle::Off);
    let trained = train(&x, &y, &array![0.0], 0.0, settings);
    let loss = &trained.loss_history;
    // The loss rises at epochs 5 and 6, then falls at every later epoch,
    assert!(loss[3] < loss[4] && loss[4] < loss[5]);
    assert!(loss[5..].windows(2).all(|pair| pair[1] < pair[0]));
    // toward w = 2, b = 0, where every sample's error is zero.
    assert!(loss[499] < 1e-5);
    assert!((trained.w[0] - 2.0).abs() < 1e-3 && trained.b.abs() < 1e-2);
}
// ANCHOR_END: fixed_order_settles
