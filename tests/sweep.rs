//! The batch-size sweep: its trainer with checkpoints against
//! `gradient_descent`, its tables, its choices, and the program.

mod common;

use ndarray::{Array1, Array2};
use neural_network::gradcheck::loss_at;
use neural_network::programs::sweep::checkpoints::train_with_checkpoints;
use neural_network::{
    Activation, Loss, Schedule, Settings, Shuffle, gradient_descent,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A logistic-regression problem that no line separates: 50 samples of 6
/// features, labels drawn from the model's own probabilities.
fn problem() -> (Array2<f64>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x: Array2<f64> =
        Array2::from_shape_simple_fn((50, 6), || rng.random_range(-2.0..2.0));
    let y = x
        .rows()
        .into_iter()
        .map(|row| {
            let p: f64 = 1.0 / (1.0 + (row[1] - row[0]).exp());
            if rng.random::<f64>() < p { 1.0 } else { 0.0 }
        })
        .collect();
    (x, y)
}

fn logistic(lr: f64, epochs: usize, batch_size: usize, seed: u64) -> Settings {
    Settings::new(lr, epochs, batch_size, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid)
        .shuffle(Shuffle::Seeded(seed))
}

// ANCHOR: equal_at_epoch_ends
#[test]
fn checkpoints_within_epochs_change_nothing_at_their_ends() {
    let (x, y) = problem();
    let n = x.nrows();
    for schedule in [Schedule::Constant, Schedule::InverseTime { decay: 0.7 }] {
        // 7 does not divide 50: every epoch ends with a batch of 1.
        for batch_size in [1, 7, 50, 64] {
            let epochs = 4;
            let settings =
                logistic(0.3, epochs, batch_size, 11).schedule(schedule);
            let w0 = Array1::zeros(x.ncols());
            let whole =
                gradient_descent(&x, &y, &w0, 0.0, &settings, |_| {}).unwrap();

            let per_epoch = n.div_ceil(batch_size);
            let mut stops: Vec<usize> =
                (1..=epochs).map(|e| e * per_epoch).collect();
            stops.extend([1, 2, per_epoch / 2 + 1, per_epoch + 3]);
            stops.retain(|&s| s <= epochs * per_epoch);
            stops.sort_unstable();
            stops.dedup();
            let mut at_ends = Vec::new();
            let mut last = (Array1::zeros(0), 0.0);
            train_with_checkpoints(&x, &y, &settings, &stops, |step, w, b| {
                if step % per_epoch == 0 {
                    let loss = Loss::BinaryCrossEntropy;
                    at_ends.push(loss_at(
                        &x,
                        &y,
                        w,
                        b,
                        loss,
                        Activation::Sigmoid,
                    )?);
                }
                last = (w.clone(), b);
                Ok::<(), neural_network::ShapeError>(())
            })
            .unwrap();

            let bits =
                |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            let case = format!("batch size {batch_size}, {schedule}");
            assert_eq!(bits(&at_ends), bits(&whole.loss_history), "{case}");
            assert_eq!(
                bits(last.0.as_slice().unwrap()),
                bits(whole.w.as_slice().unwrap()),
                "{case}"
            );
            assert_eq!(last.1.to_bits(), whole.b.to_bits(), "{case}");
        }
    }
}
// ANCHOR_END: equal_at_epoch_ends
