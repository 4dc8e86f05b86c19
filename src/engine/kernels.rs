//! The engine's arithmetic: the model `activation(x·w + b)` and its gradient,
//! one sample (one row of `X`) at a time, on the rows where they are, so that
//! a mini-batch is a list of row numbers and the data set is never copied.
//!
//! The two loops an epoch spends its time in, a dot product and `acc + a·x`,
//! are ndarray's `dot` and `scaled_add` written out on slices: ndarray's own
//! are compiled once for the baseline processor, these are inlined into the
//! trainer's copy compiled for AVX2. A row that is not contiguous in memory
//! goes to ndarray's general code instead.

use std::ops::Range;

use ndarray::{Array1, ArrayRef1, ArrayView1, ArrayView2, Zip};

use crate::{Activation, Loss};

// ANCHOR: visit
/// The data an epoch reads, the order it visits the rows in, and whether to
/// prefetch the rows ahead while computing the current one.
#[derive(Debug, Clone)]
pub(crate) struct Visit<'a> {
    pub x: ArrayView2<'a, f64>,
    pub y: ArrayView1<'a, f64>,
    pub order: Vec<usize>,
    pub prefetch: bool,
}
// ANCHOR_END: visit

// ANCHOR: accumulate_gradient
/// Adds `Σ errorᵢ · xᵢ` over the rows `order[batch]` into `grad_w` and
/// returns `Σ errorᵢ`, reading each row once: its error is computed, then
/// added into the gradient while the row is still in cache.
#[inline(always)]
pub(crate) fn accumulate_gradient(
    visit: &Visit<'_>,
    batch: Range<usize>,
    w: &ArrayRef1<f64>,
    b: f64,
    activation: Activation,
    grad_w: &mut Array1<f64>,
) -> f64 {
    let mut error_sum = 0.0;
    for k in batch {
        let i = visit.order[k];
        let row = visit.x.row(i);
        let z = dot(&row, w, visit.row_ahead(k)) + b;
        let error = activation.apply_scalar(z) - visit.y[i];
        add_scaled(grad_w, error, &row);
        error_sum += error;
    }
    error_sum
}
// ANCHOR_END: accumulate_gradient

// ANCHOR: step
/// One gradient step from the sums of a batch of `batch_len` samples:
/// `w ← w - lr·(Σ errorᵢ·xᵢ) / batch_len`, `b ← b - lr·(Σ errorᵢ) / batch_len`.
#[inline(always)]
pub(crate) fn step(
    w: &mut Array1<f64>,
    b: &mut f64,
    (grad_w, error_sum): (&Array1<f64>, f64),
    batch_len: usize,
    lr: f64,
) {
    let batch_len = batch_len as f64;
    Zip::from(w)
        .and(grad_w)
        .for_each(|w, &g| *w -= lr * (g / batch_len));
    *b -= lr * (error_sum / batch_len);
}
// ANCHOR_END: step

// ANCHOR: mean_loss
/// The mean loss over every sample, in one pass over `X` and no allocation.
#[inline(always)]
pub(crate) fn mean_loss(
    visit: &Visit<'_>,
    w: &ArrayRef1<f64>,
    b: f64,
    loss: Loss,
    activation: Activation,
) -> f64 {
    let mut total = 0.0;
    for (row, &target) in visit.x.rows().into_iter().zip(visit.y) {
        let prediction = activation.apply_scalar(dot(&row, w, &[]) + b);
        total += loss.per_sample(prediction, target);
    }
    total / visit.y.len() as f64
}
// ANCHOR_END: mean_loss

// ANCHOR: dot
/// `Σ xⱼ·wⱼ` in eight running sums, one per lane, combined as
/// `(p0 + p4) + (p1 + p5) + …`, then the leftover elements: the order in
/// which ndarray's `dot` sums, so our predictions equal its, bit for bit.
/// While it reads each cache line of `x` (eight `f64`), it asks for the same
/// line of `ahead`, a row needed soon (empty for none).
#[inline(always)]
fn dot(x: &ArrayRef1<f64>, w: &ArrayRef1<f64>, ahead: &[f64]) -> f64 {
    let (Some(x), Some(w)) = (x.as_slice(), w.as_slice()) else {
        return x.dot(w);
    };
    let (x_lines, w_lines) = (x.chunks_exact(8), w.chunks_exact(8));
    let (x_rest, w_rest) = (x_lines.remainder(), w_lines.remainder());
    let mut p = [0.0; 8];
    for (line, (xs, ws)) in x_lines.zip(w_lines).enumerate() {
        if let Some(value) = ahead.get(line * 8) {
            prefetch(value);
        }
        for lane in 0..8 {
            p[lane] += xs[lane] * ws[lane];
        }
    }
    let mut sum = 0.0;
    for lane in 0..4 {
        sum += p[lane] + p[lane + 4];
    }
    for (&x, &w) in x_rest.iter().zip(w_rest) {
        sum += x * w;
    }
    sum
}
// ANCHOR_END: dot

/// `acc ← acc + a·x`, element by element, as ndarray's `scaled_add`.
#[inline(always)]
fn add_scaled(acc: &mut Array1<f64>, a: f64, x: &ArrayRef1<f64>) {
    if let (Some(acc), Some(x)) = (acc.as_slice_mut(), x.as_slice()) {
        for (acc, &x) in acc.iter_mut().zip(x) {
            *acc += a * x;
        }
        return;
    }
    acc.scaled_add(a, x);
}

// ANCHOR: prefetch
/// How many places ahead in the visiting order to prefetch: far enough that
/// the row arrives in time, near enough that it is still in cache when used.
const PREFETCH_AHEAD: usize = 2;

impl Visit<'_> {
    /// The row to prefetch while the row at place `k` is computed: the one
    /// `PREFETCH_AHEAD` places later, if there is one and it is contiguous.
    #[inline(always)]
    fn row_ahead(&self, k: usize) -> &[f64] {
        let ahead =
            self.order.get(k + PREFETCH_AHEAD).filter(|_| self.prefetch);
        ahead.and_then(|&i| self.x.row(i).to_slice()).unwrap_or(&[])
    }
}

/// Asks the processor to start loading the cache line that holds `value`,
/// without waiting for it. Only a hint: it cannot fault and changes no
/// result; elsewhere than on x86-64 it does nothing.
#[inline(always)]
fn prefetch(value: &f64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` needs SSE, which every x86-64 processor has,
    // and it never dereferences the address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
// ANCHOR_END: prefetch

// ANCHOR: step_per_sample
/// Batches of one sample: `w ← w - lr·(error·x)`, `b ← b - lr·error` for
/// each row in order. The general step would zero a gradient buffer, add
/// `error·x` into it and divide by 1: the same arithmetic in three passes
/// over the weights instead of one.
#[inline(always)]
pub(crate) fn step_per_sample(
    visit: &Visit<'_>,
    w: &mut Array1<f64>,
    b: &mut f64,
    lr: f64,
    activation: Activation,
) {
    for (k, &i) in visit.order.iter().enumerate() {
        let row = visit.x.row(i);
        let z = dot(&row, w, visit.row_ahead(k)) + *b;
        let error = activation.apply_scalar(z) - visit.y[i];
        if let (Some(w), Some(row)) = (w.as_slice_mut(), row.to_slice()) {
            for (w, &x) in w.iter_mut().zip(row) {
                *w -= lr * (error * x);
            }
        } else {
            Zip::from(&mut *w).and(&row).for_each(|w, &x| {
                *w -= lr * (error * x);
            });
        }
        *b -= lr * error;
    }
}
// ANCHOR_END: step_per_sample

// ANCHOR: loss_and_gradient
/// [`mean_loss`] and, from the same predictions, the gradient sums at
/// `(w, b)` into `grad_w`, returning `(mean loss, Σ errorᵢ)`: with a full
/// batch, the end of one epoch and the start of the next read `X` once.
#[inline(always)]
pub(crate) fn loss_and_gradient(
    visit: &Visit<'_>,
    w: &ArrayRef1<f64>,
    b: f64,
    (loss, activation): (Loss, Activation),
    grad_w: &mut Array1<f64>,
) -> (f64, f64) {
    grad_w.fill(0.0);
    let (mut total, mut error_sum) = (0.0, 0.0);
    for (row, &target) in visit.x.rows().into_iter().zip(visit.y) {
        let prediction = activation.apply_scalar(dot(&row, w, &[]) + b);
        total += loss.per_sample(prediction, target);
        let error = prediction - target;
        add_scaled(grad_w, error, &row);
        error_sum += error;
    }
    (total / visit.y.len() as f64, error_sum)
}
// ANCHOR_END: loss_and_gradient

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_sums_exactly_as_ndarray_does() {
        for len in 0..40 {
            let x = Array1::from_shape_fn(len, |j| {
                ((j * 37 % 11) as f64 - 5.0) / 3.0
            });
            let w = Array1::from_shape_fn(len, |j| 1.0 / (j as f64 + 0.7));
            let expected = x.dot(&w).to_bits();
            assert_eq!(dot(&x, &w, &[]).to_bits(), expected, "length {len}");
            let ahead = vec![1.0; len];
            assert_eq!(dot(&x, &w, &ahead).to_bits(), expected);
        }
    }

    #[test]
    fn the_update_loop_is_ndarrays() {
        let x = Array1::from_shape_fn(19, |j| (j as f64).sin());
        let mut ours = Array1::from_shape_fn(19, |j| (j as f64).cos());
        let mut theirs = ours.clone();
        add_scaled(&mut ours, 0.3, &x);
        theirs.scaled_add(0.3, &x);
        assert_eq!(ours, theirs);
    }
}
