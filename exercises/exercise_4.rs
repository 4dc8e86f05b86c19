//! Exercise 4: the effect of shuffling. The data and settings of Exercise 1,
//! trained once with a fresh permutation every epoch and once in the given
//! order, then compared.
//!
//! The blog copies its training loop to remove the shuffle; here it is one
//! setting, `Shuffle::Off`, of the same `gradient_descent`.
//!
//! Run it with `cargo run --bin exercise_4` (add `-- --seed 7` for other
//! batches).

use std::process::ExitCode;

use ndarray::array;
use neural_network::data::line;
use neural_network::programs::{cli, report};
use neural_network::{Loss, Settings, Shuffle, gradient_descent, say};

fn main() -> ExitCode {
    cli::exercise(
        "Exercise 4: y = 2x shuffled and not shuffled, batch size 2, lr 0.01, 5 epochs",
        solution,
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
