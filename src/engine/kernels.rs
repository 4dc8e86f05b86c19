//! The engine's arithmetic: the model `activation(x·w + b)` and its gradient,
//! one sample (one row of `X`) at a time, on the rows where they are, so that
//! a mini-batch is a list of row numbers and the data set is never copied.
//!
//! The loops over one row, a dot product and `acc + a·x`, are written out on
//! slices: they are inlined into the trainer's copy compiled for AVX2, where
//! ndarray's own are compiled once for the baseline processor. Each row is
//! first seen as `f64` values ([`Row::values`]), whatever its storage.

use std::ops::Range;

use ndarray::ArrayView1;

use super::rows::{Inputs, Row};
use crate::{Activation, Loss};

// ANCHOR: visit
/// The data an epoch reads, the order it visits the rows in, and whether to
/// prefetch the rows ahead while computing the current one.
#[derive(Debug, Clone)]
pub(crate) struct Visit<'a, X> {
    pub x: X,
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
pub(crate) fn accumulate_gradient<X: Inputs>(
    (visit, scratch): (&Visit<'_, X>, &mut [f64]),
    batch: Range<usize>,
    w: &[f64],
    b: f64,
    activation: Activation,
    grad_w: &mut [f64],
) -> f64 {
    let mut error_sum = 0.0;
    for k in batch {
        let i = visit.order[k];
        let x = visit.x.row(i).values(scratch);
        let z = dot(x, w, visit.row_ahead(k)) + b;
        let error = activation.apply_scalar(z) - visit.y[i];
        add_scaled(grad_w, error, x);
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
    w: &mut [f64],
    b: &mut f64,
    (grad_w, error_sum): (&[f64], f64),
    batch_len: usize,
    lr: f64,
) {
    let batch_len = batch_len as f64;
    for (w, &g) in w.iter_mut().zip(grad_w) {
        *w -= lr * (g / batch_len);
    }
    *b -= lr * (error_sum / batch_len);
}
// ANCHOR_END: step

// ANCHOR: mean_loss
/// The mean loss over every sample, in one pass over `X` and no allocation.
#[inline(always)]
pub(crate) fn mean_loss<X: Inputs>(
    (visit, scratch): (&Visit<'_, X>, &mut [f64]),
    w: &[f64],
    b: f64,
    loss: Loss,
    activation: Activation,
) -> f64 {
    let mut total = 0.0;
    for (i, &target) in visit.y.iter().enumerate() {
        let x = visit.x.row(i).values(scratch);
        let no_row = None::<X::Row<'_>>;
        let prediction = activation.apply_scalar(dot(x, w, no_row) + b);
        total += loss.per_sample(prediction, target);
    }
    total / visit.y.len() as f64
}
// ANCHOR_END: mean_loss

// ANCHOR: dot
/// `Σ xⱼ·wⱼ` in eight running sums, one per lane, combined as
/// `(p0 + p4) + (p1 + p5) + …`, then the leftover elements: the order in
/// which ndarray's `dot` sums, so our predictions equal its, bit for bit.
/// With each group of eight it asks for the same group of `ahead`, a row
/// needed soon.
#[inline(always)]
fn dot<R: Row>(x: &[f64], w: &[f64], ahead: Option<R>) -> f64 {
    let (x_groups, w_groups) = (x.chunks_exact(8), w.chunks_exact(8));
    let (x_rest, w_rest) = (x_groups.remainder(), w_groups.remainder());
    let mut p = [0.0; 8];
    for (k, (xs, ws)) in x_groups.zip(w_groups).enumerate() {
        if let Some(row) = ahead {
            row.prefetch_group(k);
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
fn add_scaled(acc: &mut [f64], a: f64, x: &[f64]) {
    for (acc, &x) in acc.iter_mut().zip(x) {
        *acc += a * x;
    }
}

// ANCHOR: prefetch
/// How many places ahead in the visiting order to prefetch: far enough that
/// the row arrives in time, near enough that it is still in cache when used.
const PREFETCH_AHEAD: usize = 2;

impl<'a, X: Inputs> Visit<'a, X> {
    /// The row to prefetch while the row at place `k` is computed: the one
    /// `PREFETCH_AHEAD` places later, if there is one.
    #[inline(always)]
    fn row_ahead(&self, k: usize) -> Option<X::Row<'_>> {
        let ahead =
            self.order.get(k + PREFETCH_AHEAD).filter(|_| self.prefetch);
        ahead.map(|&i| self.x.row(i))
    }
}

/// Asks the processor to start loading the cache line at `address`, without
/// waiting for it. Only a hint: it cannot fault and changes no result;
/// elsewhere than on x86-64 it does nothing.
#[inline(always)]
pub(crate) fn prefetch(address: *const i8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` needs SSE, which every x86-64 processor has,
    // and it never dereferences the address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(address);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}
// ANCHOR_END: prefetch

// ANCHOR: step_per_sample
/// Batches of one sample: `w ← w - lr·(error·x)`, `b ← b - lr·error` for
/// each row in order. The general step would zero a gradient buffer, add
/// `error·x` into it and divide by 1: the same arithmetic in three passes
/// over the weights instead of one.
#[inline(always)]
pub(crate) fn step_per_sample<X: Inputs>(
    (visit, scratch): (&Visit<'_, X>, &mut [f64]),
    w: &mut [f64],
    b: &mut f64,
    lr: f64,
    activation: Activation,
) {
    for (k, &i) in visit.order.iter().enumerate() {
        let x = visit.x.row(i).values(scratch);
        let z = dot(x, w, visit.row_ahead(k)) + *b;
        let error = activation.apply_scalar(z) - visit.y[i];
        for (w, &x) in w.iter_mut().zip(x) {
            *w -= lr * (error * x);
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
pub(crate) fn loss_and_gradient<X: Inputs>(
    (visit, scratch): (&Visit<'_, X>, &mut [f64]),
    (w, b): (&[f64], f64),
    (loss, activation): (Loss, Activation),
    grad_w: &mut [f64],
) -> (f64, f64) {
    grad_w.fill(0.0);
    let (mut total, mut error_sum) = (0.0, 0.0);
    for (i, &target) in visit.y.iter().enumerate() {
        let x = visit.x.row(i).values(scratch);
        let no_row = None::<X::Row<'_>>;
        let prediction = activation.apply_scalar(dot(x, w, no_row) + b);
        total += loss.per_sample(prediction, target);
        let error = prediction - target;
        add_scaled(grad_w, error, x);
        error_sum += error;
    }
    (total / visit.y.len() as f64, error_sum)
}
// ANCHOR_END: loss_and_gradient
