//! Exercise 1: mini-batch gradient descent on synthetic linear data, `y = 2x`.
//!
//! Run it with `cargo run --bin exercise_1` (add `-- --seed 7` for other
//! batches).

use std::process::ExitCode;

use ndarray::array;
use neural_network::data::line;
use neural_network::programs::{cli, report};
use neural_network::{Loss, Settings, Shuffle, gradient_descent, say};

fn main() -> ExitCode {
    cli::exercise(
        "Exercise 1: y = 2x by linear regression, batch size 2, lr 0.01, 5 epochs",
        solution,
    )
}

// ANCHOR: solution
/// Trains `y = 2x` with batch size 2 and prints each epoch and the summary.
fn solution(seed: u64) -> anyhow::Result<()> {
    let (x, y) = line::points();
    let w_init = array![0.0];
    let b_init = 0.0;
    let settings =
        Settings::new(0.01, 5, 2, Loss::Mse).shuffle(Shuffle::Seeded(seed));

    let trained =
        gradient_descent(&x, &y, &w_init, b_init, &settings, |e| say!("{e}"))?;
    say!("{}", report::summary(&w_init, b_init, &trained));
    Ok(())
}
// ANCHOR_END: solution
