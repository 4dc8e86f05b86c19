//! The engine's arithmetic: the model `activation(x·w + b)` and its gradient,
//! one sample (one row of `X`) at a time, on the rows where they are, so that
//! a mini-batch is a list of row numbers and the data set is never copied.

use std::ops::Range;

use ndarray::{Array1, ArrayRef1, ArrayRef2, Zip};

use crate::Activation;
use crate::Loss;

// ANCHOR: forward
/// The prediction for one sample: `activation(row·w + b)`. Shapes are the
/// caller's duty.
#[inline(always)]
pub(crate) fn forward(
    row: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    activation: Activation,
) -> f64 {
    activation.apply_scalar(dot(row, w, &[]) + b)
}
// ANCHOR_END: forward

// The two loops an epoch spends its time in, a dot product and `acc + a·x`:
// ndarray's `dot` and `scaled_add`, written out on slices. ndarray's own are
// separate functions, compiled once for the baseline processor; these can be
// inlined into the trainer's copy compiled for AVX2 (see
// `engine::steps_and_loss_avx2`). For a row that is not contiguous they hand
// over to ndarray.

// ANCHOR: dot
/// `Σ xⱼ·wⱼ`, summed exactly as ndarray's `dot` sums contiguous vectors: eight
/// running sums, one per lane, combined as `(p0 + p4) + (p1 + p5) + …`, then
/// the leftover elements one at a time. Eight independent sums let the
/// additions overlap instead of each waiting for the one before; summing in
/// ndarray's order keeps our predictions equal to those of ndarray's `dot`, bit
/// for bit.
///
/// Eight `f64` are one 64-byte cache line, so each round of the loop reads one
/// line of `x`; with each, it asks for the same line of `ahead`, a row the
/// trainer will need soon (empty for none: see [`prefetch`]).
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

/// `w ← w - lr·(error·x)`, element by element.
#[inline(always)]
fn step_along(w: &mut Array1<f64>, lr: f64, error: f64, x: &ArrayRef1<f64>) {
    if let (Some(w), Some(x)) = (w.as_slice_mut(), x.as_slice()) {
        for (w, &x) in w.iter_mut().zip(x) {
            *w -= lr * (error * x);
        }
        return;
    }
    Zip::from(w).and(x).for_each(|w, &x| *w -= lr * (error * x));
}

// ANCHOR: prefetch
/// How many positions ahead in the visiting order the trainer prefetches: far
/// enough that a row has arrived by the time it is needed, near enough that it
/// is still in cache. Measured on MNIST: 1 to 8 rows ahead all do about as
/// well.
const PREFETCH_AHEAD: usize = 2;

/// The row `PREFETCH_AHEAD` positions after position `k` of `order`, to
/// prefetch while row `order[k]` is computed; empty past the end or for a row
/// that is not contiguous.
#[inline(always)]
fn row_ahead<'a>(
    x: &'a ArrayRef2<f64>,
    order: &[usize],
    k: usize,
) -> &'a [f64] {
    order
        .get(k + PREFETCH_AHEAD)
        .and_then(|&i| x.row(i).to_slice())
        .unwrap_or(&[])
}

/// Asks the processor to start loading the cache line that holds `value`,
/// without waiting for it.
///
/// Rows visited in a random order defeat the hardware prefetcher, which only
/// follows streams of consecutive addresses: each 6 KB row of MNIST would
/// arrive one cache miss at a time while the processor waits. Asking for a row
/// a few rows ahead lets its 98 lines travel while the current row is computed,
/// and asking for them one at a time, spread over the arithmetic ([`dot`]),
/// matters as much: 98 requests at once fill the processor's queue of
/// outstanding misses and stall the arithmetic behind them (measured: batch-1
/// epochs of 7.9 ms with requests in a burst, 5.1 ms spread out).
///
/// A prefetch is only a hint: it reads nothing into a register, cannot fault,
/// and changes no result. Elsewhere than on x86-64 it does nothing.
#[inline(always)]
fn prefetch(value: &f64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` needs SSE, which every x86-64 processor has, and
    // only hints at an address: it never dereferences it.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
// ANCHOR_END: prefetch

// ANCHOR: accumulate_gradient
/// Adds `Σ errorᵢ · xᵢ` over the rows `order[batch]` into `grad_w` and returns
/// `Σ errorᵢ`, where `errorᵢ = prediction(xᵢ) - yᵢ`.
///
/// Each row is read once: its error is computed and, while the row is still in
/// cache, added into the gradient. That fuses the blog's forward pass and
/// backward pass, which is valid because `w` and `b` do not change within a
/// batch. The rows that come next in `order`, even past the batch, are
/// prefetched meanwhile. Shapes are the caller's duty.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn accumulate_gradient(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    order: &[usize],
    batch: Range<usize>,
    w: &ArrayRef1<f64>,
    b: f64,
    activation: Activation,
    grad_w: &mut Array1<f64>,
) -> f64 {
    let mut error_sum = 0.0;
    for k in batch {
        let i = order[k];
        let row = x.row(i);
        let prediction =
            activation.apply_scalar(dot(&row, w, row_ahead(x, order, k)) + b);
        let error = prediction - y[i];
        add_scaled(grad_w, error, &row);
        error_sum += error;
    }
    error_sum
}
// ANCHOR_END: accumulate_gradient

// ANCHOR: step_per_sample
/// Mini-batch gradient descent with batches of one sample, visiting the rows in
/// `order`: for each, `w ← w - lr·(error·x)` and `b ← b - lr·error`.
///
/// This is the general step with `m = 1`, without the gradient buffer. The
/// general step fills the buffer with zeros, adds `error·x` into it, then
/// subtracts `lr·(gradient / m)`: three passes over the weights for every
/// sample, where one suffices. The arithmetic is the same operation for
/// operation (`0 + error·x` is `error·x`, and dividing by 1 is exact), so the
/// results are bit for bit those of the general step.
#[inline(always)]
pub(crate) fn step_per_sample(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    order: &[usize],
    w: &mut Array1<f64>,
    b: &mut f64,
    lr: f64,
    activation: Activation,
) {
    for (k, &i) in order.iter().enumerate() {
        let row = x.row(i);
        let prediction =
            activation.apply_scalar(dot(&row, w, row_ahead(x, order, k)) + *b);
        let error = prediction - y[i];
        step_along(w, lr, error, &row);
        *b -= lr * error;
    }
}
// ANCHOR_END: step_per_sample

// ANCHOR: mean_loss
/// The mean loss over every sample, in one pass over `X` with no allocation.
/// Shapes are the caller's duty.
#[inline(always)]
pub(crate) fn mean_loss(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    loss: Loss,
    activation: Activation,
) -> f64 {
    let mut total = 0.0;
    for (row, &target) in x.rows().into_iter().zip(y) {
        total += loss.per_sample(forward(&row, w, b, activation), target);
    }
    total / y.len() as f64
}
// ANCHOR_END: mean_loss

// ANCHOR: loss_and_gradient
/// [`mean_loss`] and, from the same predictions, the gradient sums at `(w, b)`:
/// writes `Σ errorᵢ · xᵢ` into `grad_w` and returns `(mean loss, Σ errorᵢ)`.
///
/// With a full batch, the loss at the end of one epoch and the gradient of the
/// next one need the same predictions, `activation(xᵢ·w + b)` for every row at
/// the same `w` and `b`. One pass over `X` then serves both, where separate
/// passes read the data set twice. Each sum is formed in the same order and
/// with the same operations as [`mean_loss`] and [`accumulate_gradient`] in
/// natural order form it, so the results are theirs bit for bit. Shapes are the
/// caller's duty.
#[inline(always)]
pub(crate) fn loss_and_gradient(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    loss: Loss,
    activation: Activation,
    grad_w: &mut Array1<f64>,
) -> (f64, f64) {
    grad_w.fill(0.0);
    let (mut total, mut error_sum) = (0.0, 0.0);
    for (row, &target) in x.rows().into_iter().zip(y) {
        let prediction = forward(&row, w, b, activation);
        total += loss.per_sample(prediction, target);
        let error = prediction - target;
        add_scaled(grad_w, error, &row);
        error_sum += error;
    }
    (total / y.len() as f64, error_sum)
}
// ANCHOR_END: loss_and_gradient

#[cfg(test)]
mod tests {
    use ndarray::Array1;

    use super::*;

    #[test]
    fn dot_sums_exactly_as_ndarray_does() {
        for len in 0..40 {
            let x = Array1::from_shape_fn(len, |j| {
                ((j * 37 % 11) as f64 - 5.0) / 3.0
            });
            let w = Array1::from_shape_fn(len, |j| 1.0 / (j as f64 + 0.7));
            assert_eq!(
                dot(&x, &w, &[]).to_bits(),
                x.dot(&w).to_bits(),
                "length {len}"
            );
            let ahead = vec![1.0; len];
            assert_eq!(dot(&x, &w, &ahead).to_bits(), x.dot(&w).to_bits());
        }
    }

    #[test]
    fn the_update_loops_are_ndarrays() {
        let x = Array1::from_shape_fn(19, |j| (j as f64).sin());
        let mut ours = Array1::from_shape_fn(19, |j| (j as f64).cos());
        let mut theirs = ours.clone();
        add_scaled(&mut ours, 0.3, &x);
        theirs.scaled_add(0.3, &x);
        assert_eq!(ours, theirs);
        step_along(&mut ours, 0.1, 0.7, &x);
        theirs.zip_mut_with(&x, |w, &x| *w -= 0.1 * (0.7 * x));
        assert_eq!(ours, theirs);
    }
}
