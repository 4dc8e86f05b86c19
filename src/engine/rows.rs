//! The rows the engine reads: `f64` values, as any caller can give them, or
//! the bytes of an image with a table of the `f64` values they stand for.
//!
//! A normalized pixel can only be one of 256 numbers, `(p - mean) / std` for
//! `p` in 0..=255, so a row of 784 bytes and a table of 256 `f64` hold exactly
//! what a row of 784 `f64` holds, in an eighth of the memory. Every kernel
//! below does the same operations in the same order on either kind of row, so
//! the results are the same bit for bit.

use ndarray::{ArrayRef2, ArrayView1, ArrayView2};

use super::kernels::prefetch;
use super::pixels::Pixels;

/// A data set's inputs, one sample per row, as the engine reads them.
pub trait Inputs {
    /// One row of these inputs.
    type Row<'r>: Row
    where
        Self: 'r;
    /// How many samples there are.
    fn nrows(&self) -> usize;
    /// How many features each sample has.
    fn ncols(&self) -> usize;
    /// The inputs of sample `i`.
    fn row(&self, i: usize) -> Self::Row<'_>;
}

// ANCHOR: row
/// One sample's inputs as the engine reads them.
pub trait Row: Copy {
    /// The row's values as `f64`: the row itself where it is stored so, or
    /// its values written into `scratch`.
    fn values<'s>(self, scratch: &'s mut [f64]) -> &'s [f64]
    where
        Self: 's;
    /// Asks for the memory of the row's `k`-th group of eight values, before
    /// they are needed.
    fn prefetch_group(self, k: usize);
}
// ANCHOR_END: row

impl<T: Inputs> Inputs for &T {
    type Row<'r>
        = T::Row<'r>
    where
        Self: 'r;

    fn nrows(&self) -> usize {
        (**self).nrows()
    }

    fn ncols(&self) -> usize {
        (**self).ncols()
    }

    fn row(&self, i: usize) -> T::Row<'_> {
        (**self).row(i)
    }
}

impl Inputs for ArrayView2<'_, f64> {
    type Row<'r>
        = ArrayView1<'r, f64>
    where
        Self: 'r;

    fn nrows(&self) -> usize {
        self.dim().0
    }

    fn ncols(&self) -> usize {
        self.dim().1
    }

    fn row(&self, i: usize) -> ArrayView1<'_, f64> {
        let x: &ArrayRef2<f64> = self;
        x.row(i)
    }
}

// ANCHOR: f64_row
/// A row of `f64` is read where it is; only a row that is not contiguous in
/// memory (as in a column-major matrix) is copied first.
impl Row for ArrayView1<'_, f64> {
    #[inline(always)]
    fn values<'s>(self, scratch: &'s mut [f64]) -> &'s [f64]
    where
        Self: 's,
    {
        match self.to_slice() {
            Some(values) => values,
            None => {
                scratch.iter_mut().zip(self).for_each(|(s, &v)| *s = v);
                scratch
            }
        }
    }

    #[inline(always)]
    fn prefetch_group(self, k: usize) {
        // Eight `f64` are one 64-byte cache line.
        if let Some(value) = self.to_slice().and_then(|r| r.get(k * 8)) {
            prefetch(std::ptr::from_ref(value).cast());
        }
    }
}
// ANCHOR_END: f64_row

/// One image: its bytes and the table of what they stand for.
#[derive(Debug, Clone, Copy)]
pub struct PixelRow<'r> {
    bytes: &'r [u8],
    table: &'r [f64; 256],
}

impl Inputs for Pixels {
    type Row<'r> = PixelRow<'r>;

    fn nrows(&self) -> usize {
        self.bytes().nrows()
    }

    fn ncols(&self) -> usize {
        self.bytes().ncols()
    }

    fn row(&self, i: usize) -> PixelRow<'_> {
        let (bytes, table) = self.row_bytes(i);
        PixelRow { bytes, table }
    }
}

// ANCHOR: pixel_row
/// A row of bytes is turned into its `f64` values through the table, once
/// per visit, into a scratch row that stays in the processor's nearest cache.
impl Row for PixelRow<'_> {
    #[inline(always)]
    fn values<'s>(self, scratch: &'s mut [f64]) -> &'s [f64]
    where
        Self: 's,
    {
        for (value, &byte) in scratch.iter_mut().zip(self.bytes) {
            *value = self.table[usize::from(byte)];
        }
        scratch
    }

    #[inline(always)]
    fn prefetch_group(self, k: usize) {
        // Sixty-four bytes are a cache line: one request per eight groups.
        if k % 8 == 0 {
            if let Some(byte) = self.bytes.get(k * 8) {
                prefetch(std::ptr::from_ref(byte).cast());
            }
        }
    }
}
// ANCHOR_END: pixel_row

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;
    use crate::Normalization;

    #[test]
    fn every_kind_of_row_gives_the_same_values() {
        let bytes =
            Array2::from_shape_fn((3, 19), |(i, j)| (i * 40 + j * 13) as u8);
        let normalization = Normalization {
            mean: 5.0,
            std: 3.0,
        };
        let pixels = Pixels::new(bytes, &normalization);
        let x = pixels.to_f64();
        let column_major =
            x.t().as_standard_layout().reversed_axes().to_owned();
        let mut scratch = vec![0.0; 19];
        for i in 0..3 {
            let expected = x.row(i).to_vec();
            let view = x.view();
            assert_eq!(
                Inputs::row(&view, i).values(&mut scratch),
                &expected[..]
            );
            let view = column_major.view();
            assert_eq!(
                Inputs::row(&view, i).values(&mut scratch),
                &expected[..]
            );
            assert_eq!(pixels.row(i).values(&mut scratch), &expected[..]);
        }
    }
}
