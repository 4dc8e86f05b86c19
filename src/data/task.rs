//! Two classes of a data set as a ready-to-train binary task, the training
//! images kept as the trainer wants them: normalized `f64` for
//! `gradient_descent`, or the engine's own kind.

#[cfg(feature = "files")]
use std::path::Path;

use ndarray::Array2;

use super::error::{DataError, Part};
use super::images::{Dataset, LabelledImages};
use super::images::{normalized, pixel_statistics};
#[cfg(feature = "files")]
use super::read::IdxDataSet;
use crate::normalize::Normalization;

/// How a task keeps its training images: made from their bytes and the
/// statistics they are normalized with. Normalized `f64`
/// ([`Array2<f64>`]) here; the engine keeps them as its `Pixels`.
pub trait Kept {
    /// The images `bytes`, normalized with `normalization`, kept this way.
    fn keep(bytes: Array2<u8>, normalization: &Normalization) -> Self;
}

impl Kept for Array2<f64> {
    fn keep(bytes: Array2<u8>, normalization: &Normalization) -> Self {
        normalized(bytes, normalization)
    }
}

/// Two classes of an IDX directory as a ready-to-train binary task: the training and test
/// sets, both normalized with the statistics of the training set. `X` is how the training
/// images are kept: normalized `f64` by default; the engine keeps them otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryTask<X = Array2<f64>> {
    /// The training images of the two classes, normalized.
    pub train: Dataset<X>,
    /// The test images of the two classes, normalized with the training set's statistics.
    pub test: Dataset,
    /// The training set's mean and standard deviation, as applied to both sets.
    pub normalization: Normalization,
}

#[cfg(feature = "files")]
// ANCHOR: binary_task
impl<X: Kept> BinaryTask<X> {
    /// Loads `dir` and makes the binary task of [`BinaryTask::new`].
    pub fn load(
        dir: &Path,
        classes: (u8, u8),
        limit: Option<usize>,
    ) -> Result<Self, DataError> {
        Self::new(&IdxDataSet::load(dir)?, classes, limit)
    }

    /// Keeps `classes` of `data` (the first `limit` images of each set, if
    /// given) and normalizes both sets with the training set's statistics
    /// only: the test set stands for data the model has never seen, so
    /// nothing may be learned from it, not even its mean.
    pub fn new(
        data: &IdxDataSet,
        classes: (u8, u8),
        limit: Option<usize>,
    ) -> Result<Self, DataError> {
        let train = data.train.binary(classes, limit, Part::Train)?;
        let test = data.test.binary(classes, limit, Part::Test)?;
        let normalization = pixel_statistics(&train.x);
        Ok(Self::normalized(train, test, normalization))
    }
}

impl<X: Kept> BinaryTask<X> {
    /// [`BinaryTask::new`] for choosing settings, from the training images
    /// alone: `fraction` of them, drawn with `seed`, are held out and take
    /// the test set's place, so the test set need not be read at all. The
    /// statistics come from the images left to train on.
    pub fn validation(
        train_images: &LabelledImages,
        classes: (u8, u8),
        limit: Option<usize>,
        (fraction, seed): (f64, u64),
    ) -> Result<Self, DataError> {
        let all = train_images.binary(classes, limit, Part::Train)?;
        let (train, validation) = all.validation_split(fraction, seed)?;
        let normalization = pixel_statistics(&train.x);
        Ok(Self::normalized(train, validation, normalization))
    }

    /// Both sets normalized with `normalization`, the training images kept
    /// as `X` keeps them.
    pub fn normalized(
        train: Dataset<Array2<u8>>,
        test: Dataset<Array2<u8>>,
        normalization: Normalization,
    ) -> Self {
        Self {
            train: train.map_x(|x| X::keep(x, &normalization)),
            test: test.map_x(|x| normalized(x, &normalization)),
            normalization,
        }
    }
}
// ANCHOR_END: binary_task
