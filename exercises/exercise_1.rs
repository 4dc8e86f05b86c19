//! Exercise 1: mini-batch gradient descent on synthetic linear data, `y = 2x`.
//!
//! Run it with `cargo run --bin exercise_1` (add `-- --seed 7` for other
//! batches). It ends with "Your turn": a loop for you to change, and a check
//! that says when it computes what `gradient_descent` computes.

use std::process::ExitCode;

use ndarray::{Array1, Array2, array};
use neural_network::data::line;
use neural_network::programs::your_turn::{self, Trainer};
use neural_network::programs::{cli, report};
use neural_network::{
    Loss, Settings, Shuffle, Trained, gradient_descent, mse_loss, say,
};

fn main() -> ExitCode {
    cli::exercise(
        "Exercise 1: y = 2x by linear regression, batch size 2, lr 0.01, 5 epochs",
        (1, "one step per batch"),
        solution,
        |_| your_turn_comparison(your_gradient_descent),
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

// ANCHOR: your_turn
/// Your turn: batch gradient descent, as the previous part of the series
/// wrote it: one step per epoch, on the whole data set. Make it take one
/// step per batch of `settings.batch_size` rows, in the order given.
fn your_gradient_descent(
    x: &Array2<f64>,
    y: &Array1<f64>,
    settings: &Settings,
) -> anyhow::Result<Trained> {
    let (mut w, mut b) = (Array1::zeros(x.ncols()), 0.0);
    let mut loss_history = Vec::new();
    for _epoch in 0..settings.num_epochs {
        let n = x.nrows() as f64;
        let error = x.dot(&w) + b - y;
        let grad_w = x.t().dot(&error) / n;
        let grad_b = error.sum() / n;
        w = w - settings.lr * grad_w;
        b -= settings.lr * grad_b;
        loss_history.push(mse_loss(&(x.dot(&w) + b), y)?);
    }
    Ok(Trained { w, b, loss_history })
}
// ANCHOR_END: your_turn

/// Runs `yours` (such as [`your_gradient_descent`]) and `gradient_descent`
/// on Exercise 1's task without shuffling, side by side, with the verdict.
fn your_turn_comparison(yours: Trainer) -> anyhow::Result<String> {
    let (x, y) = line::points();
    let settings = Settings::new(0.01, 5, 2, Loss::Mse).shuffle(Shuffle::Off);
    let mine = yours(&x, &y, &settings)?;
    let library =
        gradient_descent(&x, &y, &array![0.0], 0.0, &settings, |_| {})?;
    Ok(your_turn::compare(
        ("your_gradient_descent", &mine),
        ("gradient_descent", &library),
        "Make your_gradient_descent take one step per batch of \
         settings.batch_size rows, as gradient_descent does.",
    ))
}

#[cfg(test)]
#[path = "solutions/exercise_1.rs"]
mod solved;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_solution_is_gradient_descent() {
        let text = your_turn_comparison(solved::your_gradient_descent).unwrap();
        assert!(
            text.contains("Yes: your_gradient_descent computes"),
            "{text}"
        );
    }
}
