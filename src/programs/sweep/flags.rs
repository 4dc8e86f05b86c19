//! The sweep program's flags, and the parsers of its lists.

use std::path::PathBuf;

use clap::Parser;

use crate::DEFAULT_SEED;
use crate::programs::cli::{
    parse_classes, parse_decay, parse_fraction, parse_learning_rate,
    parse_memory, parse_positive, parse_seed,
};

/// Sweep batch sizes × learning rates × seeds of logistic regression on two
/// classes of an IDX data set, choose each batch size's learning rate on
/// validation data, and measure the chosen settings on the test set.
#[derive(Debug, Parser)]
#[command(after_help = "Tables go to --out: runs.csv (every run of the grid, \
measured on validation data) and chosen.csv (the chosen settings, trained again \
and tested). A sweep that is interrupted resumes where it stopped when it is \
started again with the same flags; the grid may grow between runs.")]
pub struct Args {
    /// Directory holding the four IDX files, each raw or .gz (default: the
    /// bundled data/ for the digits 0 and 1, data/mnist/ for other pairs)
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The two classes to tell apart: the first becomes target 0, the second
    /// target 1
    #[arg(long, value_name = "A,B", default_value = "4,9",
          value_parser = parse_classes, allow_hyphen_values = true)]
    pub classes: (u8, u8),
    /// Share of the training set held out as the validation set
    #[arg(long, value_name = "F", default_value_t = 0.2,
          value_parser = parse_fraction, allow_negative_numbers = true)]
    pub validation: f64,
    /// Seed of the draw of the validation set
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEED,
          value_parser = parse_seed, allow_hyphen_values = true)]
    pub split_seed: u64,
    /// Batch sizes: whole numbers of at least 1, or `full` (the whole
    /// training set)
    #[arg(long, value_name = "LIST", value_delimiter = ',',
          default_value = "1,2,4,8,16,32,64,128,256,512,1024,full",
          value_parser = parse_batch_size)]
    pub batch_sizes: Vec<BatchSize>,
    /// Learning rates: numbers, powers of two such as 2^-3, or a range of
    /// powers of two such as 2^-12..2^0 (every power in between)
    #[arg(long, value_name = "LIST", value_delimiter = ',',
          default_value = "2^-12..2^-1", value_parser = parse_learning_rates,
          allow_hyphen_values = true)]
    pub learning_rates: Vec<Vec<f64>>,
    /// Decays k of the learning rate η / (1 + k · epochs); 0 keeps it
    /// constant
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "0",
          value_parser = parse_decay, allow_hyphen_values = true)]
    pub decays: Vec<f64>,
    /// Seeds of the shuffling; every setting is trained once with each
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "1,2,3",
          value_parser = parse_seed, allow_hyphen_values = true)]
    pub seeds: Vec<u64>,
    /// Compare batch sizes after this many epochs (every run makes at least
    /// this many)
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = parse_positive)]
    pub epochs: usize,
    /// Compare batch sizes after this many steps (every run makes at least
    /// this many), or `none`
    #[arg(long, value_name = "N", default_value = "300", value_parser = parse_steps)]
    pub steps: Steps,
    /// Folder for the tables (created if missing)
    #[arg(long, value_name = "DIR", default_value = "sweep")]
    pub out: PathBuf,
    /// Train nothing: report on the finished tables of --out
    #[arg(long)]
    pub report: bool,
    /// Train nothing: time N epochs of both trainers at each batch size of
    /// the grid, one after the other, and print the seconds per epoch
    #[arg(long, value_name = "N", value_parser = parse_positive, conflicts_with = "report")]
    pub time_epochs: Option<usize>,
    /// Runs to train at once (default: one per core)
    #[arg(long, value_name = "N", value_parser = parse_positive)]
    pub threads: Option<usize>,
    /// The most memory the sweep may hold, such as 4GiB or 1.5GB: a sweep
    /// that would need more is refused before it reads the images
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = parse_memory)]
    pub max_memory: u64,
}

impl Args {
    /// Every learning rate of the flags, in order.
    pub fn learning_rates(&self) -> Vec<f64> {
        self.learning_rates.iter().flatten().copied().collect()
    }
}

/// A batch size as the flags give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchSize {
    /// This many samples per batch.
    Rows(usize),
    /// The whole training set.
    Full,
}

impl BatchSize {
    /// The number of samples per batch on a training set of `rows` samples.
    pub fn on(self, rows: usize) -> usize {
        match self {
            BatchSize::Rows(m) => m.min(rows),
            BatchSize::Full => rows,
        }
    }
}

/// Parses a batch size: a whole number of at least 1, or `full`.
pub fn parse_batch_size(text: &str) -> Result<BatchSize, String> {
    if text.trim() == "full" {
        return Ok(BatchSize::Full);
    }
    parse_positive(text.trim())
        .map(BatchSize::Rows)
        .map_err(|e| format!("{e}: give a batch size of at least 1, or full"))
}

/// The steps of the comparison at equal steps, if there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps(pub Option<usize>);

/// Parses the steps of the comparison at equal steps: at least 1, or `none`
/// for no such comparison.
pub fn parse_steps(text: &str) -> Result<Steps, String> {
    if text.trim() == "none" {
        return Ok(Steps(None));
    }
    parse_positive(text.trim())
        .map(|s| Steps(Some(s)))
        .map_err(|e| {
            format!("{e}: give a number of steps of at least 1, or none")
        })
}

/// Parses one item of a list of learning rates: a number (`0.1`), a power
/// of two (`2^-3`), or a range of powers of two (`2^-12..2^0`, every power
/// from the first to the last).
pub fn parse_learning_rates(text: &str) -> Result<Vec<f64>, String> {
    let text = text.trim();
    if let Some((from, to)) = text.split_once("..") {
        let (from, to) = (exponent(from)?, exponent(to)?);
        if from > to {
            return Err(format!(
                "the range {text:?} runs downwards: give the smaller power first, such as 2^-12..2^0"
            ));
        }
        if to - from > 64 {
            return Err(format!(
                "the range {text:?} holds more than 64 learning rates"
            ));
        }
        return (from..=to).map(|k| rate(2f64.powi(k), text)).collect();
    }
    if text.starts_with("2^") {
        return rate(2f64.powi(exponent(text)?), text).map(|lr| vec![lr]);
    }
    parse_learning_rate(text).map(|lr| vec![lr])
}

/// A learning rate from a power of two, refused where it leaves `f64`.
fn rate(lr: f64, text: &str) -> Result<f64, String> {
    parse_learning_rate(&format!("{lr:?}"))
        .map_err(|e| format!("{text:?}: {e}"))
}

/// The exponent `k` of `2^k`.
fn exponent(text: &str) -> Result<i32, String> {
    let text = text.trim();
    text.strip_prefix("2^")
        .and_then(|k| k.parse::<i32>().ok())
        .filter(|k| k.abs() <= 1000)
        .ok_or_else(|| {
            format!(
                "{text:?} is not a power of two: write it as 2^K with a whole K, such as 2^-3"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learning_rates_as_numbers_powers_and_ranges() {
        assert_eq!(parse_learning_rates("0.1"), Ok(vec![0.1]));
        assert_eq!(parse_learning_rates("2^-3"), Ok(vec![0.125]));
        assert_eq!(parse_learning_rates("2^-2..2^0"), Ok(vec![0.25, 0.5, 1.0]));
        assert!(
            parse_learning_rates("2^0..2^-2")
                .unwrap_err()
                .contains("downwards")
        );
        assert!(
            parse_learning_rates("3^2")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(
            parse_learning_rates("2^x")
                .unwrap_err()
                .contains("power of two")
        );
        assert!(
            parse_learning_rates("-1")
                .unwrap_err()
                .contains("greater than 0")
        );
        assert!(parse_learning_rates("2^-1100").is_err());
    }

    #[test]
    fn batch_sizes_and_steps() {
        assert_eq!(parse_batch_size("full"), Ok(BatchSize::Full));
        assert_eq!(parse_batch_size("32"), Ok(BatchSize::Rows(32)));
        assert!(parse_batch_size("0").unwrap_err().contains("at least 1"));
        assert_eq!(BatchSize::Rows(50).on(10), 10);
        assert_eq!(parse_steps("none"), Ok(Steps(None)));
        assert_eq!(parse_steps("7"), Ok(Steps(Some(7))));
        assert!(parse_steps("0").unwrap_err().contains("or none"));
    }
}
