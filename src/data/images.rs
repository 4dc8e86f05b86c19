//! Labelled images in memory, and the images of two classes as a binary
//! data set ready to train on.

use std::path::PathBuf;

use ndarray::{Array1, Array2, ArrayRef2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::error::{DataError, Part};
use super::idx::{IMAGES_MAGIC, Idx, LABELS_MAGIC, encode_idx};
use crate::normalize::Normalization;

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

impl LabelledImages {
    /// Pairs parsed image and label files (of [`IMAGES_MAGIC`] and [`LABELS_MAGIC`]),
    /// checking that they hold the same number of samples, of at least one pixel.
    pub fn pair(
        images_path: PathBuf,
        images: Idx,
        labels_path: PathBuf,
        labels: Idx,
    ) -> Result<Self, DataError> {
        if images.dims.len() != 3
            || labels.dims.len() != 1
            || images.dims[0] != labels.dims[0]
        {
            return Err(DataError::CountMismatch {
                images: images_path,
                image_count: images.dims.first().copied().unwrap_or(0),
                labels: labels_path,
                label_count: labels.dims.first().copied().unwrap_or(0),
            });
        }
        let (rows, cols) = (images.dims[1], images.dims[2]);
        if rows == 0 || cols == 0 {
            return Err(DataError::NoPixels {
                path: images_path,
                rows,
                cols,
            });
        }
        Ok(Self {
            rows,
            cols,
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

    /// The first `limit` images (all of them without a limit) whose label is
    /// one of `classes`, in the file's order.
    pub fn of_classes(&self, classes: &[u8], limit: Option<usize>) -> Self {
        let size = self.rows * self.cols;
        let chosen: Vec<usize> = (0..self.len())
            .filter(|&i| classes.contains(&self.labels[i]))
            .take(limit.unwrap_or(usize::MAX))
            .collect();
        Self {
            rows: self.rows,
            cols: self.cols,
            pixels: chosen
                .iter()
                .flat_map(|&i| &self.pixels[i * size..(i + 1) * size])
                .copied()
                .collect(),
            labels: chosen.iter().map(|&i| self.labels[i]).collect(),
            path: self.path.clone(),
        }
    }

    /// [`LabelledImages::of_classes`] for two classes, checked: the classes
    /// differ, both occur in these images (the `part` of a data set, for
    /// messages), and the first `limit` images of the two still hold both.
    pub fn two_classes(
        &self,
        classes: (u8, u8),
        limit: Option<usize>,
        part: Part,
    ) -> Result<Self, DataError> {
        let pair = [classes.0, classes.1];
        if classes.0 == classes.1 {
            return Err(DataError::SameClasses(classes.0));
        }
        if limit == Some(0) {
            return Err(DataError::ZeroLimit);
        }
        if let Some(&class) = pair.iter().find(|&&c| self.count(c) == 0) {
            return Err(DataError::EmptyClass {
                class,
                split: part,
                path: self.path.clone(),
            });
        }
        let chosen = self.of_classes(&pair, limit);
        if let (Some(limit), Some(&class)) =
            (limit, pair.iter().find(|&&c| chosen.count(c) == 0))
        {
            return Err(DataError::LimitedAway {
                class,
                limit,
                split: part,
            });
        }
        Ok(chosen)
    }

    /// The images and the labels as the bytes of two IDX files.
    pub fn to_idx(&self) -> (Vec<u8>, Vec<u8>) {
        let count = self.len();
        (
            encode_idx(
                IMAGES_MAGIC,
                &[count, self.rows, self.cols],
                &self.pixels,
            ),
            encode_idx(LABELS_MAGIC, &[count], &self.labels),
        )
    }

    /// The images of two classes as a binary task: inputs are the raw pixel
    /// values (0 to 255), one image per row, and the target is 0 for
    /// `classes.0` and 1 for `classes.1`. Images keep the file's order;
    /// `limit` keeps only the first ones.
    pub fn binary(
        &self,
        classes: (u8, u8),
        limit: Option<usize>,
        part: Part,
    ) -> Result<Dataset<Array2<u8>>, DataError> {
        let chosen = self.two_classes(classes, limit, part)?;
        let y = chosen
            .labels
            .iter()
            .map(|&label| if label == classes.1 { 1.0 } else { 0.0 })
            .collect();
        let x = Array2::from_shape_vec(
            (chosen.len(), self.rows * self.cols),
            chosen.pixels,
        )
        .expect("rows × pixels values were gathered");
        Ok(Dataset {
            x,
            y,
            classes,
            image_shape: (self.rows, self.cols),
        })
    }
}

/// The mean and standard deviation of the pixels `bytes`, exactly as
/// [`Normalization::of`] computes them on the same values as `f64`: the sum
/// of at most 2⁵³ / 255 bytes is an exact integer in any order, and the
/// squared deviations are summed in memory order, as ndarray's `fold` does.
/// No `f64` copy of the images is made.
pub fn pixel_statistics(bytes: &ArrayRef2<u8>) -> Normalization {
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

/// The pixels `bytes` as `f64`, normalized with `normalization`.
pub fn normalized(
    bytes: Array2<u8>,
    normalization: &Normalization,
) -> Array2<f64> {
    let mut x = bytes.mapv(f64::from);
    normalization.apply_in_place(&mut x);
    x
}

/// A binary classification data set: inputs `x` (one sample per row; `f64`
/// unless said otherwise) and targets `y` in {0, 1}.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<X = Array2<f64>> {
    /// One flattened image per row.
    pub x: X,
    /// 0 for the first class, 1 for the second.
    pub y: Array1<f64>,
    /// The original labels behind targets 0 and 1.
    pub classes: (u8, u8),
    /// Rows and columns of one image.
    pub image_shape: (usize, usize),
}

impl<X> Dataset<X> {
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

    /// The same samples with their inputs turned into `f(x)`.
    pub fn map_x<Y>(self, f: impl FnOnce(X) -> Y) -> Dataset<Y> {
        Dataset {
            x: f(self.x),
            y: self.y,
            classes: self.classes,
            image_shape: self.image_shape,
        }
    }
}

impl<A: Clone> Dataset<Array2<A>> {
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
    /// the test set and the rest the training set. The permutation is ChaCha8's, not
    /// NumPy's, so the same seed picks other samples than scikit-learn would.
    pub fn train_test_split(
        &self,
        test_fraction: f64,
        seed: u64,
    ) -> (Self, Self) {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let test_count = ((test_fraction.clamp(0.0, 1.0) * self.len() as f64)
            .ceil() as usize)
            .min(self.len());
        let (test, train) = order.split_at(test_count);
        (self.select(train), self.select(test))
    }

    // ANCHOR: validation_split
    /// Holds out `fraction` of the samples, drawn with `seed`, as a
    /// validation set: the data a learning rate is chosen on, so that the
    /// test set is looked at once, at the end. Returns the samples left to
    /// train on and the validation set; each must hold both classes.
    pub fn validation_split(
        &self,
        fraction: f64,
        seed: u64,
    ) -> Result<(Self, Self), DataError> {
        if !(fraction > 0.0 && fraction < 1.0) {
            return Err(DataError::ValidationFraction(fraction));
        }
        let (train, validation) = self.train_test_split(fraction, seed);
        for (set, part) in
            [(&train, Part::Train), (&validation, Part::Validation)]
        {
            let positives = set.positives();
            for (count, class) in [
                (set.len() - positives, self.classes.0),
                (positives, self.classes.1),
            ] {
                if count == 0 {
                    return Err(DataError::SplitLacksClass {
                        class,
                        part,
                        fraction,
                    });
                }
            }
        }
        Ok((train, validation))
    }
    // ANCHOR_END: validation_split
}
