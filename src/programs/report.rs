//! Text for the programs to print: the exercises' summaries and side-by-side loss tables.
//!
//! Numbers are written with Rust's `{:?}`, the shortest text that reads back as the same
//! `f64`, so two runs can be compared digit for digit.

use std::fmt::Write;

use ndarray::ArrayRef1;

use crate::Trained;

/// The five lines the blog's exercises print after training:
/// `Initial weight W:`, `Initial bias b:`, `Final weight W:`, `Final bias b:`, `Loss history:`.
pub fn summary(
    w_init: &ArrayRef1<f64>,
    b_init: f64,
    trained: &Trained,
) -> String {
    format!(
        "Initial weight W: {:?}\nInitial bias b: {:?}\nFinal weight W: {:?}\nFinal bias b: {:?}\nLoss history: {:?}\n",
        w_init.to_vec(),
        b_init,
        trained.w.to_vec(),
        trained.b,
        trained.loss_history
    )
}

/// A table of loss per epoch, one column per run, for comparing runs side by side.
///
/// Runs of different lengths are allowed; a run with no value for an epoch shows `-`.
pub fn loss_table(runs: &[(&str, &[f64])]) -> String {
    let width = runs
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0)
        .max(10);
    let epochs = runs
        .iter()
        .map(|(_, losses)| losses.len())
        .max()
        .unwrap_or(0);
    let mut table = format!("{:>5}", "epoch");
    for (name, _) in runs {
        let _ = write!(table, "  {name:>width$}");
    }
    table.push('\n');
    for epoch in 0..epochs {
        let _ = write!(table, "{:>5}", epoch + 1);
        for (_, losses) in runs {
            match losses.get(epoch) {
                Some(&loss) if loss != 0.0 && loss.abs() < 1e-3 => {
                    // Six decimals would print a small loss as 0.000000.
                    let _ = write!(table, "  {loss:>width$.4e}");
                }
                Some(loss) => {
                    let _ = write!(table, "  {loss:>width$.6}");
                }
                None => {
                    let _ = write!(table, "  {:>width$}", "-");
                }
            }
        }
        table.push('\n');
    }
    table
}
