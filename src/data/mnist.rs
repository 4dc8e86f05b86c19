//! The data of the blog's MNIST example, defined once for every program that
//! runs it: its demo split of two digit classes. How the example trains is
//! the programs' (`programs::mnist`).

use super::error::{DataError, Part};
use super::images::LabelledImages;
use super::images::pixel_statistics;
use super::task::{BinaryTask, Kept};

/// How many training images the blog's demo uses.
pub const DEMO_IMAGES: usize = 1000;
/// The share of the demo's images that it holds out as its test set.
pub const DEMO_TEST_FRACTION: f64 = 0.2;

// ANCHOR: blog_demo
/// The blog's demo data: the first 1,000 training images of `classes`,
/// normalized together, then split 80/20 by a permutation drawn with `seed`.
pub fn blog_demo<X: Kept>(
    train_images: &LabelledImages,
    classes: (u8, u8),
    seed: u64,
) -> Result<BinaryTask<X>, DataError> {
    let all = train_images.binary(classes, Some(DEMO_IMAGES), Part::Train)?;
    let normalization = pixel_statistics(&all.x);
    let (train, test) = all.train_test_split(DEMO_TEST_FRACTION, seed);
    Ok(BinaryTask::normalized(train, test, normalization))
}
// ANCHOR_END: blog_demo
