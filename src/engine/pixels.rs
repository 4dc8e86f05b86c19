//! Images kept as bytes: the engine's form of every data set read from IDX
//! files, an eighth of the memory of the same images in `f64`.
//!
//! A normalized pixel can only be one of 256 numbers, `(p - mean) / std` for
//! `p` in 0..=255: a table of those 256 `f64` and one byte per pixel hold
//! exactly what the `f64` matrix holds. The statistics are computed from the
//! bytes so that they too are exactly those of the `f64` matrix.

use std::path::Path;

use ndarray::{Array2, ArrayRef2};

use crate::Normalization;
use crate::data::mnist::{DEMO_IMAGES, DEMO_TEST_FRACTION};
use crate::data::read::IdxDataSet;
use crate::data::{DataError, Dataset, LabelledImages, Part};

// ANCHOR: pixels
/// Images as the engine keeps them: one byte per pixel, one image per row,
/// and the normalized value of each of the 256 possible bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Pixels {
    bytes: Array2<u8>,
    table: [f64; 256],
}

impl Pixels {
    /// Images normalized with `normalization`: row `i`'s pixel `j` stands
    /// for `(bytes[[i, j]] - mean) / std`, exactly as `normalize` computes it.
    pub fn new(bytes: Array2<u8>, normalization: &Normalization) -> Self {
        let values = Array2::from_shape_fn((1, 256), |(_, p)| p as f64);
        let normalized = normalization.apply(&values);
        let table = std::array::from_fn(|p| normalized[[0, p]]);
        // Rows are read as slices: keep the bytes in row-major order.
        let bytes = bytes.as_standard_layout().into_owned();
        Self { bytes, table }
    }
}
// ANCHOR_END: pixels

impl Pixels {
    /// Row `i`'s bytes, and the table of what each byte stands for.
    pub(super) fn row_bytes(&self, i: usize) -> (&[u8], &[f64; 256]) {
        let cols = self.bytes.ncols();
        let all = self.bytes.as_slice().expect("built in standard layout");
        (&all[i * cols..(i + 1) * cols], &self.table)
    }

    /// The images as `f64`, one normalized value per pixel: what the bytes
    /// stand for, for code that needs an ordinary matrix.
    pub fn to_f64(&self) -> Array2<f64> {
        self.bytes.mapv(|p| self.table[usize::from(p)])
    }

    /// The bytes, one image per row.
    pub fn bytes(&self) -> &Array2<u8> {
        &self.bytes
    }
}

// ANCHOR: normalization_of
/// The mean and standard deviation of the pixels `bytes`, exactly as
/// [`Normalization::of`] computes them on the same values as `f64`: the sum
/// of at most 2⁵³ / 255 bytes is an exact integer in any order, and the
/// squared deviations are summed in memory order, as ndarray's `fold` does.
pub fn normalization_of(bytes: &ArrayRef2<u8>) -> Normalization {
    if bytes.is_empty() {
        return Normalization::of(&Array2::<f64>::zeros((0, 0)));
    }
    let n = bytes.len() as f64;
    let total: u64 = bytes.iter().map(|&p| u64::from(p)).sum();
    let mean = total as f64 / n;
    let squares = bytes.fold(0.0, |acc, &p| {
        let v = f64::from(p);
        acc + (v - mean) * (v - mean)
    });
    Normalization {
        mean,
        std: (squares / n).sqrt(),
    }
}
// ANCHOR_END: normalization_of

/// Two classes of images as a task for the engine: the training images as
/// [`Pixels`], the test images as the `f64` values they stand for (a test
/// set is read once), both normalized with the training set's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct PixelTask {
    /// The training images, as bytes and a table.
    pub train: Dataset<Pixels>,
    /// The test images, normalized with the training set's statistics.
    pub test: Dataset,
    /// The training set's mean and standard deviation.
    pub normalization: Normalization,
}

impl PixelTask {
    /// What [`BinaryTask::load`](crate::data::read::BinaryTask::load) loads,
    /// bit for bit, without the `f64` copy of the training set.
    pub fn load(
        dir: &Path,
        classes: (u8, u8),
        limit: Option<usize>,
    ) -> Result<Self, DataError> {
        Self::new(&IdxDataSet::load(dir)?, classes, limit)
    }

    /// What [`BinaryTask::new`](crate::data::read::BinaryTask::new) makes of
    /// `data`, with the training images kept as bytes.
    pub fn new(
        data: &IdxDataSet,
        classes: (u8, u8),
        limit: Option<usize>,
    ) -> Result<Self, DataError> {
        let train = data.train.binary_bytes(classes, limit, Part::Train)?;
        let test = data.test.binary_bytes(classes, limit, Part::Test)?;
        Ok(Self::normalized(train, test))
    }

    /// [`PixelTask::new`] with `fraction` of the training images, drawn
    /// with `seed`, held out in the test set's place, as
    /// [`BinaryTask::validation`](crate::data::BinaryTask::validation) does.
    pub fn validation(
        train_images: &LabelledImages,
        classes: (u8, u8),
        limit: Option<usize>,
        (fraction, seed): (f64, u64),
    ) -> Result<Self, DataError> {
        let all = train_images.binary_bytes(classes, limit, Part::Train)?;
        let (train, validation) = all.validation_split(fraction, seed)?;
        Ok(Self::normalized(train, validation))
    }

    /// What [`mnist::blog_demo`](crate::data::mnist::blog_demo) makes, bit
    /// for bit: the first 1,000 training images of `classes`, normalized
    /// together, split 80/20 by a permutation drawn with `seed`.
    pub fn blog_demo(
        images: &LabelledImages,
        classes: (u8, u8),
        seed: u64,
    ) -> Result<Self, DataError> {
        let all =
            images.binary_bytes(classes, Some(DEMO_IMAGES), Part::Train)?;
        let normalization = normalization_of(&all.x);
        let (train, test) = all.train_test_split(DEMO_TEST_FRACTION, seed);
        Ok(Self::with(train, test, normalization))
    }

    /// The task with the training set's own statistics.
    fn normalized(
        train: Dataset<Array2<u8>>,
        test: Dataset<Array2<u8>>,
    ) -> Self {
        let normalization = normalization_of(&train.x);
        Self::with(train, test, normalization)
    }

    /// The task with both sets normalized by `normalization`.
    fn with(
        train: Dataset<Array2<u8>>,
        test: Dataset<Array2<u8>>,
        normalization: Normalization,
    ) -> Self {
        let train = train.map_x(|x| Pixels::new(x, &normalization));
        let test = test.map_x(|x| Pixels::new(x, &normalization).to_f64());
        Self {
            train,
            test,
            normalization,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statistics_of_bytes_are_exactly_those_of_the_f64_values() {
        for (rows, cols) in [(0, 0), (1, 1), (3, 7), (57, 784)] {
            let bytes = Array2::from_shape_fn((rows, cols), |(i, j)| {
                ((i * 131 + j * 7 + i * j) % 256) as u8
            });
            let expected = Normalization::of(&bytes.mapv(f64::from));
            let found = normalization_of(&bytes);
            assert_eq!(found.mean.to_bits(), expected.mean.to_bits());
            assert_eq!(found.std.to_bits(), expected.std.to_bits());
        }
    }
}
