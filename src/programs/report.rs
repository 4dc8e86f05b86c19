//! Text for the programs to print: the exercises' summaries and side-by-side
//! loss tables.
//!
//! Numbers are written with Rust's `{:?}`, the shortest text that reads back as
//! the same `f64`, so two runs can be compared digit for digit.

use std::fmt::Write;

use ndarray::ArrayRef1;

use crate::Trained;

/// The five lines the blog's exercises print after training:
/// `Initial weight W:`, `Initial bias b:`, `Final weight W:`, `Final bias b:`,
/// `Loss history:`. The loss history wraps so that no line passes 80
/// characters. The text ends without a newline, ready for `say!`.
pub fn summary(
    w_init: &ArrayRef1<f64>,
    b_init: f64,
    trained: &Trained,
) -> String {
    format!(
        "Initial weight W: {:?}\nInitial bias b: {:?}\nFinal weight W: {:?}\n\
         Final bias b: {:?}\n{}",
        w_init.to_vec(),
        b_init,
        trained.w.to_vec(),
        trained.b,
        wrapped_list("Loss history: ", &trained.loss_history, 80),
    )
}

/// `label[a, b, c]` with the numbers at full precision, continued on as many
/// lines as keep each within `width` characters, aligned under the first.
fn wrapped_list(label: &str, values: &[f64], width: usize) -> String {
    let indent = label.chars().count() + 1;
    let mut text = format!("{label}[");
    let mut line_len = indent;
    for (i, value) in values.iter().enumerate() {
        let last = i + 1 == values.len();
        let item = format!("{value:?}{}", if last { "]" } else { "," });
        if i > 0 {
            if line_len + 1 + item.len() > width {
                text.push('\n');
                text.push_str(&" ".repeat(indent));
                line_len = indent;
            } else {
                text.push(' ');
                line_len += 1;
            }
        }
        text.push_str(&item);
        line_len += item.len();
    }
    if values.is_empty() {
        text.push(']');
    }
    text
}

/// A table of loss per epoch, one column per run, for comparing runs side by
/// side.
///
/// Runs of different lengths are allowed; a run with no value for an epoch
/// shows `-`. The text ends without a newline, ready for `say!`.
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
    for epoch in 0..epochs {
        let _ = write!(table, "\n{:>5}", epoch + 1);
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
    }
    table
}

/// A short description of this machine for charts and tables: the processor's
/// model name (from `/proc/cpuinfo` where there is one) and how many threads it
/// runs.
pub fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .and_then(|r| r.split_once(':'))
                    .map(|(_, m)| m.trim().to_string())
            })
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{model}, {threads} threads")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_wrap_under_the_first_number() {
        let values = [
            8.543238117138138,
            0.700476304835006,
            0.08302084581592109,
            0.02700821669178518,
            0.02180932705989448,
        ];
        let text = wrapped_list("Loss history: ", &values, 80);
        assert_eq!(
            text,
            "Loss history: [8.543238117138138, 0.700476304835006, \
             0.08302084581592109,\n               0.02700821669178518, \
             0.02180932705989448]"
        );
        assert!(text.lines().all(|line| line.chars().count() <= 80));
        assert_eq!(wrapped_list("L: ", &[], 80), "L: []");
        assert_eq!(wrapped_list("L: ", &[0.5], 80), "L: [0.5]");
    }
}
