//! The speed page's ladder: from the book's plain `gradient_descent` to the
//! engine, one speed-up at a time, each rung timed on the same data so that
//! what each step gains can be read off one table.
//!
//! `cargo run --release --bin epoch_times -- --ladder` prints the table that
//! the book shows (`book/outputs/ladder.md`).

use std::time::Instant;

use ndarray::{Array1, Array2};

use super::{Trainer, Tuning, timing};
use crate::{Settings, TrainError, gradient_descent};

/// Where a rung keeps the data set: in ordinary memory pages or in 2 MB ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pages {
    /// 4 KB pages, what any allocation gets.
    Ordinary,
    /// 2 MB pages where Linux grants them ([`super::memory`]).
    Huge,
}

/// One way of running the epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rung {
    /// What the table calls it.
    pub name: &'static str,
    /// `None`: the book's `gradient_descent`; else the engine so tuned.
    pub engine: Option<Tuning>,
    /// The memory the data set is in.
    pub pages: Pages,
}

/// The rungs, each adding one speed-up to the one before.
pub const LADDER: [Rung; 6] = [
    Rung {
        name: "the book's `gradient_descent`",
        engine: None,
        pages: Pages::Ordinary,
    },
    Rung {
        name: "the engine's loop: rows read in place, once per step",
        engine: Some(Tuning::NONE),
        pages: Pages::Ordinary,
    },
    Rung {
        name: "+ the data set in 2 MB memory pages",
        engine: Some(Tuning::NONE),
        pages: Pages::Huge,
    },
    Rung {
        name: "+ prefetching the rows ahead",
        engine: Some(Tuning {
            prefetch: true,
            ..Tuning::NONE
        }),
        pages: Pages::Huge,
    },
    Rung {
        name: "+ AVX2 instructions",
        engine: Some(Tuning {
            prefetch: true,
            wide: true,
            shortcuts: false,
        }),
        pages: Pages::Huge,
    },
    Rung {
        name: "+ shortcuts for a batch of one and a full batch",
        engine: Some(Tuning::ALL),
        pages: Pages::Huge,
    },
];

/// The seconds of each of `epochs` epochs of `rung` on `(x, y)` with
/// `settings` (whose `num_epochs` is ignored), after one untimed warm-up
/// epoch, from zero weights and bias.
pub fn time_rung(
    rung: &Rung,
    (x, y): (&Array2<f64>, &Array1<f64>),
    settings: &Settings,
    epochs: usize,
) -> Result<Vec<f64>, TrainError> {
    let settings = Settings {
        num_epochs: 1 + epochs,
        ..*settings
    };
    let w = Array1::zeros(x.ncols());
    match rung.engine {
        Some(tuning) => {
            let mut trainer =
                Trainer::with_tuning(x, y, (&w, 0.0), &settings, tuning)?;
            trainer.next().expect("a warm-up epoch")?;
            timing::time_epochs(&mut trainer)
        }
        None => {
            // The time between the ends of consecutive epochs.
            let mut ends = Vec::new();
            gradient_descent(x, y, &w, 0.0, &settings, |_| {
                ends.push(Instant::now());
            })?;
            let seconds = ends.windows(2);
            Ok(seconds.map(|w| (w[1] - w[0]).as_secs_f64()).collect())
        }
    }
}
