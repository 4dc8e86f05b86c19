//! Exercise 3: mini-batch logistic regression on synthetic two-class data, with a sigmoid
//! output and binary cross-entropy loss.
//!
//! Run it with `cargo run --bin exercise_3` (add `-- --seed 7` for other batches).

use clap::Parser;
use ndarray::array;
use neural_network::{Activation, DEFAULT_SEED, Loss, Settings, Shuffle, gradient_descent, report};

/// Exercise 3: logistic regression with batch size 2, learning rate 0.01, 10 epochs.
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
    let x = array![[0.5], [1.5], [1.0], [2.0], [3.0], [2.5]];
    let y = array![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let w_init = array![0.0];
    let b_init = 0.0;
    let settings = Settings::new(0.01, 10, 2, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid)
        .shuffle(Shuffle::Seeded(args.seed));

    let trained = gradient_descent(&x, &y, &w_init, b_init, &settings, |e| println!("{e}"))?;
    print!("{}", report::summary(&w_init, b_init, &trained));
    // ANCHOR_END: solution
    Ok(())
}
