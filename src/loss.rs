//! Loss functions: one number that says how far predictions are from the targets.

use std::fmt;

use ndarray::{ArrayRef1, Zip};

use crate::error::ShapeError;

// ANCHOR: loss
/// Added inside the logarithms of [`binary_cross_entropy`] so that a prediction of exactly 0
/// or 1 costs a large finite amount instead of infinity. The blog uses the same value, so
/// our losses equal its losses.
pub const BCE_EPSILON: f64 = 1e-15;

/// Which loss a model is trained and measured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Mean squared error, for regression: see [`mse_loss`].
    Mse,
    /// Binary cross-entropy, for two-class classification: see [`binary_cross_entropy`].
    BinaryCrossEntropy,
}

impl Loss {
    /// The loss of one sample: what the mean is taken over.
    pub fn per_sample(self, prediction: f64, target: f64) -> f64 {
        match self {
            Self::Mse => (prediction - target) * (prediction - target),
            Self::BinaryCrossEntropy => {
                -(target * (prediction + BCE_EPSILON).ln()
                    + (1.0 - target) * (1.0 - prediction + BCE_EPSILON).ln())
            }
        }
    }

    /// The mean of [`Loss::per_sample`] over all predictions and their targets.
    pub fn compute(
        self,
        predictions: &ArrayRef1<f64>,
        targets: &ArrayRef1<f64>,
    ) -> Result<f64, ShapeError> {
        if predictions.len() != targets.len() {
            return Err(ShapeError::Lengths {
                predictions: predictions.len(),
                targets: targets.len(),
            });
        }
        if targets.is_empty() {
            return Err(ShapeError::Empty);
        }
        let total = Zip::from(predictions)
            .and(targets)
            .fold(0.0, |acc, &p, &t| acc + self.per_sample(p, t));
        Ok(total / targets.len() as f64)
    }
}
// ANCHOR_END: loss

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Mse => "mean squared error",
            Self::BinaryCrossEntropy => "binary cross-entropy",
        })
    }
}

// ANCHOR: mse_loss
/// Mean squared error: `mean((y_pred - y)²)`.
///
/// A note the blog leaves out: the trainer's update `Xᵀ(y_pred - y) / batch_len` is the
/// gradient of *half* this loss. The gradient of the MSE itself is twice as large,
/// `2·Xᵀ(y_pred - y) / batch_len`.
/// The factor only rescales the learning rate (a step of `lr` on ½·MSE is a step of `lr / 2`
/// on the MSE), so training still descends; the appendix of the book and the test
/// `mse_update_is_the_gradient_of_half_the_mse` check it with finite differences.
///
/// ```
/// use ndarray::array;
/// use neural_network::mse_loss;
///
/// assert_eq!(mse_loss(&array![1.0, 3.0], &array![0.0, 1.0])?, 2.5);
/// # Ok::<(), neural_network::ShapeError>(())
/// ```
pub fn mse_loss(
    y_pred: &ArrayRef1<f64>,
    y: &ArrayRef1<f64>,
) -> Result<f64, ShapeError> {
    Loss::Mse.compute(y_pred, y)
}
// ANCHOR_END: mse_loss

// ANCHOR: binary_cross_entropy
/// Binary cross-entropy: `-mean(y·ln(a + ε) + (1 - y)·ln(1 - a + ε))` with `ε =` [`BCE_EPSILON`].
///
/// `a` are predicted probabilities (after a sigmoid) and `y` labels in {0, 1}. With a
/// sigmoid output, the trainer's update `Xᵀ(a - y) / batch_len` is exactly this
/// loss's gradient.
///
/// ```
/// use ndarray::array;
/// use neural_network::binary_cross_entropy;
///
/// let loss = binary_cross_entropy(&array![0.5, 0.5], &array![0.0, 1.0])?;
/// assert!((loss - std::f64::consts::LN_2).abs() < 1e-12);
/// # Ok::<(), neural_network::ShapeError>(())
/// ```
pub fn binary_cross_entropy(
    a: &ArrayRef1<f64>,
    y: &ArrayRef1<f64>,
) -> Result<f64, ShapeError> {
    Loss::BinaryCrossEntropy.compute(a, y)
}
// ANCHOR_END: binary_cross_entropy
