//! The data of the blog's MNIST example, defined once for every program that
//! runs it: its demo split of two digit classes. How the example trains is
//! the programs' (`programs::mnist`).

use ndarray::Array2;

use super::images::{normalized, pixel_statistics};
use super::{DataError, Dataset, LabelledImages, Part};
use crate::Normalization;

/// How many training images the blog's demo uses.
pub const DEMO_IMAGES: usize = 1000;
/// The share of the demo's images that it holds out as its test set.
pub const DEMO_TEST_FRACTION: f64 = 0.2;

// ANCHOR: blog_demo
/// The blog's demo data: the first 1,000 training images of `classes`,
/// normalized together, then split 80/20 by a permutation drawn with `seed`.
pub fn blog_demo(
    train_images: &LabelledImages,
    classes: (u8, u8),
    seed: u64,
) -> Result<(Dataset, Dataset, Normalization), DataError> {
    let (train, test, normalization) =
        blog_demo_keeping(train_images, classes, seed, normalized)?;
    Ok((train, test, normalization))
}

/// [`blog_demo`] with the training images kept as `keep` makes them from
/// their bytes and the statistics of all 1,000 images.
pub fn blog_demo_keeping<X>(
    train_images: &LabelledImages,
    classes: (u8, u8),
    seed: u64,
    keep: impl FnOnce(Array2<u8>, &Normalization) -> X,
) -> Result<(Dataset<X>, Dataset, Normalization), DataError> {
    let all =
        train_images.binary_bytes(classes, Some(DEMO_IMAGES), Part::Train)?;
    let normalization = pixel_statistics(&all.x);
    let (train, test) = all.train_test_split(DEMO_TEST_FRACTION, seed);
    let train = train.map_x(|x| keep(x, &normalization));
    let test = test.map_x(|x| normalized(x, &normalization));
    Ok((train, test, normalization))
}
// ANCHOR_END: blog_demo
