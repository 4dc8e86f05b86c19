//! The model the chapter trains, `prediction = activation(X·w + b)`, and the
//! gradient of its loss: the forward and backward pass of the blog's loop,
//! over a whole data set at once.

use ndarray::{Array1, ArrayRef1, ArrayRef2};

use crate::activation::Activation;
use crate::error::ShapeError;

// ANCHOR: predict
/// The model's prediction for every row of `x`: `activation(X·w + b)`.
pub fn predict(
    x: &ArrayRef2<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    activation: Activation,
) -> Result<Array1<f64>, ShapeError> {
    ShapeError::check_multiply(x.dim(), (w.len(), 1))?;
    Ok(activation.apply(&(x.dot(w) + b)))
}
// ANCHOR_END: predict

// ANCHOR: gradient
/// The step direction of the blog's loop over the whole data set, from the
/// errors `error = prediction - y` of the model there: `(Xᵀ·error / n,
/// mean(error))`, the mean of the per-example gradients `eᵢ · (xᵢ, 1)`.
/// It is the same for both of the chapter's models, the sigmoid with
/// binary cross-entropy and the identity with the mean squared error.
pub fn gradient(
    x: &ArrayRef2<f64>,
    error: &ArrayRef1<f64>,
) -> Result<(Array1<f64>, f64), ShapeError> {
    ShapeError::check_samples(x.nrows(), error.len())?;
    let n = error.len() as f64;
    Ok((x.t().dot(error) / n, error.sum() / n))
}
// ANCHOR_END: gradient
