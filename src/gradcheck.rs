//! Numerical gradients: the check that an analytic gradient is right (Part 2.4
//! of the series).
//!
//! The derivative of the loss along one parameter is estimated with a central
//! difference, `(L(θ + h) - L(θ - h)) / 2h`, whose error shrinks like `h²`.
//! Comparing it with [`crate::gradient`] shows that the trainer steps against
//! the true gradient of binary cross-entropy with a sigmoid, and against
//! *half* the gradient of the mean squared error.

use ndarray::{Array1, ArrayRef1, ArrayRef2};

use crate::activation::Activation;
use crate::error::ShapeError;
use crate::loss::Loss;
use crate::model::predict;

// ANCHOR: loss_at
/// The loss of the model `activation(X·w + b)` on the data set `(x, y)`.
pub fn loss_at(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    loss: Loss,
    activation: Activation,
) -> Result<f64, ShapeError> {
    loss.compute(&predict(x, w, b, activation)?, y)
}
// ANCHOR_END: loss_at

// ANCHOR: numerical_gradient
/// Central-difference estimates of `∂L/∂w` (one per weight) and `∂L/∂b` at
/// `(w, b)`, with step `h`, where `loss(w, b)` is `L` at those parameters,
/// such as [`loss_at`] on a data set.
///
/// `h = 1e-6` balances the truncation error (about `h²`) against rounding
/// (about `ε/h`).
pub fn numerical_gradient<E>(
    loss: impl Fn(&ArrayRef1<f64>, f64) -> Result<f64, E>,
    (w, b): (&ArrayRef1<f64>, f64),
    h: f64,
) -> Result<(Array1<f64>, f64), E> {
    let mut shifted = w.to_owned();
    let mut grad_w = Array1::zeros(w.len());
    for j in 0..w.len() {
        shifted[j] = w[j] + h;
        let up = loss(&shifted, b)?;
        shifted[j] = w[j] - h;
        let down = loss(&shifted, b)?;
        shifted[j] = w[j];
        grad_w[j] = (up - down) / (2.0 * h);
    }
    let (up, down) = (loss(w, b + h)?, loss(w, b - h)?);
    Ok((grad_w, (up - down) / (2.0 * h)))
}
// ANCHOR_END: numerical_gradient
