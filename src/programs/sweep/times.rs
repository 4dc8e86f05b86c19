//! What an epoch costs at each batch size on this machine: the book's
//! `gradient_descent` and the engine, timed on the samples a sweep trains on
//! (`sweep --time-epochs N`). The table it prints is what the page's chart
//! of time per epoch is drawn from.

use std::fmt;
use std::time::Instant;

use ndarray::Array1;

use super::data::SweepData;
use super::report::batch;
use crate::engine::Trainer;
use crate::{Activation, Loss, Settings, TrainError, gradient_descent};

/// Seconds per epoch at each batch size, for both trainers.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochTimes {
    /// The processor, as `programs::report::machine` names it.
    pub machine: String,
    /// How many epochs each median is taken over.
    pub epochs: usize,
    /// The number of samples trained on.
    pub rows: usize,
    /// (batch size, seconds per epoch of `gradient_descent`, of the engine).
    pub times: Vec<(usize, f64, f64)>,
}

/// The median of some seconds.
fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    match times.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2.0,
    }
}

/// The seconds each epoch took, from the times `on_epoch` was called,
/// leaving out the first (warm-up) epoch.
fn timed(
    train: impl FnOnce(&mut dyn FnMut()) -> Result<(), TrainError>,
) -> Result<f64, TrainError> {
    let mut ends = vec![Instant::now()];
    train(&mut || ends.push(Instant::now()))?;
    let seconds = ends
        .windows(2)
        .skip(1)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    Ok(median(seconds))
}

impl EpochTimes {
    /// Times `epochs` epochs after a warm-up epoch of both trainers at each
    /// of `batch_sizes`, one at a time, on one thread, from zero weights with
    /// learning rate 0.1.
    pub fn measure(
        data: &SweepData,
        batch_sizes: &[usize],
        epochs: usize,
    ) -> Result<Self, TrainError> {
        let (x, y) = (&data.fit.x, &data.fit.y);
        let w = Array1::zeros(x.ncols());
        let mut times = Vec::new();
        for &b in batch_sizes {
            let settings =
                Settings::new(0.1, epochs + 1, b, Loss::BinaryCrossEntropy)
                    .activation(Activation::Sigmoid);
            let book = timed(|tick| {
                gradient_descent(x, y, &w, 0.0, &settings, |_| tick()).map(drop)
            })?;
            let fast = timed(|tick| {
                Trainer::new(x, y, &w, 0.0, &settings)
                    .and_then(|trainer| trainer.run(|_| tick()))
                    .map(drop)
            })?;
            times.push((b, book, fast));
        }
        Ok(Self {
            machine: crate::programs::report::machine(),
            epochs,
            rows: x.nrows(),
            times,
        })
    }

    /// Reads the table that [`EpochTimes`]'s `Display` writes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text.lines();
        let first = lines.next().unwrap_or("");
        let machine = first
            .strip_prefix("Seconds per epoch on ")
            .and_then(|m| m.strip_suffix(':'))
            .ok_or_else(|| format!("not a table of epoch times: {first:?}"))?;
        let second = lines.next().unwrap_or("");
        let (epochs, rest) = second
            .strip_prefix("median of ")
            .and_then(|r| r.split_once(" epochs after a warm-up, on "))
            .ok_or_else(|| format!("no median of epochs in {second:?}"))?;
        let rows = rest.trim_end_matches(" samples, one thread");
        let number =
            |t: &str| t.parse().map_err(|_| format!("{t:?} is not a number"));
        let (epochs, rows) = (number(epochs)?, number(rows)?);
        let mut times = Vec::new();
        for line in lines.skip(1) {
            let cells: Vec<&str> = line.split_whitespace().collect();
            let [b, book, fast] = cells[..] else {
                return Err(format!("not a row of three cells: {line:?}"));
            };
            let b = if b == "full" { rows } else { number(b)? };
            let seconds =
                |t: &str| t.parse().map_err(|_| format!("{t:?} is not a time"));
            times.push((b, seconds(book)?, seconds(fast)?));
        }
        Ok(Self {
            machine: machine.to_string(),
            epochs,
            rows,
            times,
        })
    }
}

impl fmt::Display for EpochTimes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Seconds per epoch on {}:\nmedian of {} epochs after a warm-up, on {} \
             samples, one thread",
            self.machine, self.epochs, self.rows
        )?;
        writeln!(
            f,
            "{:>5} {:>16} {:>8}",
            "batch", "gradient_descent", "engine"
        )?;
        for &(b, book, fast) in &self.times {
            writeln!(f, "{:>5} {book:>16.4} {fast:>8.4}", batch(b, self.rows))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_back() {
        let times = EpochTimes {
            machine: "Some CPU, 2 threads".to_string(),
            epochs: 3,
            rows: 100,
            times: vec![(1, 0.5, 0.01), (100, 0.25, 0.0025)],
        };
        assert_eq!(EpochTimes::parse(&times.to_string()), Ok(times));
        assert!(EpochTimes::parse("nonsense").is_err());
    }
}
