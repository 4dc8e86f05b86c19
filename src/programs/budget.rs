//! The memory a run will hold, known before it allocates, and the budget it
//! must fit in.
//!
//! Reading an IDX file costs what its header declares, at most 1 GiB
//! ([`MAX_DATA_BYTES`](crate::data::MAX_DATA_BYTES)), but a program holds
//! more than the files: the images of the two classes copied out of them,
//! widened to `f64` (8 bytes a pixel), and, for `gradient_descent`, a
//! shuffled copy of the training matrix every epoch. So a 5 MB gzip file
//! whose header declares a million images of zeros would ask for gigabytes.
//! Each program therefore works out, from the headers and then the labels
//! (a byte an image, small next to the images), the most its run will hold:
//!
//! 1. the files' data, as their headers declare it ([`Declared`]), checked
//!    against the budget before anything is read;
//! 2. how many images of the two classes the label files hold (at most
//!    `--limit` of each set), the labels having been read within the budget;
//! 3. what the trainer keeps of each of those images ([`Keeps`], which the
//!    program passes for the trainer it runs), and a loss per epoch;
//!
//! and refuses a run whose total passes the budget ([`Budget::check`]), in a
//! message that names the need, its parts and the ways out. The budget is
//! [`DEFAULT_BUDGET`], 2 GiB, unless `--max-memory` raises it.

use std::fmt;
use std::path::Path;

use thiserror::Error;

use crate::data::read::{read_idx_dims, read_idx_file};
use crate::data::{DataError, IMAGES_MAGIC, IdxFiles, LABELS_MAGIC};

/// The memory a run may hold unless told otherwise: 2 GiB, what a laptop of
/// 8 GB can spare. Every default run of the programs needs less than half.
pub const DEFAULT_BUDGET: u64 = 2 << 30;

/// What a program keeps of each image of the two classes, in bytes at the
/// run's peak: it passes the one of the trainer (or other work) it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keeps {
    /// How it keeps a training image, for the message.
    pub train: &'static str,
    /// Bytes per pixel of a training image.
    pub train_pixel: u64,
    /// How it keeps a held-out image (test or validation set).
    pub held_out: &'static str,
    /// Bytes per pixel of a held-out image.
    pub held_out_pixel: u64,
    /// Bytes per image of either set besides its pixels: a target, an
    /// order, predictions, 8 bytes each.
    pub per_image: u64,
}

impl Keeps {
    /// `gradient_descent` on an `f64` matrix: per training pixel the byte
    /// copied out of the file, its `f64` (8) and the shuffled copy of the
    /// matrix every epoch makes (8); per held-out pixel the byte and its
    /// `f64`.
    pub const GRADIENT_DESCENT: Self = Self {
        train: "in f64, and shuffled into a copy each epoch",
        train_pixel: 1 + 8 + 8,
        held_out: "in f64",
        held_out_pixel: 1 + 8,
        per_image: 9 * 8,
    };

    /// The engine on bytes: per training pixel the byte copied out of the
    /// file and the engine's own copy; per held-out pixel those and its
    /// `f64`.
    pub const ENGINE_BYTES: Self = Self {
        train: "as bytes",
        train_pixel: 1 + 1,
        held_out: "in f64",
        held_out_pixel: 1 + 1 + 8,
        per_image: 9 * 8,
    };

    /// [`Keeps::ENGINE_BYTES`] with an `f64` copy of the training images
    /// besides (to measure their noise scale).
    pub const ENGINE_BYTES_AND_F64: Self = Self {
        train: "as bytes and in f64",
        train_pixel: Self::ENGINE_BYTES.train_pixel + 8,
        ..Self::ENGINE_BYTES
    };

    /// `epoch_times`: at the ladder's peak, the training images as the
    /// engine keeps them (2 bytes) and in `f64` three times (ordinary, a
    /// copy on its way into 2 MB pages, and those pages); the test images
    /// as the engine keeps them.
    pub const EPOCH_TIMES: Self = Self {
        train: "as bytes and in f64 three times",
        train_pixel: 2 + 8 + 8 + 8,
        ..Self::ENGINE_BYTES
    };

    /// `mnist_subset`: each image of the two classes copied out of the
    /// file, encoded as IDX and gzip-compressed (3 bytes a pixel); a label
    /// and a row number of 8 bytes.
    pub const SUBSET: Self = Self {
        train: "copied, encoded and compressed",
        train_pixel: 3,
        held_out: "copied, encoded and compressed",
        held_out_pixel: 3,
        per_image: 3 + 8,
    };
}

/// The sizes an image file and its label file declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    /// Images the image file declares.
    pub images: usize,
    /// Pixels per image.
    pub pixels: usize,
    /// Labels the label file declares.
    pub labels: usize,
}

impl Declared {
    /// Reads the headers of `images` and `labels`, nothing more.
    pub fn read(images: &Path, labels: &Path) -> Result<Self, DataError> {
        let dims = read_idx_dims(images, IMAGES_MAGIC)?;
        let labels = read_idx_dims(labels, LABELS_MAGIC)?;
        Ok(Self {
            images: dims[0],
            pixels: dims[1] * dims[2],
            labels: labels[0],
        })
    }

    /// The bytes of data the two files hold: what reading them holds.
    pub fn file_bytes(&self) -> u64 {
        (self.images as u64) * (self.pixels as u64) + self.labels as u64
    }
}

/// The memory of the program itself, its buffers and its allocator's slack,
/// whatever its data: 16 MiB (a run on ten images peaks at 15 MB).
pub const PROGRAM: u64 = 16 << 20;

/// What a run holds at its peak, part by part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Need {
    parts: Vec<(String, u64)>,
}

impl Need {
    /// The memory of the program itself ([`PROGRAM`]), before any data.
    pub fn new() -> Self {
        Self::default().and("the program", PROGRAM)
    }

    /// The need with one more part, `what`, of `bytes`.
    pub fn and(mut self, what: impl Into<String>, bytes: u64) -> Self {
        self.parts.push((what.into(), bytes));
        self
    }

    /// The whole need, in bytes (at most `u64::MAX`).
    pub fn total(&self) -> u64 {
        self.parts
            .iter()
            .fold(0u64, |total, (_, bytes)| total.saturating_add(*bytes))
    }
}

/// A number of bytes as the messages write it, rounded up: in whole MiB
/// below 1 GiB, else in GiB with two decimals (so that a need above the
/// budget never reads as equal to it).
struct Size(u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MIB: f64 = (1u64 << 20) as f64;
        const GIB: f64 = (1u64 << 30) as f64;
        let bytes = self.0 as f64;
        if bytes < GIB {
            write!(f, "{:.0} MiB", (bytes / MIB).ceil())
        } else {
            write!(f, "{:.2} GiB", (bytes / GIB * 100.0).ceil() / 100.0)
        }
    }
}

/// A run that needs more memory than its budget.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "this run would hold up to {} of memory ({}), more than its budget of {}: {}raise the \
     budget with --max-memory {}GiB if the machine has that much",
    Size(need.total()),
    need.parts.iter().map(|(what, bytes)| format!("{what}: {}", Size(*bytes))).collect::<Vec<_>>().join("; "),
    Size(*budget),
    ways_out.iter().map(|w| format!("{w}, or ")).collect::<String>(),
    need.total().div_ceil(1 << 30)
)]
pub struct OverBudget {
    /// What the run would hold.
    pub need: Need,
    /// The budget.
    pub budget: u64,
    /// The program's other ways to need less, such as "pass --limit N".
    pub ways_out: Vec<String>,
}

/// Why a run was not started: its files could not be sized, or it needs
/// more memory than its budget.
#[derive(Debug, Error)]
pub enum BudgetError {
    /// A header or label file could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The run needs more than the budget.
    #[error(transparent)]
    Over(#[from] OverBudget),
}

/// The memory a run may hold, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget(pub u64);

impl Default for Budget {
    fn default() -> Self {
        Self(DEFAULT_BUDGET)
    }
}

impl Budget {
    /// Refuses `need` if it passes the budget; `ways_out` are the program's
    /// other ways to need less ("pass --limit N for fewer images").
    pub fn check(
        &self,
        need: Need,
        ways_out: &[&str],
    ) -> Result<(), OverBudget> {
        if need.total() <= self.0 {
            return Ok(());
        }
        Err(OverBudget {
            need,
            budget: self.0,
            ways_out: ways_out.iter().map(|w| w.to_string()).collect(),
        })
    }

    /// Checks, before the images are read, that training on `files` as
    /// `run` says fits the budget with the trainer that `keeps` so much of
    /// each image; `ways_out` as for [`Budget::check`]. Reads the four
    /// headers, then (within the budget) the label files of the sets the
    /// run reads.
    pub fn check_run(
        &self,
        files: &IdxFiles,
        run: &Run,
        keeps: Keeps,
        ways_out: &[&str],
    ) -> Result<(), BudgetError> {
        let [train_images, train_labels, test_images, test_labels] =
            &files.paths;
        let mut sets =
            vec![(Declared::read(train_images, train_labels)?, train_labels)];
        if run.held_out == HeldOut::TestFiles {
            sets.push((Declared::read(test_images, test_labels)?, test_labels));
        }
        let file_bytes =
            sets.iter().map(|(declared, _)| declared.file_bytes()).sum();
        let mut need = Need::new().and("the files' data", file_bytes);
        // Fewer images or another trainer would not read less of the files.
        self.check(need.clone(), &[])?;
        for (i, (declared, labels)) in sets.iter().enumerate() {
            let images = kept(labels, run.classes, run.limit, declared.images)?;
            let (name, pixel) = match (i, run.held_out) {
                (0, HeldOut::TestFiles | HeldOut::None) => (
                    format!("training images {}", keeps.train),
                    keeps.train_pixel,
                ),
                (0, HeldOut::FromTraining) => (
                    format!(
                        "training images {}, or held out {}",
                        keeps.train, keeps.held_out
                    ),
                    keeps.train_pixel + keeps.held_out_pixel,
                ),
                _ => (
                    format!("test images {}", keeps.held_out),
                    keeps.held_out_pixel,
                ),
            };
            let bytes = (images as u64).saturating_mul(
                (declared.pixels as u64)
                    .saturating_mul(pixel)
                    .saturating_add(keeps.per_image),
            );
            need = need.and(
                format!("{images} {name}, {} pixels each", declared.pixels),
                bytes,
            );
        }
        if run.epochs > 0 {
            let losses = (run.epochs as u64).saturating_mul(8);
            need = need.and("a loss per epoch", losses);
        }
        Ok(self.check(need, ways_out)?)
    }
}

/// A training run, as far as its memory goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// The two classes it keeps.
    pub classes: (u8, u8),
    /// At most this many images of them from each set.
    pub limit: Option<usize>,
    /// Where its held-out images come from.
    pub held_out: HeldOut,
    /// How many epochs it trains (0 if it does not train).
    pub epochs: usize,
}

/// Where a run's held-out images come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldOut {
    /// The test files.
    TestFiles,
    /// The training files (a validation split, `--blog`'s split): then any
    /// training image may be held out, and is counted as both.
    FromTraining,
    /// Nowhere: only the training files are read.
    None,
}

/// How many images of `classes` the label file `labels` holds, at most
/// `limit` and at most the `images` the image file declares.
fn kept(
    labels: &Path,
    (a, b): (u8, u8),
    limit: Option<usize>,
    images: usize,
) -> Result<usize, DataError> {
    let labels = read_idx_file(labels, LABELS_MAGIC)?.data;
    let count = labels.iter().filter(|&&l| l == a || l == b).count();
    Ok(count.min(limit.unwrap_or(usize::MAX)).min(images))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_mib_then_gib() {
        assert_eq!(Size(1).to_string(), "1 MiB");
        assert_eq!(Size(104_857_600).to_string(), "100 MiB");
        assert_eq!(Size(DEFAULT_BUDGET).to_string(), "2.00 GiB");
        assert_eq!(Size(DEFAULT_BUDGET + 1).to_string(), "2.01 GiB");
        assert_eq!(Size(3 << 29).to_string(), "1.50 GiB");
    }

    #[test]
    fn a_need_within_the_budget_passes_and_one_above_names_its_parts() {
        let budget = Budget(1 << 30);
        let small = Need::new().and("the files' data", 1 << 20);
        assert_eq!(budget.check(small, &[]), Ok(()));
        let large = Need::new()
            .and("the files' data", 1 << 30)
            .and("60000 training images", 3 << 30);
        let error = budget
            .check(large, &["pass --limit N for fewer images"])
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "this run would hold up to 4.02 GiB of memory (the program: 16 MiB; the files' \
             data: 1.00 GiB; 60000 training images: 3.00 GiB), more than its budget of 1.00 GiB: \
             pass --limit N for fewer images, or raise the budget with --max-memory 5GiB if the \
             machine has that much"
        );
    }

    #[test]
    fn a_need_past_u64_saturates_rather_than_wrapping() {
        let need = Need::new().and("a", u64::MAX).and("b", 1);
        assert_eq!(need.total(), u64::MAX);
        assert!(Budget(DEFAULT_BUDGET).check(need, &[]).is_err());
    }
}
