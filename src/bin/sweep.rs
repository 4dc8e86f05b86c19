//! The batch-size sweep of the page "Choosing the batch size": a grid of
//! batch sizes × learning rates × seeds, learning rates chosen on validation
//! data, the chosen settings measured on the test set.
//!
//! `cargo run --release --bin sweep -- --help` lists the flags; the module
//! `neural_network::programs::sweep` does the work.

use std::process::ExitCode;

use neural_network::programs::cli::{parse_args, run_main};
use neural_network::programs::sweep;

fn main() -> ExitCode {
    run_main(|| sweep::program(parse_args()))
}
