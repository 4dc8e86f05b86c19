//! The model the chapter trains: a linear function of the inputs followed by an activation,
//! `prediction = activation(x·W + b)`, one sample (one row of `X`) at a time.
//!
//! The functions here work on the rows of `X` where they are, so the trainer never copies
//! the data set: a mini-batch is just a list of row numbers.

use ndarray::{Array1, ArrayRef1, ArrayRef2, Zip};

use crate::activation::Activation;
use crate::error::ShapeError;
use crate::loss::Loss;

// ANCHOR: forward
/// The prediction for one sample: `activation(row·w + b)`. Shapes are the caller's duty.
#[inline]
pub(crate) fn forward(
    row: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    activation: Activation,
) -> f64 {
    activation.apply_scalar(row.dot(w) + b)
}
// ANCHOR_END: forward

// ANCHOR: accumulate_gradient
/// Adds `Σ errorᵢ · xᵢ` over the given rows into `grad_w` and returns `Σ errorᵢ`, where
/// `errorᵢ = prediction(xᵢ) - yᵢ`.
///
/// Each row is read once: its error is computed and, while the row is still in cache,
/// added into the gradient. That fuses the blog's forward pass and backward pass, which is
/// valid because `w` and `b` do not change within a batch. Shapes are the caller's duty.
pub(crate) fn accumulate_gradient(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    rows: impl IntoIterator<Item = usize>,
    w: &ArrayRef1<f64>,
    b: f64,
    activation: Activation,
    grad_w: &mut Array1<f64>,
) -> f64 {
    let mut error_sum = 0.0;
    for i in rows {
        let row = x.row(i);
        let error = forward(&row, w, b, activation) - y[i];
        grad_w.scaled_add(error, &row);
        error_sum += error;
    }
    error_sum
}
// ANCHOR_END: accumulate_gradient

// ANCHOR: mean_loss
/// The mean loss over every sample, in one pass over `X` with no allocation.
/// Shapes are the caller's duty.
pub(crate) fn mean_loss(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    loss: Loss,
    activation: Activation,
) -> f64 {
    let total = Zip::from(x.rows()).and(y).fold(0.0, |acc, row, &target| {
        acc + loss.per_sample(forward(&row, w, b, activation), target)
    });
    total / y.len() as f64
}
// ANCHOR_END: mean_loss

/// Checks that `X` (one sample per row) can be multiplied by the weight vector `w`.
fn check_features(x: &ArrayRef2<f64>, w: &ArrayRef1<f64>) -> Result<(), ShapeError> {
    if x.ncols() == w.len() {
        Ok(())
    } else {
        Err(ShapeError::Multiply {
            left_rows: x.nrows(),
            left_cols: x.ncols(),
            right_rows: w.len(),
            right_cols: 1,
        })
    }
}

/// The model's prediction for every row of `x`: `activation(X·w + b)`.
///
/// ```
/// use ndarray::array;
/// use neural_network::{predict, Activation};
///
/// let p = predict(&array![[1.0, 2.0], [-3.0, 0.0]], &array![1.0, 1.0], 0.0, Activation::Sigmoid)?;
/// assert!(p[0] > 0.5 && p[1] < 0.5);
/// # Ok::<(), neural_network::ShapeError>(())
/// ```
pub fn predict(
    x: &ArrayRef2<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    activation: Activation,
) -> Result<Array1<f64>, ShapeError> {
    check_features(x, w)?;
    Ok(x.rows()
        .into_iter()
        .map(|row| forward(&row, w, b, activation))
        .collect())
}

// ANCHOR: gradient
/// The gradient the trainer steps along, over the whole data set:
/// `(Xᵀ(prediction - y) / n, mean(prediction - y))`.
///
/// It is computed by the same code as the trainer's per-batch gradient, so checking this
/// one against finite differences checks the trainer's.
pub fn gradient(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    activation: Activation,
) -> Result<(Array1<f64>, f64), ShapeError> {
    check_features(x, w)?;
    if x.nrows() != y.len() {
        return Err(ShapeError::Lengths {
            predictions: x.nrows(),
            targets: y.len(),
        });
    }
    if y.is_empty() {
        return Err(ShapeError::Empty);
    }
    let n = y.len() as f64;
    let mut grad_w = Array1::zeros(w.len());
    let error_sum = accumulate_gradient(x, y, 0..y.len(), w, b, activation, &mut grad_w);
    grad_w.mapv_inplace(|g| g / n);
    Ok((grad_w, error_sum / n))
}
// ANCHOR_END: gradient
