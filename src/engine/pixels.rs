//! Images as the engine keeps them: the raw bytes of their ink, in groups of
//! eight, without the blank groups.
//!
//! Most of an MNIST image is blank: 83 % of the pixels of the digits 0 and 1
//! are zero, and 62 % of the aligned groups of eight pixels are all zero. The
//! normalization `(p - mean) / std` turns those zeros into a number like any
//! other, but it is affine, so the engine keeps the raw bytes and folds the
//! normalization into the model instead ([`super::folded`]): a zero byte then
//! adds nothing to a dot product or a gradient, and a blank group need not be
//! stored or read at all.

use ndarray::{Array2, ArrayRef2, ArrayView1};

use crate::Normalization;
use crate::data::images::normalized;
use crate::data::task::{BinaryTask, Kept};

// ANCHOR: ink
/// Eight pixels of an image that are not all blank: which group of eight
/// they are (pixels `8·group` to `8·group + 7`), and their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ink {
    /// The group's place in its image.
    pub group: u32,
    /// The group's eight bytes, as stored in the image.
    pub bytes: [u8; 8],
}
// ANCHOR_END: ink

// ANCHOR: pixels
/// Images as the engine keeps them: for each image its groups of ink, one
/// after the other, and the normalization the model folds in.
#[derive(Debug, Clone, PartialEq)]
pub struct Pixels {
    /// Pixels per image.
    width: usize,
    /// Image `i`'s groups are `ink[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    /// The groups of every image that are not blank, in order.
    ink: Vec<Ink>,
    /// The sum of each image's bytes.
    sums: Vec<f64>,
    /// The mean and standard deviation that the bytes are normalized by.
    normalization: Normalization,
}

impl Pixels {
    /// Images made of `bytes`, one image per row, that stand for
    /// `(bytes - mean) / std` with `normalization`.
    pub fn new(bytes: &ArrayRef2<u8>, normalization: &Normalization) -> Self {
        let width = bytes.ncols();
        let mut starts = Vec::with_capacity(bytes.nrows() + 1);
        let mut sums = Vec::with_capacity(bytes.nrows());
        // Counted first, so that the groups take their memory once, not the
        // twice that a growing vector needs while it moves.
        let mut ink = Vec::with_capacity(ink_groups(bytes));
        starts.push(0);
        for row in bytes.rows() {
            let mut sum = 0;
            for (group, bytes) in groups_of(row) {
                sum += keep_ink(&mut ink, group, bytes);
            }
            starts.push(ink.len());
            sums.push(sum as f64);
        }
        Self {
            width,
            starts,
            ink,
            sums,
            normalization: *normalization,
        }
    }
}

// ANCHOR_END: pixels

/// How many groups of eight pixels of `bytes` hold ink.
fn ink_groups(bytes: &ArrayRef2<u8>) -> usize {
    let rows = bytes.rows().into_iter();
    let groups = rows.flat_map(groups_of);
    groups.filter(|(_, bytes)| *bytes != [0; 8]).count()
}

/// The groups of eight pixels of a row, numbered; a last group that runs
/// past the end of the row is filled with blank pixels.
fn groups_of(
    row: ArrayView1<'_, u8>,
) -> impl Iterator<Item = (usize, [u8; 8])> + '_ {
    let pixel = move |j: usize| row.get(j).copied().unwrap_or(0);
    (0..row.len().div_ceil(8)).map(move |group| {
        (group, std::array::from_fn(|lane| pixel(8 * group + lane)))
    })
}

/// Keeps the group of `bytes` at `group` if any of them is not blank, and
/// returns their sum.
fn keep_ink(ink: &mut Vec<Ink>, group: usize, bytes: [u8; 8]) -> u64 {
    if u64::from_ne_bytes(bytes) != 0 {
        let group = u32::try_from(group).expect("fewer than 2³² groups a row");
        ink.push(Ink { group, bytes });
    }
    bytes.iter().map(|&p| u64::from(p)).sum()
}

impl Pixels {
    /// How many images there are.
    pub fn nrows(&self) -> usize {
        self.sums.len()
    }

    /// How many pixels each image has.
    pub fn ncols(&self) -> usize {
        self.width
    }

    /// How many groups of eight pixels a row is read in: the weights the
    /// kernels use have eight times as many entries.
    pub fn groups(&self) -> usize {
        self.width.div_ceil(8)
    }

    /// The groups of ink of image `i`.
    #[inline(always)]
    pub fn row(&self, i: usize) -> &[Ink] {
        &self.ink[self.starts[i]..self.starts[i + 1]]
    }

    /// The sum of the bytes of image `i`.
    #[inline(always)]
    pub fn row_sum(&self, i: usize) -> f64 {
        self.sums[i]
    }

    /// The mean and standard deviation the bytes stand normalized by.
    pub fn normalization(&self) -> Normalization {
        self.normalization
    }

    /// The share of the groups of eight pixels that hold ink: what an epoch
    /// reads of the images.
    pub fn ink_share(&self) -> f64 {
        self.ink.len() as f64 / (self.nrows() * self.groups()).max(1) as f64
    }

    /// The bytes, one image per row.
    pub fn bytes(&self) -> Array2<u8> {
        let mut bytes = Array2::zeros((self.nrows(), self.width));
        for (i, mut out) in bytes.rows_mut().into_iter().enumerate() {
            for ink in self.row(i) {
                let start = 8 * ink.group as usize;
                for (j, &p) in ink.bytes.iter().enumerate() {
                    if let Some(pixel) = out.get_mut(start + j) {
                        *pixel = p;
                    }
                }
            }
        }
        bytes
    }

    /// The images as `f64`, one normalized value per pixel: exactly what
    /// [`BinaryTask`] holds for the same images.
    pub fn to_f64(&self) -> Array2<f64> {
        normalized(self.bytes(), &self.normalization)
    }
}

/// Two classes of images as a task for the engine: the training images as
/// [`Pixels`], the test images as the `f64` values they stand for (a test
/// set is read once), both normalized with the training set's statistics.
/// It is a [`BinaryTask`], made by the same steps, so it holds the same
/// images and the same statistics.
pub type PixelTask = BinaryTask<Pixels>;

impl Kept for Pixels {
    fn keep(bytes: Array2<u8>, normalization: &Normalization) -> Self {
        Pixels::new(&bytes, normalization)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::images::pixel_statistics;

    #[test]
    fn the_statistics_of_bytes_are_exactly_those_of_the_f64_values() {
        for (rows, cols) in [(0, 0), (1, 1), (3, 7), (57, 784)] {
            let bytes = Array2::from_shape_fn((rows, cols), |(i, j)| {
                ((i * 131 + j * 7 + i * j) % 256) as u8
            });
            let expected = Normalization::of(&bytes.mapv(f64::from));
            let found = pixel_statistics(&bytes);
            assert_eq!(found.mean.to_bits(), expected.mean.to_bits());
            assert_eq!(found.std.to_bits(), expected.std.to_bits());
        }
    }

    #[test]
    fn pixels_keep_every_byte_and_no_blank_group() {
        for cols in [1, 7, 8, 9, 20, 784] {
            let bytes = Array2::from_shape_fn((5, cols), |(i, j)| {
                if (i + j / 8) % 3 == 0 {
                    (i * 7 + j) as u8
                } else {
                    0
                }
            });
            let normalization = Normalization {
                mean: 3.0,
                std: 2.0,
            };
            let pixels = Pixels::new(&bytes, &normalization);
            assert_eq!(pixels.bytes(), bytes);
            assert_eq!(
                pixels.to_f64(),
                normalized(bytes.clone(), &normalization)
            );
            for i in 0..5 {
                assert!(pixels.row(i).iter().all(|ink| ink.bytes != [0; 8]));
                let sum: u64 = bytes.row(i).iter().map(|&p| u64::from(p)).sum();
                assert_eq!(pixels.row_sum(i), sum as f64);
            }
        }
        // Column-major bytes are read as the same images.
        let bytes = Array2::from_shape_fn((4, 12), |(i, j)| (i * 13 + j) as u8);
        let columns = bytes.t().as_standard_layout().reversed_axes().to_owned();
        let n = pixel_statistics(&bytes);
        assert_eq!(Pixels::new(&columns, &n), Pixels::new(&bytes, &n));
    }
}
