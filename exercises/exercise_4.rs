//! Exercise 4: the effect of shuffling. The data and settings of Exercise 1,
//! trained once with a fresh permutation every epoch and once in the given
//! order, then compared.
//!
//! The library turns the shuffle off with one setting, `Shuffle::Off`. The
//! blog copies its training function and takes the shuffle out, and so does
//! "Your turn" at the end: a copy of `gradient_descent` for you to change,
//! and a check that says when it computes what `Shuffle::Off` computes.
//!
//! Run it with `cargo run --bin exercise_4` (add `-- --seed 7` for other
//! batches).

use std::process::ExitCode;

use ndarray::{Array1, Array2, Axis, array, s};
use neural_network::data::line;
use neural_network::programs::your_turn::{self, Trainer};
use neural_network::programs::{cli, report};
use neural_network::{
    Loss, Settings, Shuffle, Trained, gradient_descent, mse_loss, say,
};

fn main() -> ExitCode {
    cli::exercise(
        "Exercise 4: y = 2x shuffled and not shuffled, batch size 2, lr 0.01, 5 epochs",
        (4, "take the shuffle out"),
        solution,
        |seed| your_turn_comparison(gradient_descent_no_shuffle, seed),
    )
}

// ANCHOR: solution
/// Trains `y = 2x` shuffled and in order and compares the two loss histories.
fn solution(seed: u64) -> anyhow::Result<()> {
    let (x, y) = line::points();
    let w_init = array![0.0];
    let b_init = 0.0;

    let mut histories = Vec::new();
    for (title, shuffle) in [
        (format!("Shuffled (seed {seed}):"), Shuffle::Seeded(seed)),
        ("Not shuffled:".to_string(), Shuffle::Off),
    ] {
        say!("{title}");
        let settings = Settings::new(0.01, 5, 2, Loss::Mse).shuffle(shuffle);
        let trained =
            gradient_descent(&x, &y, &w_init, b_init, &settings, |e| {
                say!("{e}")
            })?;
        say!("{}\n", report::summary(&w_init, b_init, &trained));
        histories.push(trained.loss_history);
    }
    say!("Loss per epoch:");
    say!(
        "{}",
        report::loss_table(&[
            ("shuffled", &histories[0]),
            ("not shuffled", &histories[1])
        ])
    );
    Ok(())
}
// ANCHOR_END: solution

// ANCHOR: your_turn
/// Your turn: a copy of `gradient_descent`, shortened to linear regression.
/// Take the shuffle out, so that every epoch walks the rows in order.
fn gradient_descent_no_shuffle(
    x: &Array2<f64>,
    y: &Array1<f64>,
    settings: &Settings,
) -> anyhow::Result<Trained> {
    let (lr, batch_size, n) = (settings.lr, settings.batch_size, x.nrows());
    let mut rng = settings.shuffle.generator();
    let (mut w, mut b) = (Array1::zeros(x.ncols()), 0.0);
    let mut loss_history = Vec::new();
    for _epoch in 0..settings.num_epochs {
        let indices = neural_network::train::epoch_order(n, &mut rng);
        let x_shuffled = x.select(Axis(0), &indices);
        let y_shuffled = y.select(Axis(0), &indices);
        for start in (0..n).step_by(batch_size) {
            let end = (start + batch_size).min(n);
            let x_batch = x_shuffled.slice(s![start..end, ..]);
            let y_batch = y_shuffled.slice(s![start..end]);
            let batch_len = (end - start) as f64;
            let error = x_batch.dot(&w) + b - y_batch;
            let grad_w = x_batch.t().dot(&error) / batch_len;
            let grad_b = error.sum() / batch_len;
            w = w - lr * grad_w;
            b -= lr * grad_b;
        }
        loss_history.push(mse_loss(&(x.dot(&w) + b), y)?);
    }
    Ok(Trained { w, b, loss_history })
}
// ANCHOR_END: your_turn

/// Runs `yours` (such as [`gradient_descent_no_shuffle`]) with the
/// shuffling seed `seed` beside `gradient_descent` with `Shuffle::Off`, side
/// by side, with the verdict.
fn your_turn_comparison(yours: Trainer, seed: u64) -> anyhow::Result<String> {
    let (x, y) = line::points();
    let settings = Settings::new(0.01, 5, 2, Loss::Mse);
    let mine = yours(&x, &y, &settings.shuffle(Shuffle::Seeded(seed)))?;
    let off = settings.shuffle(Shuffle::Off);
    let library = gradient_descent(&x, &y, &array![0.0], 0.0, &off, |_| {})?;
    Ok(your_turn::compare(
        ("gradient_descent_no_shuffle", &mine),
        ("Shuffle::Off", &library),
        "Take the shuffle out of gradient_descent_no_shuffle: slice the \
         batches from x and y as they are.",
    ))
}

/// Taken out of the copy, the shuffle leaves Exercise 1's loop: its
/// solution is this exercise's.
#[cfg(test)]
#[path = "solutions/exercise_1.rs"]
mod solved;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_solution_computes_what_shuffle_off_computes() {
        for seed in [42, 7] {
            let text =
                your_turn_comparison(solved::your_gradient_descent, seed)
                    .unwrap();
            assert!(
                text.contains("Yes: gradient_descent_no_shuffle"),
                "{text}"
            );
        }
    }
}
