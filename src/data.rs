//! Data: reading MNIST-style IDX files and turning two of their classes into a binary task.
//!
//! # Why not the `mnist` crate
//!
//! The `mnist` crate (0.6) reads only uncompressed files with fixed names, insists on the
//! counts of the full data set (60,000 / 10,000), and panics on a bad file. We ship a
//! gzip-compressed subset of MNIST, want any directory of IDX files to work (the full
//! MNIST, Fashion-MNIST, a subset), and promise a clear error instead of a panic for every
//! bad file. The IDX format is small enough that a reader which checks everything is
//! shorter than the workarounds: [`parse_idx`] below.
//!
//! # The IDX format
//!
//! A 4-byte magic number `0x00 0x00 0x08 k` (`0x08`: unsigned bytes; `k`: the number of
//! dimensions), then `k` big-endian `u32` sizes, then the product of the sizes in bytes,
//! row-major. Images are `k = 3` (count, rows, columns; magic 2051), labels `k = 1`
//! (count; magic 2049).

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use ndarray::{Array1, Array2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use crate::memory;
use crate::normalize::Normalization;

/// The standard file names of the four IDX files; each may also carry a `.gz` suffix.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// See [`TRAIN_IMAGES`].
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// See [`TRAIN_IMAGES`].
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// See [`TRAIN_IMAGES`].
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// The magic number of an IDX file of unsigned bytes with three dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// The magic number of an IDX file of unsigned bytes with one dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// What is wrong with the bytes of an IDX file, independent of where they came from.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdxError {
    /// Fewer bytes than the header needs.
    #[error("too short for an IDX header: {found} bytes, the header needs {needed}")]
    ShortHeader { found: usize, needed: usize },
    /// The magic number is not the one of the expected kind of file.
    #[error(
        "wrong magic number {found:#010x}, expected {expected:#010x} for IDX {kind}: is this the right file?"
    )]
    Magic {
        found: u32,
        expected: u32,
        kind: &'static str,
    },
    /// The sizes in the header multiply to more than this machine can address.
    #[error("the header's sizes {dims:?} are too large to be real")]
    Overflow { dims: Vec<u32> },
    /// The data after the header is shorter or longer than the header promises.
    #[error("the header promises {expected} bytes of data but the file holds {found}: the file is {}", if found < expected { "truncated" } else { "longer than its header says" })]
    Length { expected: usize, found: usize },
}

/// Everything that can go wrong while loading a data set, each naming the file or setting.
#[derive(Debug, Error)]
pub enum DataError {
    /// The data directory does not exist.
    #[error(
        "data directory {0} does not exist: pass --data-dir with a directory that holds the four IDX files"
    )]
    MissingDir(PathBuf),
    /// The data directory is a file.
    #[error(
        "{0} is a file, not a directory: pass --data-dir with a directory that holds the four IDX files"
    )]
    NotADirectory(PathBuf),
    /// One of the four files is not in the directory.
    #[error(
        "{dir}: no file {name} or {name}.gz: a data directory holds {TRAIN_IMAGES}, {TRAIN_LABELS}, \
         {TEST_IMAGES} and {TEST_LABELS}, each raw or gzip-compressed"
    )]
    MissingFile { dir: PathBuf, name: &'static str },
    /// The file exists but cannot be read, or its gzip stream is corrupt.
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
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
        "the two classes must differ, got {0} twice: pass two different labels, e.g. --classes 0,1"
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
    /// A limit of zero samples.
    #[error("the limit is 0: pass a limit of at least 1 sample, or none")]
    ZeroLimit,
}

/// The two parts of a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The training set (`train-*` files).
    Train,
    /// The test set (`t10k-*` files).
    Test,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Train => "training",
            Self::Test => "test",
        })
    }
}

/// The sizes and bytes of a parsed IDX file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    /// The size of each dimension, outermost first.
    pub dims: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<u8>,
}

/// Parses the bytes of an IDX file of unsigned bytes with `magic` (which fixes the number
/// of dimensions), checking the header against the length of the data exactly.
pub fn parse_idx(bytes: &[u8], magic: u32) -> Result<Idx, IdxError> {
    let ndims = (magic & 0xff) as usize;
    let needed = 4 + 4 * ndims;
    let short = || IdxError::ShortHeader {
        found: bytes.len(),
        needed,
    };
    let word = |i: usize| -> Option<u32> {
        Some(u32::from_be_bytes(
            bytes.get(4 * i..4 * i + 4)?.try_into().ok()?,
        ))
    };
    let found = word(0).ok_or_else(short)?;
    if found != magic {
        let kind = if magic == IMAGES_MAGIC {
            "images"
        } else {
            "labels"
        };
        return Err(IdxError::Magic {
            found,
            expected: magic,
            kind,
        });
    }
    if bytes.len() < needed {
        return Err(short());
    }
    let raw: Vec<u32> = (1..=ndims).filter_map(word).collect();
    let expected = raw
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
        .ok_or_else(|| IdxError::Overflow { dims: raw.clone() })?;
    let data = &bytes[needed..];
    if data.len() != expected {
        return Err(IdxError::Length {
            expected,
            found: data.len(),
        });
    }
    Ok(Idx {
        dims: raw.iter().map(|&d| d as usize).collect(),
        data: data.to_vec(),
    })
}

/// The bytes of an IDX file of unsigned bytes: the inverse of [`parse_idx`].
pub fn encode_idx(magic: u32, dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(4 + 4 * dims.len() + data.len());
    bytes.extend_from_slice(&magic.to_be_bytes());
    for &d in dims {
        bytes.extend_from_slice(&(d as u32).to_be_bytes());
    }
    bytes.extend_from_slice(data);
    bytes
}

/// Labelled images: one image of `rows × cols` bytes per label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledImages {
    /// Pixel rows per image.
    pub rows: usize,
    /// Pixel columns per image.
    pub cols: usize,
    /// All images, one after the other, row-major.
    pub pixels: Vec<u8>,
    /// One label per image.
    pub labels: Vec<u8>,
    /// The image file they came from, for messages.
    pub path: PathBuf,
}

/// The training and test parts of an IDX data set directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxDataSet {
    /// The `train-*` files.
    pub train: LabelledImages,
    /// The `t10k-*` files.
    pub test: LabelledImages,
}

impl IdxDataSet {
    /// Reads and checks the four IDX files of `dir`, each raw or gzip-compressed.
    pub fn load(dir: &Path) -> Result<Self, DataError> {
        if dir.is_file() {
            return Err(DataError::NotADirectory(dir.to_path_buf()));
        }
        if !dir.is_dir() {
            return Err(DataError::MissingDir(dir.to_path_buf()));
        }
        Ok(Self {
            train: LabelledImages::load(dir, TRAIN_IMAGES, TRAIN_LABELS)?,
            test: LabelledImages::load(dir, TEST_IMAGES, TEST_LABELS)?,
        })
    }
}

impl LabelledImages {
    /// Reads an image file and its label file from `dir` and checks that they pair up.
    pub fn load(
        dir: &Path,
        images_name: &'static str,
        labels_name: &'static str,
    ) -> Result<Self, DataError> {
        let (images_path, images) = read_idx(dir, images_name, IMAGES_MAGIC)?;
        let (labels_path, labels) = read_idx(dir, labels_name, LABELS_MAGIC)?;
        Self::pair(images_path, images, labels_path, labels)
    }

    /// Pairs parsed image and label files (of [`IMAGES_MAGIC`] and [`LABELS_MAGIC`]),
    /// checking that they hold the same number of samples.
    pub fn pair(
        images_path: PathBuf,
        images: Idx,
        labels_path: PathBuf,
        labels: Idx,
    ) -> Result<Self, DataError> {
        if images.dims.len() != 3 || labels.dims.len() != 1 || images.dims[0] != labels.dims[0] {
            return Err(DataError::CountMismatch {
                images: images_path,
                image_count: images.dims.first().copied().unwrap_or(0),
                labels: labels_path,
                label_count: labels.dims.first().copied().unwrap_or(0),
            });
        }
        Ok(Self {
            rows: images.dims[1],
            cols: images.dims[2],
            pixels: images.data,
            labels: labels.data,
            path: images_path,
        })
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// How many images carry `label`.
    pub fn count(&self, label: u8) -> usize {
        self.labels.iter().filter(|&&l| l == label).count()
    }

    /// The images of two classes as a binary task: inputs are the raw pixel values (0 to
    /// 255) as `f64`, one image per row, and the target is 0 for `classes.0` and 1 for
    /// `classes.1`. Images keep the file's order; `limit` keeps only the first ones.
    pub fn binary(
        &self,
        classes: (u8, u8),
        limit: Option<usize>,
        part: Part,
    ) -> Result<Dataset, DataError> {
        let (negative, positive) = classes;
        if negative == positive {
            return Err(DataError::SameClasses(negative));
        }
        if limit == Some(0) {
            return Err(DataError::ZeroLimit);
        }
        for class in [negative, positive] {
            if self.count(class) == 0 {
                return Err(DataError::EmptyClass {
                    class,
                    split: part,
                    path: self.path.clone(),
                });
            }
        }
        let size = self.rows * self.cols;
        let chosen: Vec<usize> = (0..self.len())
            .filter(|&i| self.labels[i] == negative || self.labels[i] == positive)
            .take(limit.unwrap_or(usize::MAX))
            .collect();
        if let Some(limit) = limit {
            for class in [negative, positive] {
                if !chosen.iter().any(|&i| self.labels[i] == class) {
                    return Err(DataError::LimitedAway {
                        class,
                        limit,
                        split: part,
                    });
                }
            }
        }
        // A large data set goes into 2 MB pages, which shuffled epochs read faster.
        let mut pixels = memory::with_capacity(chosen.len() * size);
        pixels.extend(
            chosen
                .iter()
                .flat_map(|&i| &self.pixels[i * size..(i + 1) * size])
                .map(|&p| f64::from(p)),
        );
        let x = Array2::from_shape_vec((chosen.len(), size), pixels)
            .expect("rows × pixels values were gathered");
        let y = chosen
            .iter()
            .map(|&i| if self.labels[i] == positive { 1.0 } else { 0.0 })
            .collect();
        Ok(Dataset {
            x,
            y,
            classes,
            image_shape: (self.rows, self.cols),
        })
    }
}

/// Finds `name` or `name.gz` in `dir`, reads it (gunzipping if it is gzip data) and
/// parses it as an IDX file with `magic`.
fn read_idx(dir: &Path, name: &'static str, magic: u32) -> Result<(PathBuf, Idx), DataError> {
    let path = find_idx_file(dir, name)?;
    let bytes = read_maybe_gzipped(&path)?;
    let idx = parse_idx(&bytes, magic).map_err(|source| DataError::Format {
        path: path.clone(),
        source,
    })?;
    Ok((path, idx))
}

/// The path of `name.gz` in `dir`, or of `name` if there is no compressed one.
pub fn find_idx_file(dir: &Path, name: &'static str) -> Result<PathBuf, DataError> {
    [dir.join(format!("{name}.gz")), dir.join(name)]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| DataError::MissingFile {
            dir: dir.to_path_buf(),
            name,
        })
}

/// The content of a file, decompressed if it starts with the gzip magic bytes.
pub fn read_maybe_gzipped(path: &Path) -> Result<Vec<u8>, DataError> {
    let read_error = |source| DataError::Read {
        path: path.to_path_buf(),
        source,
    };
    gunzip_if_gzipped(fs::read(path).map_err(read_error)?).map_err(read_error)
}

/// `bytes` decompressed if they start with the gzip magic bytes `1f 8b`, else unchanged:
/// the same directory may hold raw and compressed IDX files.
pub fn gunzip_if_gzipped(bytes: Vec<u8>) -> std::io::Result<Vec<u8>> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut content = Vec::new();
    MultiGzDecoder::new(bytes.as_slice()).read_to_end(&mut content)?;
    Ok(content)
}

/// Two classes of an IDX directory as a ready-to-train binary task: the training and test
/// sets, both normalized with the statistics of the training set.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryTask {
    /// The training images of the two classes, normalized.
    pub train: Dataset,
    /// The test images of the two classes, normalized with the training set's statistics.
    pub test: Dataset,
    /// The training set's mean and standard deviation, as applied to both sets.
    pub normalization: Normalization,
}

impl BinaryTask {
    // ANCHOR: binary_task
    /// Loads `dir`, keeps `classes` (the first `limit` images of each set, if given) and
    /// normalizes both sets with the training set's statistics only: the test set stands
    /// for data the model has never seen, so nothing may be learned from it, not even its
    /// mean.
    pub fn load(dir: &Path, classes: (u8, u8), limit: Option<usize>) -> Result<Self, DataError> {
        let data = IdxDataSet::load(dir)?;
        let mut train = data.train.binary(classes, limit, Part::Train)?;
        let mut test = data.test.binary(classes, limit, Part::Test)?;
        let normalization = Normalization::of(&train.x);
        normalization.apply_in_place(&mut train.x);
        normalization.apply_in_place(&mut test.x);
        Ok(Self {
            train,
            test,
            normalization,
        })
    }
    // ANCHOR_END: binary_task
}

/// A binary classification data set: inputs `x` (one sample per row) and targets `y` in {0, 1}.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// One flattened image per row.
    pub x: Array2<f64>,
    /// 0 for the first class, 1 for the second.
    pub y: Array1<f64>,
    /// The original labels behind targets 0 and 1.
    pub classes: (u8, u8),
    /// Rows and columns of one image.
    pub image_shape: (usize, usize),
}

impl Dataset {
    /// The number of samples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// How many samples have target 1.
    pub fn positives(&self) -> usize {
        self.y.iter().filter(|&&t| t == 1.0).count()
    }

    /// The samples at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Self {
        Self {
            x: self.x.select(Axis(0), rows),
            y: self.y.select(Axis(0), rows),
            classes: self.classes,
            image_shape: self.image_shape,
        }
    }

    /// Splits into a training and a test set the way scikit-learn's `train_test_split`
    /// does: a seeded random permutation, whose first `ceil(test_fraction · n)` samples are
    /// the test set and the rest the training set.
    pub fn train_test_split(&self, test_fraction: f64, seed: u64) -> (Self, Self) {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let test_count =
            ((test_fraction.clamp(0.0, 1.0) * self.len() as f64).ceil() as usize).min(self.len());
        let (test, train) = order.split_at(test_count);
        (self.select(train), self.select(test))
    }
}
