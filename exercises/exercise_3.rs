//! Exercise 3: mini-batch logistic regression on synthetic two-class data, with
//! a sigmoid output and binary cross-entropy loss.
//!
//! Run it with `cargo run --bin exercise_3` (add `-- --seed 7` for other
//! batches).

use std::process::ExitCode;

use ndarray::array;
use neural_network::programs::{cli, report};
use neural_network::{
    Activation, Loss, Settings, Shuffle, gradient_descent, say,
};

fn main() -> ExitCode {
    cli::exercise(
        "Exercise 3: logistic regression on six points, batch size 2, lr 0.01, 10 epochs",
        solution,
    )
}

// ANCHOR: solution
/// Trains logistic regression on six points and prints each epoch and the
/// summary.
fn solution(seed: u64) -> anyhow::Result<()> {
    let x = array![[0.5], [1.5], [1.0], [2.0], [3.0], [2.5]];
    let y = array![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let w_init = array![0.0];
    let b_init = 0.0;
    let settings = Settings::new(0.01, 10, 2, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid)
        .shuffle(Shuffle::Seeded(seed));

    let trained =
        gradient_descent(&x, &y, &w_init, b_init, &settings, |e| say!("{e}"))?;
    say!("{}", report::summary(&w_init, b_init, &trained));
    Ok(())
}
// ANCHOR_END: solution
