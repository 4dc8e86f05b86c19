//! Times epochs of the crate's trainer on MNIST 0 vs 1 and the memory-bandwidth floor,
//! one JSON object per line: what `tools/compare.py` reads.
//!
//! `cargo run --release --bin epoch_times -- --epochs 5`
//!
//! For each batch size it trains one warm-up epoch, then times `--epochs` more and prints
//! `{"what": "epoch", "batch_size": "32", "rows": 12665, "seconds": [...], "median": ...}`.
//! The floor line, `{"what": "floor", ...}`, times two plain reads of the data set (see
//! `neural_network::timing::read_twice`). Runs are single-threaded.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use neural_network::engine::timing::{self, BATCH_SIZES, batch_label, median};
use neural_network::programs::cli::{parse_positive, run_main};

/// Time epochs of mini-batch gradient descent on MNIST 0 vs 1.
#[derive(Parser)]
struct Args {
    /// Directory with the IDX files.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// Epochs to time per batch size, after one warm-up epoch.
    #[arg(long, default_value = "5", value_parser = parse_positive)]
    epochs: usize,
    /// Batch sizes to time, e.g. 1,32,full (default: 1,8,32,128,1024,full).
    #[arg(long, value_delimiter = ',', value_parser = parse_batch_size)]
    batch_sizes: Option<Vec<Option<usize>>>,
    /// How many times to time the floor.
    #[arg(long, default_value = "20", value_parser = parse_positive)]
    floor_repeats: usize,
}

/// A batch size: a whole number of at least 1, or `full`.
fn parse_batch_size(text: &str) -> Result<Option<usize>, String> {
    if text == "full" {
        Ok(None)
    } else {
        parse_positive(text).map(Some)
    }
}

fn main() -> ExitCode {
    run_main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (x, y) = timing::mnist_0_vs_1(&args.data_dir)?;
    let floor = timing::time_floor(&x, args.floor_repeats);
    println!(
        "{{\"what\": \"floor\", \"rows\": {}, \"bytes\": {}, \"seconds\": {}, \"median\": {}}}",
        x.nrows(),
        x.len() * size_of::<f64>(),
        json_list(&floor),
        median(&floor)
    );
    for batch_size in args.batch_sizes.unwrap_or(BATCH_SIZES.to_vec()) {
        // One warm-up epoch, then the timed ones.
        let mut trainer = timing::trainer(&x, &y, batch_size, 1 + args.epochs)?;
        let loss = trainer.next().expect("at least one epoch")?.loss;
        let seconds = timing::time_epochs(&mut trainer)?;
        println!(
            "{{\"what\": \"epoch\", \"batch_size\": \"{}\", \"rows\": {}, \"seconds\": {}, \
             \"median\": {}, \"first_loss\": {loss}}}",
            batch_label(batch_size),
            x.nrows(),
            json_list(&seconds),
            median(&seconds)
        );
    }
    Ok(())
}

fn json_list(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(f64::to_string).collect();
    format!("[{}]", items.join(", "))
}
