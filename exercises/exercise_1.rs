//! Exercise 1: mini-batch gradient descent on synthetic linear data, `y = 2x`.
//!
//! Run it with `cargo run --bin exercise_1` (add `-- --seed 7` for other batches).

use clap::Parser;
use ndarray::array;
use neural_network::{DEFAULT_SEED, Loss, Settings, Shuffle, gradient_descent, report};

/// Exercise 1: linear regression on y = 2x with batch size 2, learning rate 0.01, 5 epochs.
#[derive(Parser)]
struct Args {
    /// Seed of the generator that shuffles the samples each epoch.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
}

fn main() -> anyhow::Result<()> {
    neural_network::cli::end_quietly_on_broken_pipe();
    let args = Args::parse();
    // ANCHOR: solution
    let x = array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0]];
    let y = array![2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0];
    let w_init = array![0.0];
    let b_init = 0.0;
    let settings = Settings::new(0.01, 5, 2, Loss::Mse).shuffle(Shuffle::Seeded(args.seed));

    let trained = gradient_descent(&x, &y, &w_init, b_init, &settings, |e| println!("{e}"))?;
    print!("{}", report::summary(&w_init, b_init, &trained));
    // ANCHOR_END: solution
    Ok(())
}
