//! Running a sweep: every run of the grid from zero weights, on all cores,
//! each finished run written before the next is taken up; then the chosen
//! settings again, measured on the test set.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array1;
use rayon::prelude::*;

use super::checkpoints::{CheckpointError, train_with_checkpoints};
use super::data::SweepData;
use super::grid::{Budget, Compared, Grid, RunKey, examples};
use super::table::{
    ChosenMeasurement, Measurement, Record, Runs, Table, TableError,
    rewrite_sorted,
};
use crate::data::Dataset;
use crate::gradcheck::loss_at;
use crate::metrics::Confusion;
use crate::{
    Activation, Loss, Schedule, Settings, ShapeError, Shuffle, TrainError,
    binary_cross_entropy, noise_scale, predict,
};

/// Why a sweep stopped.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A table could not be read or written.
    #[error(transparent)]
    Table(#[from] TableError),
    /// A run's settings or data were refused by the trainer.
    #[error("the run {key:?}: {source}")]
    Train { key: RunKey, source: TrainError },
    /// A measurement got data of the wrong shape.
    #[error("the run {key:?}: {source}")]
    Shape { key: RunKey, source: ShapeError },
    /// A chosen run, trained again, did not measure what the grid's run
    /// measured: the tables were made by other code.
    #[error(
        "the chosen run {key:?} measured a validation loss of {now} at step \
         {step}, but runs.csv holds {before}: the tables were made by another \
         version of the program; delete them and run the sweep again"
    )]
    NotReproduced {
        key: RunKey,
        step: usize,
        now: f64,
        before: f64,
    },
    /// The thread pool could not be built.
    #[error("cannot start {threads} threads: {message}")]
    Threads { threads: usize, message: String },
}

/// A sweep: the data, the grid, the budgets, and the folder of its tables.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The three sets.
    pub data: SweepData,
    /// The settings to try.
    pub grid: Grid,
    /// How long each run lasts.
    pub budget: Budget,
    /// The share of the training set held out, and the seed that drew it.
    pub validation: (f64, u64),
    /// The folder of `runs.csv` and `chosen.csv`.
    pub out: PathBuf,
}

/// The logistic regression every run trains.
fn settings(key: &RunKey) -> Settings {
    let schedule = if key.decay == 0.0 {
        Schedule::Constant
    } else {
        Schedule::InverseTime { decay: key.decay }
    };
    Settings::new(key.lr, 1, key.batch_size, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid)
        .shuffle(Shuffle::Seeded(key.seed))
        .schedule(schedule)
}

/// The loss and accuracy of the model `(w, b)` on `set`.
fn loss_and_accuracy(
    set: &Dataset,
    w: &Array1<f64>,
    b: f64,
) -> Result<(f64, f64), ShapeError> {
    let p = predict(&set.x, w, b, Activation::Sigmoid)?;
    let accuracy = Confusion::of(&p, &set.y)?.accuracy();
    Ok((binary_cross_entropy(&p, &set.y)?, accuracy))
}

impl Sweep {
    /// The header of the table `name`: what made it, so that a sweep never
    /// mixes its runs with those of other data or other budgets.
    pub fn header(&self, name: &str) -> String {
        let (fraction, seed) = self.validation;
        format!(
            "# {name} of a batch-size sweep (cargo run --release --bin sweep)\n\
             # data: {}\n\
             # validation: {fraction:?} of the training set, drawn with seed {seed}\n\
             # budget: {} epochs{}\n",
            self.data.describe(),
            self.budget.epochs,
            self.budget
                .steps
                .map_or(String::new(), |s| format!(" and {s} steps"))
        )
    }

    /// `runs.csv`: every run of the grid, measured on validation data.
    pub fn runs_path(&self) -> PathBuf {
        self.out.join("runs.csv")
    }

    /// `chosen.csv`: the chosen settings, trained again and tested.
    pub fn chosen_path(&self) -> PathBuf {
        self.out.join("chosen.csv")
    }

    /// Steps per epoch at `batch_size`.
    pub fn steps_per_epoch(&self, batch_size: usize) -> usize {
        self.data.fit.len().div_ceil(batch_size)
    }

    /// Where a run of `batch_size` is measured.
    pub fn checkpoints(&self, batch_size: usize) -> Vec<usize> {
        self.budget.checkpoints(self.steps_per_epoch(batch_size))
    }

    /// Trains one run and measures it at each checkpoint up to `until` with
    /// `measure`; a run whose loss stops being a number gets an infinite
    /// loss at every checkpoint from there on.
    fn run<R>(
        &self,
        key: RunKey,
        until: usize,
        mut measure: impl FnMut(
            Measurement,
            &Array1<f64>,
            f64,
        ) -> Result<R, ShapeError>,
        diverged: impl Fn(Measurement) -> R,
    ) -> Result<Vec<R>, SweepError> {
        let checkpoints: Vec<usize> = self
            .checkpoints(key.batch_size)
            .into_iter()
            .filter(|&s| s <= until)
            .collect();
        let rows = self.data.fit.len();
        let train_loss_at = self.measures_train_loss(key.batch_size);
        let at = |step: usize| Measurement {
            key,
            step,
            examples: examples(step, key.batch_size, rows),
            train_loss: Some(f64::INFINITY),
            val_loss: f64::INFINITY,
            val_accuracy: f64::NAN,
            last: step == until,
        };
        let mut measured = Vec::new();
        let result = train_with_checkpoints(
            &self.data.fit.x,
            &self.data.fit.y,
            &settings(&key),
            &checkpoints,
            |step, w, b| {
                let row = self.measured(at(step), train_loss_at(step), w, b)?;
                measured.push(measure(row, w, b)?);
                Ok(())
            },
        );
        match result {
            Ok(()) => Ok(measured),
            Err(CheckpointError::Train(TrainError::Diverged { .. })) => {
                let done = measured.len();
                measured.extend(
                    checkpoints[done..].iter().map(|&s| diverged(at(s))),
                );
                Ok(measured)
            }
            Err(CheckpointError::Train(source)) => {
                Err(SweepError::Train { key, source })
            }
            Err(CheckpointError::AtCheckpoint(source)) => {
                Err(SweepError::Shape { key, source })
            }
        }
    }

    /// Whether a run of `batch_size` measures its training loss at a step.
    /// The training loss costs a pass over the samples trained on, so it is
    /// measured only where the report reads it: at the end of each epoch of
    /// the budget, and at the points where the runs are compared.
    fn measures_train_loss(&self, batch_size: usize) -> impl Fn(usize) -> bool {
        let per_epoch = self.steps_per_epoch(batch_size);
        let compared: Vec<usize> = self
            .budget
            .compared()
            .iter()
            .map(|&c| self.budget.point(c, per_epoch))
            .collect();
        let last_epoch = self.budget.epochs * per_epoch;
        move |step| {
            (step % per_epoch == 0 && step <= last_epoch)
                || compared.contains(&step)
        }
    }

    /// `row` with the measurements of the parameters `(w, b)`: the loss and
    /// the accuracy on the validation set, and the training loss if
    /// `train_loss`.
    fn measured(
        &self,
        row: Measurement,
        train_loss: bool,
        w: &Array1<f64>,
        b: f64,
    ) -> Result<Measurement, ShapeError> {
        let fit = &self.data.fit;
        let (loss, sigmoid) = (Loss::BinaryCrossEntropy, Activation::Sigmoid);
        let train_loss = if train_loss {
            Some(loss_at(&fit.x, &fit.y, w, b, loss, sigmoid)?)
        } else {
            None
        };
        let (val_loss, val_accuracy) =
            loss_and_accuracy(&self.data.validation, w, b)?;
        Ok(Measurement {
            train_loss,
            val_loss,
            val_accuracy,
            ..row
        })
    }

    /// Trains every run of the grid that `runs.csv` lacks, `threads` at a
    /// time, appending each as it finishes, and returns every run of the
    /// table. Once the grid is complete the table is rewritten in order.
    pub fn train_grid(
        &self,
        threads: usize,
    ) -> Result<Runs<Measurement>, SweepError> {
        let header = self.header("runs");
        let wanted = self.grid.runs();
        let jobs: Vec<Job<RunKey>> = wanted
            .iter()
            .map(|&key| {
                let until =
                    self.budget.run_steps(self.steps_per_epoch(key.batch_size));
                self.job(key, key.batch_size, until)
            })
            .collect();
        let runs = self.train_all(
            &self.runs_path(),
            &header,
            threads,
            &jobs,
            |key, until| self.run(key, until, |row, _, _| Ok(row), |row| row),
        )?;
        if wanted.iter().all(|k| runs.contains_key(k)) {
            rewrite_sorted(&self.runs_path(), &header, &runs)?;
        }
        Ok(runs)
    }

    /// Trains the chosen settings again up to the point of their comparison,
    /// `threads` at a time: every seed, with the noise scale measured along
    /// the runs of the first seed, and the test set measured once, at the
    /// end. Each chosen run must measure on validation data what `grid`
    /// (the table of the grid's runs) holds for it.
    pub fn train_chosen(
        &self,
        chosen: &[(Compared, RunKey)],
        grid: &Runs<Measurement>,
        threads: usize,
    ) -> Result<Runs<ChosenMeasurement>, SweepError> {
        let header = self.header("chosen");
        let first_seed = self.grid.seeds.first().copied();
        let jobs: Vec<Job<(Compared, RunKey)>> = chosen
            .iter()
            .map(|&(c, key)| {
                let point =
                    self.budget.point(c, self.steps_per_epoch(key.batch_size));
                self.job((c, key), key.batch_size, point)
            })
            .collect();
        let path = self.chosen_path();
        let runs = self.train_all(
            &path,
            &header,
            threads,
            &jobs,
            |(compared, key): (Compared, RunKey), until| {
                let with_noise = Some(key.seed) == first_seed;
                let rows = self.run(
                    key,
                    until,
                    |at, w, b| {
                        self.chosen_measured(compared, at, w, b, with_noise)
                    },
                    |at| ChosenMeasurement {
                        compared,
                        at,
                        noise: None,
                        test: None,
                    },
                )?;
                check_reproduced(grid, &rows)?;
                Ok(rows)
            },
        )?;
        if jobs.iter().all(|job| runs.contains_key(&job.key)) {
            rewrite_sorted(&path, &header, &runs)?;
        }
        Ok(runs)
    }

    /// What a chosen run measures at a checkpoint beyond `at`: the noise
    /// scale on the training set if `with_noise`, and at the last
    /// checkpoint the loss and accuracy on the test set.
    fn chosen_measured(
        &self,
        compared: Compared,
        at: Measurement,
        w: &Array1<f64>,
        b: f64,
        with_noise: bool,
    ) -> Result<ChosenMeasurement, ShapeError> {
        let (x, y) = (&self.data.fit.x, &self.data.fit.y);
        let noise = if with_noise {
            let p = predict(x, w, b, Activation::Sigmoid)?;
            let s = noise_scale(x, &(p - y))?;
            Some((s.trace, s.gradient_norm_sq))
        } else {
            None
        };
        let test = if at.last {
            Some(loss_and_accuracy(&self.data.test, w, b)?)
        } else {
            None
        };
        Ok(ChosenMeasurement {
            compared,
            at,
            noise,
            test,
        })
    }

    /// A run to train up to step `until`.
    fn job<K>(&self, key: K, batch_size: usize, until: usize) -> Job<K> {
        let rows = self.data.fit.len();
        Job {
            key,
            until,
            work: examples(until, batch_size, rows) as u64,
        }
    }

    /// Opens the table at `path` and trains the `jobs` that it lacks, with
    /// `train`, on `threads` threads, showing a progress bar on a terminal.
    fn train_all<R: Record + Send>(
        &self,
        path: &Path,
        header: &str,
        threads: usize,
        jobs: &[Job<R::Key>],
        train: impl Fn(R::Key, usize) -> Result<Vec<R>, SweepError> + Sync,
    ) -> Result<Runs<R>, SweepError>
    where
        R::Key: Send + Sync,
    {
        let (table, mut runs) = Table::open::<R>(path, header)?;
        let mut pending: Vec<&Job<R::Key>> =
            jobs.iter().filter(|j| !runs.contains_key(&j.key)).collect();
        // The longest first, so that no core is left with a long run at the
        // end while the other idles.
        pending.sort_by_key(|j| std::cmp::Reverse(j.work));
        if pending.is_empty() {
            return Ok(runs);
        }
        let total = pending.iter().map(|j| j.work).sum();
        let bar = progress_bar(total, path, pending.len());
        let table = Mutex::new((table, Vec::new()));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| SweepError::Threads {
                threads,
                message: e.to_string(),
            })?;
        let result = pool.install(|| {
            pending.par_iter().try_for_each(|job| {
                let rows = train(job.key, job.until)?;
                let mut guard = table.lock().unwrap_or_else(|e| e.into_inner());
                let (table, finished) = &mut *guard;
                table.append(&rows)?;
                finished.push((job.key, rows));
                bar.inc(job.work);
                Ok::<(), SweepError>(())
            })
        });
        bar.finish_and_clear();
        let (_, finished) =
            table.into_inner().unwrap_or_else(|e| e.into_inner());
        runs.extend(finished);
        result.map(|()| runs)
    }
}

/// A run to train: its key, the step it lasts until, and its work (the
/// examples it trains on) for the progress bar.
#[derive(Debug, Clone, Copy)]
struct Job<K> {
    key: K,
    until: usize,
    work: u64,
}

/// A bar on standard error, when it is a terminal, over `work` units of
/// work for `runs` runs written to `path`.
fn progress_bar(work: u64, path: &Path, runs: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(work);
    let style = ProgressStyle::with_template(&format!(
        "{{bar:40}} {{percent}}% of {runs} runs into {}, {{elapsed}} elapsed, about {{eta}} left",
        path.display()
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Checks that a chosen run measured on validation data what the grid's run
/// of the same settings measured.
fn check_reproduced(
    grid: &Runs<Measurement>,
    rows: &[ChosenMeasurement],
) -> Result<(), SweepError> {
    for row in rows {
        let before = grid
            .get(&row.at.key)
            .and_then(|r| r.iter().find(|m| m.step == row.at.step));
        if let Some(before) = before {
            // The table keeps seven digits: compare what it would write.
            let written = |v: f64| format!("{v:.6e}");
            if written(before.val_loss) != written(row.at.val_loss) {
                return Err(SweepError::NotReproduced {
                    key: row.at.key,
                    step: row.at.step,
                    now: row.at.val_loss,
                    before: before.val_loss,
                });
            }
        }
    }
    Ok(())
}
