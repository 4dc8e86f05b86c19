//! The speed page's ladder: from the book's plain `gradient_descent` to the
//! engine, one speed-up at a time, each rung timed on the same data so that
//! what each step gains can be read off one table.
//!
//! `cargo run --release --bin epoch_times -- --ladder` prints the table that
//! the book shows (`book/outputs/ladder.md`).

use std::path::Path;

use ndarray::{Array1, Array2};
use neural_network::data::DataError;
use neural_network::engine::pixels::Pixels;
use neural_network::engine::rows::TabledBytes;
use neural_network::engine::{Model, Trainer, Tuning};
use neural_network::{Settings, TrainError};

use super::timing;

/// How a rung keeps the data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Normalized `f64`, in 2 MB pages like every large array of the
    /// programs (`neural_network::programs::pages`).
    F64,
    /// One byte per pixel and a table of the values they stand for.
    Bytes,
    /// The groups of ink of each image, raw ([`Pixels`]).
    Ink,
}

/// One way of running the epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rung {
    /// What the table calls it.
    pub name: &'static str,
    /// `None`: the book's `gradient_descent`; else the engine so tuned.
    pub engine: Option<Tuning>,
    /// How the data set is kept.
    pub form: Form,
}

/// The data set of the ladder in every form a rung may ask for.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The normalized images in `f64`.
    pub x: Array2<f64>,
    /// The same as bytes and a table.
    pub tabled: TabledBytes,
    /// The same as groups of ink.
    pub pixels: Pixels,
    /// The targets.
    pub y: Array1<f64>,
}

impl Workload {
    /// The training images of digits 0 and 1 in the IDX files of `dir`.
    pub fn load(dir: &Path) -> Result<Self, DataError> {
        let task = timing::mnist_0_vs_1_pixels(dir)?;
        let x = task.train.x.to_f64();
        let tabled =
            TabledBytes::new(&task.train.x.bytes(), &task.normalization);
        Ok(Self {
            x,
            tabled,
            pixels: task.train.x,
            y: task.train.y,
        })
    }
}

/// The rungs, each adding one speed-up to the one before.
pub const LADDER: [Rung; 8] = [
    Rung {
        name: "the book's `gradient_descent`",
        engine: None,
        form: Form::F64,
    },
    Rung {
        name: "the engine's loop: rows read in place, once per step",
        engine: Some(Tuning::NONE),
        form: Form::F64,
    },
    Rung {
        name: "+ prefetching the rows ahead",
        engine: Some(Tuning {
            prefetch: true,
            ..Tuning::NONE
        }),
        form: Form::F64,
    },
    Rung {
        name: "+ AVX2 instructions",
        engine: Some(Tuning {
            prefetch: true,
            wide: true,
            shortcuts: false,
            threads: false,
        }),
        form: Form::F64,
    },
    Rung {
        name: "+ shortcuts for a batch of one and a full batch",
        engine: Some(ONE_THREAD),
        form: Form::F64,
    },
    Rung {
        name: "+ pixels kept as bytes, with a table of their values",
        engine: Some(ONE_THREAD),
        form: Form::Bytes,
    },
    Rung {
        name: "+ the normalization folded into the model, blank pixels skipped",
        engine: Some(ONE_THREAD),
        form: Form::Ink,
    },
    Rung {
        name: "+ the passes over the whole data set on two threads",
        engine: Some(Tuning::ALL),
        form: Form::Ink,
    },
];

/// Every speed-up but the second thread.
const ONE_THREAD: Tuning = Tuning {
    threads: false,
    ..Tuning::ALL
};

/// The seconds of each of `epochs` epochs of `rung` on `workload` with
/// `settings` (whose `num_epochs` is ignored), after one untimed warm-up
/// epoch, from zero weights and bias.
pub fn time_rung(
    rung: &Rung,
    workload: &Workload,
    settings: &Settings,
    epochs: usize,
) -> Result<Vec<f64>, TrainError> {
    let settings = Settings {
        num_epochs: 1 + epochs,
        ..*settings
    };
    let y = &workload.y;
    let w = Array1::zeros(workload.x.ncols());
    let x = &workload.x;
    match (rung.engine, rung.form) {
        (None, _) => timing::time_plain(x, y, &settings),
        (Some(tuning), Form::Bytes) => {
            let rows = &workload.tabled;
            let trainer =
                Trainer::tuned(rows, y, (&w, 0.0), &settings, tuning)?;
            time_after_warm_up(trainer)
        }
        (Some(tuning), Form::Ink) => {
            let pixels = &workload.pixels;
            let trainer =
                Trainer::tuned(pixels, y, (&w, 0.0), &settings, tuning)?;
            time_after_warm_up(trainer)
        }
        (Some(tuning), _) => {
            let trainer =
                Trainer::with_tuning(x, y, (&w, 0.0), &settings, tuning)?;
            time_after_warm_up(trainer)
        }
    }
}

/// Runs one epoch of `trainer`, then times the rest.
fn time_after_warm_up<M: Model>(
    mut trainer: Trainer<M>,
) -> Result<Vec<f64>, TrainError> {
    trainer.next().expect("a warm-up epoch")?;
    timing::time_epochs(&mut trainer)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The ladder is measured too, but its steps must be the engine's steps of
    /// today, in order, each with a time for every batch size.
    #[test]
    fn the_ladder_in_the_book_has_every_step_of_the_engine() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let ladder =
            std::fs::read_to_string(root.join("book/outputs/ladder.md"))
                .unwrap();
        let rows: Vec<&str> = ladder
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| step"))
            .filter(|l| !l.starts_with("| ---"))
            .collect();
        assert_eq!(rows.len(), LADDER.len(), "one row per step:\n{ladder}");
        for (i, (row, rung)) in rows.iter().zip(&LADDER).enumerate() {
            let cells: Vec<&str> = row.trim_matches('|').split(" | ").collect();
            assert_eq!(
                cells[0].trim(),
                format!("{i}. {}", rung.name),
                "rerun `cargo run --release --bin epoch_times -- --ladder \
                 > book/outputs/ladder.md`"
            );
            assert!(
                cells[1..].iter().all(|c| c.trim().parse::<f64>().is_ok()),
                "{row}"
            );
        }
    }
}
