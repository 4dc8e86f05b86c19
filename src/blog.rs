//! The blog's epoch, transcribed literally: the baseline that the benchmarks measure the
//! [`Trainer`](crate::Trainer) against, and that the tests check it against.
//!
//! The blog's NumPy code does, every epoch:
//!
//! ```python
//! indices = np.random.permutation(n_samples)
//! X_shuffled = X[indices]                      # a copy of the whole data set
//! y_shuffled = y[indices]
//! for start_idx in range(0, n_samples, batch_size):
//!     X_batch = X_shuffled[start_idx:end_idx]
//!     error = activation_fn(X_batch @ W + b) - y_batch
//!     grad_W = (X_batch.T @ error) / batch_size_actual
//!     ...
//! loss = loss_fn(activation_fn(X @ W + b), y)
//! ```
//!
//! [`epoch`] does the same with ndarray, array operation for array operation: it copies
//! the data set in its new order, reads each batch twice (once for `X_batch @ W`, once for
//! `X_batch.T @ error`) and allocates fresh arrays for every intermediate result. It is
//! correct, and it is what most first ports look like; the crate's trainer computes the
//! same numbers without the copy, the second read or the allocations.

use ndarray::{Array1, ArrayRef1, ArrayRef2, Axis, s};

use crate::train::Settings;

// ANCHOR: blog_epoch
/// One epoch of the blog's algorithm, visiting the rows in `order`, updating `w` and `b`
/// in place and returning the loss on the whole data set at the end.
///
/// Only `lr`, `batch_size`, `loss_fn` and `activation_fn` of `settings` are used: the
/// caller chooses the order (pass [`Trainer::order`](crate::Trainer::order) to replay a
/// trainer's epoch). Nothing is checked: shapes and values are the caller's duty.
pub fn epoch(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    order: &[usize],
    w: &mut Array1<f64>,
    b: &mut f64,
    settings: &Settings,
) -> f64 {
    let Settings {
        lr,
        batch_size,
        loss_fn,
        activation_fn,
        ..
    } = *settings;
    let n = x.nrows();
    let x_shuffled = x.select(Axis(0), order);
    let y_shuffled = y.select(Axis(0), order);
    for start in (0..n).step_by(batch_size) {
        let end = (start + batch_size).min(n);
        let x_batch = x_shuffled.slice(s![start..end, ..]);
        let y_batch = y_shuffled.slice(s![start..end]);
        let m = x_batch.nrows() as f64;
        let error = activation_fn.apply(&(x_batch.dot(&*w) + *b)) - y_batch;
        let grad_w = x_batch.t().dot(&error) / m;
        let grad_b = error.sum() / m;
        *w = &*w - &(lr * grad_w);
        *b -= lr * grad_b;
    }
    let predictions = activation_fn.apply(&(x.dot(&*w) + *b));
    loss_fn
        .compute(&predictions, y)
        .expect("predictions and targets have one entry per row")
}
// ANCHOR_END: blog_epoch
