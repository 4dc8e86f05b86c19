//! The rows the engine's dense kernels read: `f64` values, as any caller can
//! give them, or the bytes of an image with a table of the `f64` values they
//! stand for (a step of the speed page's ladder).
//!
//! A normalized pixel can only be one of 256 numbers, `(p - mean) / std` for
//! `p` in 0..=255, so a row of 784 bytes and a table of 256 `f64` hold exactly
//! what a row of 784 `f64` holds, in an eighth of the memory. Every kernel
//! below does the same operations in the same order on either kind of row, so
//! the results are the same bit for bit.

use ndarray::{Array2, ArrayRef2, CowArray, Ix2};

use crate::Normalization;

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
/// One sample's inputs, read in groups of eight values (a cache line of
/// `f64`): what the engine's loops need of a row, however it is stored.
pub trait Row: Copy {
    /// How many values the row has.
    fn width(self) -> usize;
    /// Values `8k` to `8k + 7`.
    fn group(self, k: usize) -> [f64; 8];
    /// Value `j`.
    fn value(self, j: usize) -> f64;
    /// Asks for the memory of group `k`, before it is needed.
    fn prefetch_group(self, k: usize);
    /// The row's values where they are already stored as `f64`, or `None`.
    fn as_f64<'s>(self) -> Option<&'s [f64]>
    where
        Self: 's;
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

/// A matrix of `f64` in row-major order, as the engine reads it: the
/// caller's own, or a copy in that order of one that was not (such as a
/// column-major matrix).
#[derive(Debug, Clone)]
pub struct RowMajor<'a>(CowArray<'a, f64, Ix2>);

impl<'a> RowMajor<'a> {
    /// `x` itself if its rows are contiguous, else a row-major copy.
    pub fn new(x: &'a ArrayRef2<f64>) -> Self {
        Self(x.as_standard_layout())
    }
}

impl Inputs for RowMajor<'_> {
    type Row<'r>
        = &'r [f64]
    where
        Self: 'r;

    fn nrows(&self) -> usize {
        self.0.nrows()
    }

    fn ncols(&self) -> usize {
        self.0.ncols()
    }

    fn row(&self, i: usize) -> &[f64] {
        let d = self.ncols();
        let all = self.0.as_slice().expect("row-major by construction");
        &all[i * d..(i + 1) * d]
    }
}

// ANCHOR: f64_row
/// A row of `f64` is read where it is.
impl Row for &[f64] {
    #[inline(always)]
    fn width(self) -> usize {
        <[f64]>::len(self)
    }

    #[inline(always)]
    fn group(self, k: usize) -> [f64; 8] {
        self[8 * k..8 * k + 8].try_into().expect("eight values")
    }

    #[inline(always)]
    fn value(self, j: usize) -> f64 {
        self[j]
    }

    #[inline(always)]
    fn prefetch_group(self, k: usize) {
        // Eight `f64` are one 64-byte cache line.
        if let Some(value) = self.get(k * 8) {
            prefetch(std::ptr::from_ref(value));
        }
    }

    #[inline(always)]
    fn as_f64<'s>(self) -> Option<&'s [f64]>
    where
        Self: 's,
    {
        Some(self)
    }
}
// ANCHOR_END: f64_row

// ANCHOR: tabled_bytes
/// Images kept as bytes, one image per row, with the normalized value of
/// each of the 256 possible bytes: the same numbers as the `f64` matrix, in
/// an eighth of the memory.
#[derive(Debug, Clone, PartialEq)]
pub struct TabledBytes {
    bytes: Array2<u8>,
    table: [f64; 256],
}

impl TabledBytes {
    /// Images normalized with `normalization`: row `i`'s pixel `j` stands
    /// for `(bytes[[i, j]] - mean) / std`, exactly as `normalize` computes it.
    pub fn new(bytes: &ArrayRef2<u8>, normalization: &Normalization) -> Self {
        let values = Array2::from_shape_fn((1, 256), |(_, p)| p as f64);
        let normalized = normalization.apply(&values);
        let table = std::array::from_fn(|p| normalized[[0, p]]);
        // Rows are read as slices: keep the bytes in row-major order.
        let bytes = bytes.as_standard_layout().into_owned();
        Self { bytes, table }
    }
}
// ANCHOR_END: tabled_bytes

impl TabledBytes {
    /// The images as `f64`, one normalized value per pixel.
    pub fn to_f64(&self) -> Array2<f64> {
        self.bytes.mapv(|p| self.table[usize::from(p)])
    }
}

/// One image: its bytes and the table of what they stand for.
#[derive(Debug, Clone, Copy)]
pub struct PixelRow<'r> {
    bytes: &'r [u8],
    table: &'r [f64; 256],
}

impl Inputs for TabledBytes {
    type Row<'r> = PixelRow<'r>;

    fn nrows(&self) -> usize {
        self.bytes.nrows()
    }

    fn ncols(&self) -> usize {
        self.bytes.ncols()
    }

    fn row(&self, i: usize) -> PixelRow<'_> {
        let cols = self.bytes.ncols();
        let all = self.bytes.as_slice().expect("built in standard layout");
        let bytes = &all[i * cols..(i + 1) * cols];
        PixelRow {
            bytes,
            table: &self.table,
        }
    }
}

// ANCHOR: pixel_row
/// A row of bytes: eight bytes are read at once, as one 64-bit word, and each
/// is looked up in the table.
impl Row for PixelRow<'_> {
    #[inline(always)]
    fn width(self) -> usize {
        self.bytes.len()
    }

    #[inline(always)]
    fn group(self, k: usize) -> [f64; 8] {
        let eight = self.bytes[8 * k..8 * k + 8].try_into();
        let word = u64::from_le_bytes(eight.expect("eight bytes"));
        std::array::from_fn(|lane| {
            self.table[((word >> (8 * lane)) & 0xff) as usize]
        })
    }

    #[inline(always)]
    fn value(self, j: usize) -> f64 {
        self.table[usize::from(self.bytes[j])]
    }

    #[inline(always)]
    fn prefetch_group(self, k: usize) {
        // Sixty-four bytes are a cache line: one request per eight groups.
        if k % 8 == 0 {
            if let Some(byte) = self.bytes.get(k * 8) {
                prefetch(std::ptr::from_ref(byte));
            }
        }
    }

    #[inline(always)]
    fn as_f64<'s>(self) -> Option<&'s [f64]>
    where
        Self: 's,
    {
        None
    }
}
// ANCHOR_END: pixel_row

// ANCHOR: prefetch
/// How many places ahead in the visiting order to prefetch: far enough that
/// the row arrives in time, near enough that it is still in cache when used.
pub const PREFETCH_AHEAD: usize = 2;

/// Asks the processor to start loading the cache line at `address`, without
/// waiting for it. Only a hint: it cannot fault and changes no result;
/// elsewhere than on x86-64 it does nothing.
#[inline(always)]
pub fn prefetch<T>(address: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` needs SSE, which every x86-64 processor has,
    // and it never dereferences the address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(address.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}
// ANCHOR_END: prefetch

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
        let pixels = TabledBytes::new(&bytes, &normalization);
        let matrix = pixels.to_f64();
        let x = RowMajor::new(&matrix);
        for i in 0..3 {
            let (f64_row, pixel_row) = (x.row(i), pixels.row(i));
            assert_eq!(f64_row.width(), pixel_row.width());
            for k in 0..2 {
                assert_eq!(f64_row.group(k), pixel_row.group(k));
            }
            for j in 0..19 {
                assert_eq!(f64_row.value(j), pixel_row.value(j));
            }
        }
    }
}
