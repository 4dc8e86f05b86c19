//! Reading a directory of IDX files, each raw or gzip-compressed, into
//! labelled images and into a binary task ready to train on.
//!
//! # Why not the `mnist` crate
//!
//! The `mnist` crate (0.6) reads only uncompressed files with fixed names,
//! insists on the counts of the full data set (60,000 / 10,000), and panics on
//! a bad file. We ship a gzip-compressed subset of MNIST, want any directory of
//! IDX files to work, and promise a clear error instead of a panic for every
//! bad file. `tests/data.rs` uses the `mnist` crate as an oracle instead.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::idx::{
    IMAGES_MAGIC, Idx, LABELS_MAGIC, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES,
    TRAIN_LABELS, parse_idx,
};
use super::{DataError, Dataset, LabelledImages, Part};
use crate::normalize::Normalization;

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
}

/// Finds `name` or `name.gz` in `dir`, reads it (gunzipping if it is gzip data) and
/// parses it as an IDX file with `magic`.
fn read_idx(
    dir: &Path,
    name: &'static str,
    magic: u32,
) -> Result<(PathBuf, Idx), DataError> {
    let path = find_idx_file(dir, name)?;
    let bytes = read_maybe_gzipped(&path)?;
    let idx = parse_idx(&bytes, magic).map_err(|source| DataError::Format {
        path: path.clone(),
        source,
    })?;
    Ok((path, idx))
}

/// The path of `name.gz` in `dir`, or of `name` if there is no compressed one.
pub fn find_idx_file(
    dir: &Path,
    name: &'static str,
) -> Result<PathBuf, DataError> {
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

// ANCHOR: binary_task
impl BinaryTask {
    /// Loads `dir`, keeps `classes` (the first `limit` images of each set, if
    /// given) and normalizes both sets with the training set's statistics
    /// only: the test set stands for data the model has never seen, so nothing
    /// may be learned from it, not even its mean.
    pub fn load(
        dir: &Path,
        classes: (u8, u8),
        limit: Option<usize>,
    ) -> Result<Self, DataError> {
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
}
// ANCHOR_END: binary_task
