//! The engine's arithmetic: the model `activation(x·w + b)` and its gradient,
//! one sample (one row of `X`) at a time, on the rows where they are, so that
//! a mini-batch is a list of row numbers and the data set is never copied.
//!
//! The loops over one row, a dot product and `acc + a·x`, are written out
//! here in groups of eight values ([`Row::group`]), whatever the row's
//! storage: they are inlined into the trainer's copy compiled for AVX2,
//! where ndarray's own are compiled once for the baseline processor.

use std::ops::Range;

use ndarray::ArrayView1;

use super::rows::{Inputs, PREFETCH_AHEAD, Row};
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
    (w, b): (&[f64], f64),
    activation: Activation,
    grad_w: &mut [f64],
) -> f64 {
    let mut error_sum = 0.0;
    for k in batch {
        let i = visit.order[k];
        let row = visit.x.row(i);
        let (z, x) = dot_and_values(row, w, visit.row_ahead(k), scratch);
        let error = activation.apply_scalar(z + b) - visit.y[i];
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
    visit: &Visit<'_, X>,
    w: &[f64],
    b: f64,
    loss: Loss,
    activation: Activation,
) -> f64 {
    let mut total = 0.0;
    for (i, &target) in visit.y.iter().enumerate() {
        let z = dot(visit.x.row(i), w, None) + b;
        total += loss.per_sample(activation.apply_scalar(z), target);
    }
    total / visit.y.len() as f64
}
// ANCHOR_END: mean_loss

// ANCHOR: dot
/// `Σ xⱼ·wⱼ` in eight running sums, one per lane, combined as
/// `(p0 + p4) + (p1 + p5) + …`, then the leftover elements: the order in
/// which ndarray's `dot` sums, so our predictions equal its, bit for bit.
/// With each group of eight it asks for the same group of `ahead`, a row
/// needed soon, and hands the group's values to `keep`.
#[inline(always)]
pub(crate) fn dot_keeping<R: Row>(
    x: R,
    w: &[f64],
    ahead: Option<R>,
    mut keep: impl FnMut(usize, &[f64]),
) -> f64 {
    let groups = x.width() / 8;
    let mut p = [0.0; 8];
    for k in 0..groups {
        if let Some(row) = ahead {
            row.prefetch_group(k);
        }
        let (xs, ws) = (x.group(k), &w[8 * k..8 * k + 8]);
        for lane in 0..8 {
            p[lane] += xs[lane] * ws[lane];
        }
        keep(8 * k, &xs);
    }
    let mut sum = 0.0;
    for lane in 0..4 {
        sum += p[lane] + p[lane + 4];
    }
    for (j, &w) in w.iter().enumerate().skip(8 * groups) {
        let value = x.value(j);
        sum += value * w;
        keep(j, &[value]);
    }
    sum
}
// ANCHOR_END: dot

/// [`dot_keeping`] that keeps nothing.
#[inline(always)]
pub(crate) fn dot<R: Row>(x: R, w: &[f64], ahead: Option<R>) -> f64 {
    dot_keeping(x, w, ahead, |_, _| {})
}

// ANCHOR: dot_and_values
/// The dot product of `x` and `w`, and `x` as `f64` for the loops that read
/// it again: the row itself where it is stored so, else its values kept
/// into `scratch` while the dot product computed them.
#[inline(always)]
fn dot_and_values<'s, R: Row + 's>(
    x: R,
    w: &[f64],
    ahead: Option<R>,
    scratch: &'s mut [f64],
) -> (f64, &'s [f64]) {
    match x.as_f64() {
        Some(values) => (dot(x, w, ahead), values),
        None => {
            let z = dot_keeping(x, w, ahead, |at, values| {
                scratch[at..at + values.len()].copy_from_slice(values);
            });
            (z, scratch)
        }
    }
}
// ANCHOR_END: dot_and_values

/// `acc ← acc + a·x`, element by element, as ndarray's `scaled_add`.
#[inline(always)]
fn add_scaled(acc: &mut [f64], a: f64, x: &[f64]) {
    for (acc, &x) in acc.iter_mut().zip(x) {
        *acc += a * x;
    }
}

// ANCHOR: row_ahead
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
// ANCHOR_END: row_ahead

// ANCHOR: step_per_sample
/// Batches of one sample: `w ← w - rate·(error·x)`, `b ← b - rate·error`
/// for each row in order, `rate()` giving each step's learning rate. The
/// general step would zero a gradient buffer, add `error·x` into it and
/// divide by 1: the same arithmetic in three passes over the weights
/// instead of one.
#[inline(always)]
pub(crate) fn step_per_sample<X: Inputs>(
    (visit, scratch): (&Visit<'_, X>, &mut [f64]),
    (w, b): (&mut [f64], &mut f64),
    mut rate: impl FnMut() -> f64,
    activation: Activation,
) {
    for (k, &i) in visit.order.iter().enumerate() {
        let row = visit.x.row(i);
        let (z, x) = dot_and_values(row, w, visit.row_ahead(k), scratch);
        let error = activation.apply_scalar(z + *b) - visit.y[i];
        let lr = rate();
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
        let row = visit.x.row(i);
        let (z, x) = dot_and_values(row, w, None, scratch);
        let prediction = activation.apply_scalar(z + b);
        total += loss.per_sample(prediction, target);
        let error = prediction - target;
        add_scaled(grad_w, error, x);
        error_sum += error;
    }
    (total / visit.y.len() as f64, error_sum)
}
// ANCHOR_END: loss_and_gradient
