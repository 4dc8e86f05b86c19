//! The sweep's tables: CSV files with a header that says what made them,
//! written so that an interrupted sweep loses nothing it finished.
//!
//! A table holds one block of rows per run; the last row of a block is
//! marked `last = 1`. A finished run's block is appended with one write and
//! flushed to disk before the next one starts, so a sweep stopped at any
//! moment leaves every finished run in the file, and at most the block being
//! written cut short. Opening the table again reads the finished runs, cuts
//! off such a partial block, and the sweep runs only what is missing. Once
//! every run of the grid is in, the table is rewritten in a fixed order (by
//! batch size, learning rate, decay and seed), so that the same sweep always
//! leaves the same bytes, however its runs were spread over the cores.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::grid::{Compared, RunKey};
use crate::programs::output::write_atomically;

/// Why a table cannot be used.
#[derive(Debug, Error)]
pub enum TableError {
    /// The file cannot be read, appended to or replaced.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// There is no table to report on.
    #[error(
        "there is no table {}: run the sweep without --report to train it",
        path.display()
    )]
    Missing { path: PathBuf },
    /// The file was made by a sweep with other data or other budgets.
    #[error(
        "{} was made by another sweep: its header says {found:?} where this \
         one has {expected:?}; give another --out folder, or delete the file \
         to start again",
        path.display()
    )]
    OtherSweep {
        path: PathBuf,
        found: String,
        expected: String,
    },
    /// A line that is not a row of this table.
    #[error(
        "{}, line {line}: {problem}; the file is damaged: delete it to run \
         the sweep again",
        path.display()
    )]
    Malformed {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    /// A run that the report needs is not in the table.
    #[error(
        "{}: {missing} of the grid's runs are not in the table (the first: \
         {first}); run the sweep without --report to train them",
        path.display()
    )]
    Incomplete {
        path: PathBuf,
        missing: usize,
        first: String,
    },
}

/// One row of a table.
pub trait Record: Sized + Clone {
    /// What tells one run's block from another's.
    type Key: Ord + Copy + std::fmt::Debug;
    /// The column names, comma-separated.
    const COLUMNS: &'static str;
    /// The run the row belongs to.
    fn key(&self) -> Self::Key;
    /// Whether this is the run's last row.
    fn is_last(&self) -> bool;
    /// The row as CSV fields, without a line break.
    fn to_csv(&self) -> String;
    /// A row from its fields, or what is wrong with them.
    fn from_csv(fields: &[&str]) -> Result<Self, String>;
}

/// The finished runs of a table, each with its rows in order.
pub type Runs<R> = BTreeMap<<R as Record>::Key, Vec<R>>;

/// A table open for appending finished runs.
#[derive(Debug)]
pub struct Table {
    path: PathBuf,
    file: File,
}

impl Table {
    /// Opens the table at `path` for a sweep whose header is `header` (lines
    /// starting with `#`): creates it if it is missing, and otherwise checks
    /// that its header is this one, reads its finished runs and cuts off a
    /// block that an interruption left unfinished.
    pub fn open<R: Record>(
        path: &Path,
        header: &str,
    ) -> Result<(Self, Runs<R>), TableError> {
        let io_error = |source| TableError::Io {
            path: path.to_path_buf(),
            source,
        };
        let runs = if path.exists() {
            let (runs, complete_bytes) = read_checked::<R>(path, header)?;
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io_error)?;
            file.set_len(complete_bytes as u64).map_err(io_error)?;
            runs
        } else {
            let text = format!("{header}{}\n", R::COLUMNS);
            write_atomically(path, text.as_bytes()).map_err(io_error)?;
            Runs::<R>::new()
        };
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(io_error)?;
        Ok((
            Self {
                path: path.to_path_buf(),
                file,
            },
            runs,
        ))
    }

    /// Appends one finished run's rows with a single write, and flushes them
    /// to disk.
    pub fn append<R: Record>(&mut self, rows: &[R]) -> Result<(), TableError> {
        let mut text = String::new();
        for row in rows {
            text.push_str(&row.to_csv());
            text.push('\n');
        }
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|source| TableError::Io {
                path: self.path.clone(),
                source,
            })
    }
}

/// Rewrites the table at `path` with `header` and `runs`, in key order,
/// replacing the file only once the new one is complete.
pub fn rewrite_sorted<R: Record>(
    path: &Path,
    header: &str,
    runs: &Runs<R>,
) -> Result<(), TableError> {
    let mut text = format!("{header}{}\n", R::COLUMNS);
    for row in runs.values().flatten() {
        text.push_str(&row.to_csv());
        text.push('\n');
    }
    write_atomically(path, text.as_bytes()).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads the finished runs of the table at `path`, whose header must be
/// `header`.
pub fn read<R: Record>(
    path: &Path,
    header: &str,
) -> Result<Runs<R>, TableError> {
    read_checked(path, header).map(|(runs, _)| runs)
}

/// [`read`], and how many bytes from the start hold the header and the
/// finished runs.
fn read_checked<R: Record>(
    path: &Path,
    header: &str,
) -> Result<(Runs<R>, usize), TableError> {
    let text = read_text(path)?;
    let malformed = |line: usize, problem: String| TableError::Malformed {
        path: path.to_path_buf(),
        line,
        problem,
    };
    let mut lines = text.split_inclusive('\n').enumerate();
    let mut offset = read_header(path, header, R::COLUMNS, &mut lines)?;
    let (mut runs, mut block, mut complete) =
        (Runs::<R>::new(), Vec::new(), offset);
    for (index, line) in lines {
        let Some(line) = line.strip_suffix('\n') else {
            break; // cut short by an interruption
        };
        let fields: Vec<&str> = line.split(',').collect();
        let row = R::from_csv(&fields).map_err(|p| malformed(index + 1, p))?;
        if block.last().is_some_and(|r: &R| r.key() != row.key()) {
            return Err(malformed(
                index + 1,
                "a row of another run before the last one ended".to_string(),
            ));
        }
        offset += line.len() + 1;
        let last = row.is_last();
        block.push(row);
        if last {
            let key = block[0].key();
            if runs.insert(key, std::mem::take(&mut block)).is_some() {
                return Err(malformed(
                    index + 1,
                    format!("the run {key:?} appears twice"),
                ));
            }
            complete = offset;
        }
    }
    Ok((runs, complete))
}

/// The text of the table at `path`.
fn read_text(path: &Path) -> Result<String, TableError> {
    if !path.exists() {
        return Err(TableError::Missing {
            path: path.to_path_buf(),
        });
    }
    std::fs::read_to_string(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads the table's first lines off `lines`, which must be `header`'s
/// lines and then `columns`, and returns how many bytes they take. A table
/// that starts otherwise belongs to another sweep.
fn read_header<'a>(
    path: &Path,
    header: &str,
    columns: &str,
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
) -> Result<usize, TableError> {
    let mut length = 0;
    for want in header.lines().chain([columns]) {
        let found = lines.next().map_or("", |(_, l)| l);
        if found.trim_end_matches('\n') != want {
            return Err(TableError::OtherSweep {
                path: path.to_path_buf(),
                found: found.trim_end().to_string(),
                expected: want.to_string(),
            });
        }
        length += found.len();
    }
    Ok(length)
}

/// The runs of `wanted` that `runs` lacks, as an error naming the first.
pub fn require_all<R: Record>(
    path: &Path,
    runs: &Runs<R>,
    wanted: &[R::Key],
) -> Result<(), TableError> {
    let missing: Vec<&R::Key> =
        wanted.iter().filter(|k| !runs.contains_key(k)).collect();
    match missing.first() {
        None => Ok(()),
        Some(first) => Err(TableError::Incomplete {
            path: path.to_path_buf(),
            missing: missing.len(),
            first: format!("{first:?}"),
        }),
    }
}

/// A measured number as a table writes it: seven significant digits, enough
/// for every comparison the report makes.
fn number(v: f64) -> String {
    format!("{v:.6e}")
}

/// Parses field `i` of `fields`, named `name`.
fn field<T: std::str::FromStr>(
    fields: &[&str],
    i: usize,
    name: &str,
) -> Result<T, String> {
    let text = fields.get(i).copied().unwrap_or("");
    text.parse()
        .map_err(|_| format!("{name} is {text:?}, not a number"))
}

/// Parses an optional field: empty is `None`.
fn optional(
    fields: &[&str],
    i: usize,
    name: &str,
) -> Result<Option<f64>, String> {
    match fields.get(i).copied() {
        Some("") => Ok(None),
        _ => field(fields, i, name).map(Some),
    }
}

/// Checks the number of fields.
fn count(fields: &[&str], columns: &str) -> Result<(), String> {
    let wanted = columns.split(',').count();
    if fields.len() == wanted {
        Ok(())
    } else {
        Err(format!(
            "{} fields where a row has {wanted} ({columns})",
            fields.len()
        ))
    }
}

/// What a run measured at one checkpoint, on the training samples and the
/// validation set: a row of `runs.csv`. It holds no test measurement, so
/// nothing chosen from it can have looked at the test set.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The run.
    pub key: RunKey,
    /// Steps made so far.
    pub step: usize,
    /// Training examples used so far.
    pub examples: usize,
    /// The loss on the samples trained on, measured at the end of each of
    /// the first epochs of the budget and at the points of comparison only.
    pub train_loss: Option<f64>,
    /// The loss on the validation set.
    pub val_loss: f64,
    /// The accuracy on the validation set.
    pub val_accuracy: f64,
    /// Whether this is the run's last row.
    pub last: bool,
}

/// The key fields of a row: batch size, learning rate, decay, seed.
fn key_csv(key: &RunKey) -> String {
    format!(
        "{},{:?},{:?},{}",
        key.batch_size, key.lr, key.decay, key.seed
    )
}

/// The key fields from `fields[at..at + 4]`.
fn key_from(fields: &[&str], at: usize) -> Result<RunKey, String> {
    Ok(RunKey {
        batch_size: field(fields, at, "batch_size")?,
        lr: field(fields, at + 1, "lr")?,
        decay: field(fields, at + 2, "decay")?,
        seed: field(fields, at + 3, "seed")?,
    })
}

impl Measurement {
    fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{}",
            self.step,
            self.examples,
            self.train_loss.map_or(String::new(), number),
            number(self.val_loss),
            number(self.val_accuracy),
            u8::from(self.last)
        )
    }

    fn from_fields(key: RunKey, f: &[&str], at: usize) -> Result<Self, String> {
        Ok(Self {
            key,
            step: field(f, at, "step")?,
            examples: field(f, at + 1, "examples")?,
            train_loss: optional(f, at + 2, "train_loss")?,
            val_loss: field(f, at + 3, "val_loss")?,
            val_accuracy: field(f, at + 4, "val_accuracy")?,
            last: match f.get(at + 5).copied() {
                Some("1") => true,
                Some("0") => false,
                other => return Err(format!("last is {other:?}, not 0 or 1")),
            },
        })
    }
}

impl Record for Measurement {
    type Key = RunKey;
    const COLUMNS: &'static str = "batch_size,lr,decay,seed,step,examples,\
train_loss,val_loss,val_accuracy,last";

    fn key(&self) -> RunKey {
        self.key
    }

    fn is_last(&self) -> bool {
        self.last
    }

    fn to_csv(&self) -> String {
        format!("{},{}", key_csv(&self.key), self.csv())
    }

    fn from_csv(fields: &[&str]) -> Result<Self, String> {
        count(fields, Self::COLUMNS)?;
        Self::from_fields(key_from(fields, 0)?, fields, 4)
    }
}

/// A row of `chosen.csv`: a run at settings chosen on the validation set,
/// rerun up to the point of its comparison, with the gradient noise scale
/// at its checkpoints (in the runs of the first seed) and, at the end only,
/// the test set's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenMeasurement {
    /// The comparison the settings were chosen for.
    pub compared: Compared,
    /// What the run measured, as in `runs.csv`.
    pub at: Measurement,
    /// `tr(Σ)` and `|G|²` on the samples trained on.
    pub noise: Option<(f64, f64)>,
    /// Loss and accuracy on the test set, in the last row only.
    pub test: Option<(f64, f64)>,
}

impl Record for ChosenMeasurement {
    type Key = (Compared, RunKey);
    const COLUMNS: &'static str = "compared,batch_size,lr,decay,seed,step,\
examples,train_loss,val_loss,val_accuracy,last,noise_trace,\
noise_gradient_sq,test_loss,test_accuracy";

    fn key(&self) -> (Compared, RunKey) {
        (self.compared, self.at.key)
    }

    fn is_last(&self) -> bool {
        self.at.last
    }

    fn to_csv(&self) -> String {
        let pair = |p: Option<(f64, f64)>| {
            p.map_or(",".to_string(), |(a, b)| {
                format!("{},{}", number(a), number(b))
            })
        };
        format!(
            "{},{},{},{},{}",
            self.compared,
            key_csv(&self.at.key),
            self.at.csv(),
            pair(self.noise),
            pair(self.test)
        )
    }

    fn from_csv(fields: &[&str]) -> Result<Self, String> {
        count(fields, Self::COLUMNS)?;
        let compared = Compared::from_name(fields[0]).ok_or_else(|| {
            format!("compared is {:?}, not epochs or steps", fields[0])
        })?;
        let at = Measurement::from_fields(key_from(fields, 1)?, fields, 5)?;
        let pair = |i: usize, a: &str, b: &str| -> Result<_, String> {
            Ok(
                match (optional(fields, i, a)?, optional(fields, i + 1, b)?) {
                    (Some(x), Some(y)) => Some((x, y)),
                    (None, None) => None,
                    _ => return Err(format!("{a} and {b} must both be given")),
                },
            )
        };
        Ok(Self {
            compared,
            at,
            noise: pair(11, "noise_trace", "noise_gradient_sq")?,
            test: pair(13, "test_loss", "test_accuracy")?,
        })
    }
}
