//! The batch-size sweep behind the book's page "Choosing the batch size"
//! (`cargo run --release --bin sweep`).
//!
//! A grid of batch sizes × learning rates × decays × seeds, each run
//! trained from zero weights by `gradient_descent` on two classes of an IDX
//! data set, measured on a validation set held out from the training set.
//! For each batch size the learning rate that does best on validation data
//! is chosen, after the same number of epochs and after the same number of
//! steps; only those chosen settings are trained again and measured on the
//! test set.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`data`] | the samples trained on, the validation set and the test set |
//! | [`grid`] | the grid, the budgets, the checkpoints of a run |
//! | [`checkpoints`] | `gradient_descent` stopped at any step to be measured |
//! | [`table`] | the CSV tables, written so that an interruption loses no finished run |
//! | [`run`] | the grid on all cores, then the chosen settings on the test set |
//! | [`analysis`] | validation curves, the chosen learning rates, steps to a target, the trade-off fit |
//! | [`report`] | the text the program prints |
//! | [`times`] | seconds per epoch at each batch size, for the chart of time |
//! | [`figures`] | the page's charts, drawn from the tables |
//! | [`flags`] | the program's flags |

pub mod analysis;
pub mod checkpoints;
pub mod data;
pub mod figures;
pub mod flags;
pub mod grid;
pub mod report;
pub mod run;
pub mod table;
pub mod times;

use std::path::Path;

use anyhow::Context;

use crate::data::IdxFiles;
use crate::programs::budget::{Budget as MemoryBudget, HeldOut, Keeps, Run};
use crate::programs::bundled::bundled_data;
use crate::programs::output::NewFolders;
use crate::say;
use flags::Args;
use grid::{Budget, Compared, Grid, RunKey};
use report::Findings;
use run::Sweep;
use table::{ChosenMeasurement, Measurement, Runs};

/// The sweeps the book's page "Choosing the batch size" shows, each named
/// by its folder under `book/sweeps/` and made by `sweep` with these flags:
/// the grid of batch sizes × learning rates, and the comparison of a
/// constant and a decaying rate at batch size 1.
pub const BOOK_SWEEPS: [(&str, &[&str]); 2] = [
    ("mnist-4-9", &["--classes", "4,9"]),
    (
        "mnist-4-9-decay",
        &[
            "--classes",
            "4,9",
            "--batch-sizes",
            "1",
            "--decays",
            "0,1",
            "--epochs",
            "30",
            "--steps",
            "none",
        ],
    ),
];

/// The flags of the book's sweep `name` (see [`BOOK_SWEEPS`]), reading and
/// writing its tables in `book/sweeps/NAME` under `root`, followed by
/// `more`.
pub fn book_flags(root: &Path, name: &str, more: &[&str]) -> Vec<String> {
    let (_, flags) = BOOK_SWEEPS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("one of the book's sweeps");
    let out = root.join("book/sweeps").join(name);
    std::iter::once("sweep".to_string())
        .chain(flags.iter().map(|f| f.to_string()))
        .chain(["--out".to_string(), out.display().to_string()])
        .chain(more.iter().map(|f| f.to_string()))
        .collect()
}

/// A finished sweep's tables and what they say.
#[derive(Debug, Clone)]
pub struct Results {
    /// Every run of the grid.
    pub runs: Runs<Measurement>,
    /// The choices and what the grid's runs say about them.
    pub findings: Findings,
    /// The chosen settings, trained again and tested.
    pub chosen: Runs<ChosenMeasurement>,
}

impl Sweep {
    /// The sweep that `args` describe, with its data loaded.
    pub fn from_args(args: &Args) -> anyhow::Result<Self> {
        let dir = match &args.data_dir {
            Some(dir) => dir.clone(),
            None => bundled_data(args.classes)?.dir,
        };
        let files = IdxFiles::find(&dir).context("--data-dir")?;
        check_memory(&files, args)?;
        let data = data::SweepData::load(
            &dir,
            args.classes,
            args.validation,
            args.split_seed,
        )
        .context("--data-dir")?;
        let rows = data.fit.len();
        let batch_sizes: Vec<usize> =
            args.batch_sizes.iter().map(|b| b.on(rows)).collect();
        let grid = Grid::new(
            &batch_sizes,
            rows,
            &args.learning_rates(),
            &args.decays,
            &args.seeds,
        );
        Ok(Sweep {
            data,
            grid,
            budget: Budget {
                epochs: args.epochs,
                steps: args.steps.0,
            },
            validation: (args.validation, args.split_seed),
            out: args.out.clone(),
        })
    }

    /// Reads the finished tables: the report reads what they hold, with
    /// their seven digits, so that it is the same whether the runs were
    /// trained now or before. With `train_chosen`, the chosen settings that
    /// `chosen.csv` lacks are trained first, on `threads` threads.
    pub fn results(
        &self,
        train_chosen: Option<usize>,
    ) -> anyhow::Result<Results> {
        let runs = table::read::<Measurement>(
            &self.runs_path(),
            &self.header("runs"),
        )?;
        table::require_all(&self.runs_path(), &runs, &self.grid.runs())?;
        let findings = Findings::of(self, &runs);
        let wanted: Vec<(Compared, RunKey)> = findings.chosen_runs(self);
        if let Some(threads) = train_chosen {
            self.train_chosen(&wanted, &runs, threads)?;
        }
        let chosen = table::read::<ChosenMeasurement>(
            &self.chosen_path(),
            &self.header("chosen"),
        )?;
        table::require_all(&self.chosen_path(), &chosen, &wanted)?;
        Ok(Results {
            runs,
            findings,
            chosen,
        })
    }
}

/// Refuses a sweep that would hold more memory than `--max-memory`, from
/// what the files declare, before the images are read: the three sets in
/// `f64`, and the shuffled copy of the training set that each run trained
/// at once makes every epoch.
fn check_memory(files: &IdxFiles, args: &Args) -> anyhow::Result<()> {
    let threads = args.threads.unwrap_or_else(rayon::current_num_threads);
    let keeps = Keeps {
        train: "in f64, and shuffled into a copy by each run trained at once",
        train_pixel: 1 + 8 + 8 * threads as u64,
        held_out: "in f64",
        held_out_pixel: 1 + 8,
        per_image: 9 * 8,
    };
    let run = Run {
        classes: args.classes,
        limit: None,
        held_out: HeldOut::TestFiles,
        epochs: args.epochs,
    };
    let ways_out = ["pass --threads 1 to train one run at a time"];
    Ok(MemoryBudget(args.max_memory)
        .check_run(files, &run, keeps, &ways_out)?)
}

/// The sweep program: loads the data, trains what the tables lack (unless
/// `--report`), and prints the report; or, with `--time-epochs`, times
/// epochs.
pub fn program(args: Args) -> anyhow::Result<()> {
    let sweep = Sweep::from_args(&args)?;
    if let Some(epochs) = args.time_epochs {
        let batch_sizes = &sweep.grid.batch_sizes;
        let times =
            times::EpochTimes::measure(&sweep.data, batch_sizes, epochs)?;
        say!("{}", times.to_string().trim_end());
        return Ok(());
    }
    let threads = args.threads.unwrap_or_else(rayon::current_num_threads);
    let results = if args.report {
        sweep.results(None)?
    } else {
        let folders = NewFolders::create("--out", &args.out)?;
        sweep.train_grid(threads)?;
        let results = sweep.results(Some(threads))?;
        folders.keep();
        results
    };
    let text = report::report(&sweep, &results.findings, &results.chosen);
    say!("{}", text.trim_end());
    Ok(())
}
