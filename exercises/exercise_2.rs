//! Exercise 2: the effect of batch size. The data and settings of Exercise 1,
//! trained once with batch size 2 and once with batch size 4, then compared
//! epoch by epoch.
//!
//! Run it with `cargo run --bin exercise_2` (add `-- --seed 7` for other
//! batches).

use std::process::ExitCode;

use ndarray::array;
use neural_network::data::line;
use neural_network::programs::{cli, report};
use neural_network::{Loss, Settings, Shuffle, gradient_descent, say};

fn main() -> ExitCode {
    cli::exercise(
        "Exercise 2: y = 2x with batch sizes 2 and 4, lr 0.01, 5 epochs",
        solution,
    )
}

// ANCHOR: solution
/// Trains `y = 2x` with batch sizes 2 and 4 and compares the two loss
/// histories.
fn solution(seed: u64) -> anyhow::Result<()> {
    let (x, y) = line::points();
    let w_init = array![0.0];
    let b_init = 0.0;

    let mut histories = Vec::new();
    for batch_size in [2, 4] {
        say!("Batch size {batch_size}:");
        let settings = Settings::new(0.01, 5, batch_size, Loss::Mse)
            .shuffle(Shuffle::Seeded(seed));
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
            ("batch size 2", &histories[0]),
            ("batch size 4", &histories[1])
        ])
    );
    Ok(())
}
// ANCHOR_END: solution
