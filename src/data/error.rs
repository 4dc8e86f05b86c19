//! What can go wrong while loading a data set ([`DataError`]), and what an
//! error is about: a setting a program takes ([`Setting`]) or a part of
//! the data ([`Part`]).

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

use super::idx::{
    IdxError, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS,
};

/// Everything that can go wrong while loading a data set, each naming the
/// file or the setting. The messages speak of data, not of a program's
/// flags: a program names its flag for the [`Setting`] an error is about.
#[derive(Debug, Error)]
pub enum DataError {
    /// The data directory does not exist.
    #[error(
        "data directory {0} does not exist: name a directory that holds the four IDX files"
    )]
    MissingDir(PathBuf),
    /// The data directory is a file.
    #[error(
        "{0} is a file, not a directory: name a directory that holds the four IDX files"
    )]
    NotADirectory(PathBuf),
    /// One of the four files is not in the directory.
    #[error(
        "{dir}: no file {name} or {name}.gz: a data directory holds {TRAIN_IMAGES}, {TRAIN_LABELS}, \
         {TEST_IMAGES} and {TEST_LABELS}, each raw or gzip-compressed"
    )]
    MissingFile { dir: PathBuf, name: &'static str },
    /// An entry named like a data file is not a regular file.
    #[error(
        "{path} is a {kind}, not a regular file: put the IDX file itself under that name"
    )]
    NotAFile { path: PathBuf, kind: &'static str },
    /// A symbolic link named like a data file leads nowhere.
    #[error(
        "{path} is a symbolic link that leads to no file ({source}): point it at the IDX file, or put the file there"
    )]
    BrokenLink {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file exists but cannot be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file starts like gzip data but does not decompress.
    #[error(
        "{path}: damaged gzip data ({source}): the file is corrupt or cut short: replace it with a good copy"
    )]
    Gzip {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The decompressed content does not have the expected SHA-256.
    #[error(
        "{path}: the SHA-256 of its content is {found}, expected {expected}: the file is damaged or not the right one"
    )]
    Checksum {
        path: PathBuf,
        found: String,
        expected: String,
    },
    /// Images of zero pixels.
    #[error(
        "{path}: the images are {rows}×{cols} pixels: an image needs at least one pixel to train on"
    )]
    NoPixels {
        path: PathBuf,
        rows: usize,
        cols: usize,
    },
    /// The file's content is not a valid IDX file of the expected kind.
    #[error("{path}: {source}")]
    Format { path: PathBuf, source: IdxError },
    /// An image file and its label file disagree on the number of samples.
    #[error(
        "{images} holds {image_count} images but {labels} holds {label_count} labels: they must pair up one to one"
    )]
    CountMismatch {
        images: PathBuf,
        image_count: usize,
        labels: PathBuf,
        label_count: usize,
    },
    /// A requested class does not occur.
    #[error(
        "class {class} has no samples in the {split} set ({path}): pick classes that occur in the labels"
    )]
    EmptyClass {
        class: u8,
        split: Part,
        path: PathBuf,
    },
    /// Both classes of a binary task are the same.
    #[error(
        "the two classes must differ, got {0} twice: pick two different labels, such as 0 and 1"
    )]
    SameClasses(u8),
    /// The limit cuts a class off entirely.
    #[error(
        "class {class} has no samples among the first {limit} images of the two classes in the {split} set: raise the limit"
    )]
    LimitedAway {
        class: u8,
        limit: usize,
        split: Part,
    },
    /// A validation fraction outside (0, 1).
    #[error(
        "the validation fraction must lie strictly between 0 and 1, got {0:?}: \
         hold out a share of the training set such as 0.2"
    )]
    ValidationFraction(f64),
    /// A validation split that leaves one side without a class.
    #[error(
        "holding out {fraction:?} of the training set leaves the {part} set \
         with no sample of class {class}: change the fraction (or the seed)"
    )]
    SplitLacksClass {
        class: u8,
        part: Part,
        fraction: f64,
    },
    /// A limit of zero samples.
    #[error("the limit is 0: keep at least 1 sample, or set no limit")]
    ZeroLimit,
}

/// What a [`DataError`] can be about besides a file's content: a setting of
/// the reading, which a program names by its own flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The directory of the four IDX files.
    Dir,
    /// The two classes to tell apart.
    Classes,
    /// How many images of the classes to keep.
    Limit,
    /// The share of the training set held out for validation.
    Validation,
}

impl DataError {
    /// The setting this error is about, if it is about one.
    pub fn setting(&self) -> Option<Setting> {
        match self {
            Self::MissingDir(_)
            | Self::NotADirectory(_)
            | Self::MissingFile { .. } => Some(Setting::Dir),
            Self::EmptyClass { .. } | Self::SameClasses(_) => {
                Some(Setting::Classes)
            }
            Self::LimitedAway { .. } | Self::ZeroLimit => Some(Setting::Limit),
            Self::ValidationFraction(_) | Self::SplitLacksClass { .. } => {
                Some(Setting::Validation)
            }
            _ => None,
        }
    }
}

/// The two parts of a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The training set (`train-*` files).
    Train,
    /// The test set (`t10k-*` files).
    Test,
    /// The share of the training set held out to choose settings on.
    Validation,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Train => "training",
            Self::Test => "test",
            Self::Validation => "validation",
        })
    }
}
