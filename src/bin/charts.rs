//! Draws the book's charts and prints the numbers behind them.
//!
//! Run it from the repository's root with `cargo run --bin charts`; it writes into
//! `book/charts/` (or the folder given with `--out-dir`). Every chart is deterministic, so
//! running it again rewrites the same bytes; `tests/charts.rs` checks that the committed
//! files are up to date.

use std::path::{Path, PathBuf};

use clap::Parser;
use ndarray::array;
use neural_network::plot::{self, Line, Scale};
use neural_network::{DEFAULT_SEED, Loss, Settings, Shuffle, gradient_descent, report};

/// Draws the book's charts as SVG files.
#[derive(Parser)]
struct Args {
    /// Folder to write the charts into (created if missing).
    #[arg(long, default_value = "book/charts")]
    out_dir: PathBuf,
}

fn main() -> anyhow::Result<()> {
    neural_network::cli::end_quietly_on_broken_pipe();
    let args = Args::parse();
    std::fs::create_dir_all(&args.out_dir)?;
    batch_sizes(&args.out_dir)?;
    Ok(())
}

/// `batch_sizes.svg`: Exercise 1's data trained with batch sizes 1, 2, 4 and 8.
fn batch_sizes(out_dir: &Path) -> anyhow::Result<()> {
    // ANCHOR: batch_sizes
    let x = array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0]];
    let y = array![2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0];
    let mut runs = Vec::new();
    for batch_size in [1, 2, 4, 8] {
        let settings =
            Settings::new(0.01, 30, batch_size, Loss::Mse).shuffle(Shuffle::Seeded(DEFAULT_SEED));
        let trained = gradient_descent(&x, &y, &array![0.0], 0.0, &settings, |_| {})?;
        runs.push((format!("batch size {batch_size}"), trained.loss_history));
    }
    // ANCHOR_END: batch_sizes
    let curves: Vec<Line> = runs
        .iter()
        .map(|(label, losses)| Line::per_epoch(label, losses))
        .collect();
    plot::loss_per_epoch(
        &out_dir.join("batch_sizes.svg"),
        "y = 2x, learning rate 0.01: loss per epoch by batch size",
        Scale::Log,
        &curves,
    )?;
    let columns: Vec<(&str, &[f64])> = runs
        .iter()
        .map(|(label, losses)| (label.as_str(), losses.as_slice()))
        .collect();
    println!("batch_sizes.svg, loss per epoch:");
    print!("{}", report::loss_table(&columns));
    Ok(())
}
