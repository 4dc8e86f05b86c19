//! The rows the engine reads: `f64` values, as any caller can give them, or
//! the bytes of an image with a table of the `f64` values they stand for.
//!
//! A normalized pixel can only be one of 256 numbers, `(p - mean) / std` for
//! `p` in 0..=255, so a row of 784 bytes and a table of 256 `f64` hold exactly
//! what a row of 784 `f64` holds, in an eighth of the memory. Every kernel
//! below does the same operations in the same order on either kind of row, so
//! the results are the same bit for bit.

use ndarray::{ArrayRef1, ArrayRef2, ArrayView1, ArrayView2, Zip};

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
/// One sample's inputs, and the three loops the engine runs over them.
pub trait Row: Copy {
    /// `Σ xⱼ·wⱼ` in eight running sums combined as `(p0 + p4) + (p1 + p5) +
    /// …`, the order of ndarray's `dot`; meanwhile it asks for the memory of
    /// `ahead`, a row needed soon.
    fn dot(self, w: &[f64], ahead: Option<Self>) -> f64;
    /// `acc ← acc + a·x`.
    fn add_scaled_to(self, acc: &mut [f64], a: f64);
    /// `w ← w - lr·(error·x)`.
    fn step_weights(self, w: &mut [f64], lr: f64, error: f64);
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
/// A row of `f64`, contiguous or not (a column-major matrix's rows are not:
/// ndarray's general code takes those).
impl Row for ArrayView1<'_, f64> {
    #[inline(always)]
    fn dot(self, w: &[f64], ahead: Option<Self>) -> f64 {
        let Some(x) = self.to_slice() else {
            let x: &ArrayRef1<f64> = &self;
            return x.dot(&ArrayView1::from(w));
        };
        let ahead = ahead.and_then(|a| a.to_slice()).unwrap_or(&[]);
        eight_lane_dot(
            x,
            |v| v,
            w,
            |line| {
                // Eight `f64` are a 64-byte cache line.
                ahead.get(line * 8).map(|v| std::ptr::from_ref(v).cast())
            },
        )
    }

    #[inline(always)]
    fn add_scaled_to(self, acc: &mut [f64], a: f64) {
        match self.to_slice() {
            Some(x) => acc.iter_mut().zip(x).for_each(|(s, &x)| *s += a * x),
            None => Zip::from(acc).and(self).for_each(|s, &x| *s += a * x),
        }
    }

    #[inline(always)]
    fn step_weights(self, w: &mut [f64], lr: f64, error: f64) {
        let step = |w: &mut f64, &x: &f64| *w -= lr * (error * x);
        match self.to_slice() {
            Some(x) => w.iter_mut().zip(x).for_each(|(w, x)| step(w, x)),
            None => Zip::from(w).and(self).for_each(step),
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
/// The loops of [`Row`] with each value looked up in the table: the same
/// numbers in the same order as for a row of `f64`.
impl Row for PixelRow<'_> {
    #[inline(always)]
    fn dot(self, w: &[f64], ahead: Option<Self>) -> f64 {
        let table = self.table;
        let ahead = ahead.map_or(&[][..], |a| a.bytes);
        eight_lane_dot(
            self.bytes,
            |p| table[usize::from(p)],
            w,
            |line| {
                // Sixty-four bytes are a cache line: one request per eight rounds.
                let byte =
                    (line % 8 == 0).then(|| ahead.get(line * 8)).flatten();
                byte.map(|b| std::ptr::from_ref(b).cast())
            },
        )
    }

    #[inline(always)]
    fn add_scaled_to(self, acc: &mut [f64], a: f64) {
        for (s, &p) in acc.iter_mut().zip(self.bytes) {
            *s += a * self.table[usize::from(p)];
        }
    }

    #[inline(always)]
    fn step_weights(self, w: &mut [f64], lr: f64, error: f64) {
        for (w, &p) in w.iter_mut().zip(self.bytes) {
            *w -= lr * (error * self.table[usize::from(p)]);
        }
    }
}
// ANCHOR_END: pixel_row

// ANCHOR: eight_lane_dot
/// `Σ value(xⱼ)·wⱼ` in eight running sums, one per lane, combined as
/// `(p0 + p4) + (p1 + p5) + …`, then the leftover elements: the order in
/// which ndarray's `dot` sums, so that every kind of row gives the same
/// predictions bit for bit. Before round `l` of eight it asks for the memory
/// at `ahead(l)`, if any.
#[inline(always)]
fn eight_lane_dot<T: Copy>(
    x: &[T],
    value: impl Fn(T) -> f64,
    w: &[f64],
    ahead: impl Fn(usize) -> Option<*const i8>,
) -> f64 {
    let (x_lines, w_lines) = (x.chunks_exact(8), w.chunks_exact(8));
    let (x_rest, w_rest) = (x_lines.remainder(), w_lines.remainder());
    let mut p = [0.0; 8];
    for (line, (xs, ws)) in x_lines.zip(w_lines).enumerate() {
        if let Some(address) = ahead(line) {
            prefetch(address);
        }
        for lane in 0..8 {
            p[lane] += value(xs[lane]) * ws[lane];
        }
    }
    let mut sum = 0.0;
    for lane in 0..4 {
        sum += p[lane] + p[lane + 4];
    }
    for (&x, &w) in x_rest.iter().zip(w_rest) {
        sum += value(x) * w;
    }
    sum
}
// ANCHOR_END: eight_lane_dot

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2};

    use super::*;
    use crate::Normalization;

    #[test]
    fn every_kind_of_row_sums_exactly_as_ndarray_does() {
        for len in 0..40 {
            let bytes = Array2::from_shape_fn((1, len), |(_, j)| {
                ((j * 37 + 11) % 256) as u8
            });
            let normalization = Normalization {
                mean: 33.3,
                std: 77.7,
            };
            let pixels = Pixels::new(bytes, &normalization);
            let x = pixels.to_f64();
            let w = Array1::from_shape_fn(len, |j| 1.0 / (j as f64 + 0.7));
            let w = w.as_slice().unwrap();
            let row: &ArrayRef1<f64> = &x.row(0);
            let expected = row.dot(&ArrayView1::from(w)).to_bits();
            let view = x.view();
            let f64_row = Inputs::row(&view, 0);
            for ahead in [None, Some(f64_row)] {
                assert_eq!(f64_row.dot(w, ahead).to_bits(), expected);
            }
            let pixel_row = pixels.row(0);
            for ahead in [None, Some(pixel_row)] {
                assert_eq!(pixel_row.dot(w, ahead).to_bits(), expected);
            }
        }
    }

    #[test]
    fn the_table_holds_exactly_what_normalize_computes() {
        let normalization = Normalization {
            mean: 30.99517551987238,
            std: 76.7852870419387,
        };
        let bytes =
            Array2::from_shape_fn((16, 16), |(i, j)| (16 * i + j) as u8);
        let pixels = Pixels::new(bytes.clone(), &normalization);
        let expected = normalization.apply(&bytes.mapv(f64::from));
        assert_eq!(pixels.to_f64(), expected);
    }

    #[test]
    fn the_update_loops_agree_for_every_kind_of_row() {
        let bytes = Array2::from_shape_fn((1, 19), |(_, j)| (j * 13) as u8);
        let pixels = Pixels::new(
            bytes,
            &Normalization {
                mean: 5.0,
                std: 3.0,
            },
        );
        let x = pixels.to_f64();
        let start: Vec<f64> = (0..19).map(|j| (j as f64).cos()).collect();
        let (mut a, mut b) = (start.clone(), start.clone());
        let view = x.view();
        Inputs::row(&view, 0).add_scaled_to(&mut a, 0.3);
        pixels.row(0).add_scaled_to(&mut b, 0.3);
        assert_eq!(a, b);
        Inputs::row(&view, 0).step_weights(&mut a, 0.1, 0.7);
        pixels.row(0).step_weights(&mut b, 0.1, 0.7);
        assert_eq!(a, b);
    }
}
