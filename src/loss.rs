//! Loss functions: one number that says how far predictions are from the
//! targets.

use std::fmt;

use ndarray::{ArrayRef1, Zip};

use crate::error::ShapeError;

// ANCHOR: loss
/// Added inside the logarithms of [`binary_cross_entropy`] so that a prediction
/// of exactly 0 or 1 costs a large finite amount instead of infinity. The blog
/// uses the same value, so our losses equal its losses.
pub const BCE_EPSILON: f64 = 1e-15;

/// Which loss a model is trained and measured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Mean squared error, for regression: see [`mse_loss`].
    Mse,
    /// Binary cross-entropy, for two-class classification: see
    /// [`binary_cross_entropy`].
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
        ShapeError::check_samples(predictions.len(), targets.len())?;
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
/// Mean squared error: `mean((y_pred - y)²)`. The trainer's step
/// `Xᵀ(y_pred - y) / batch_len` is the gradient of *half* of it, which only
/// rescales the learning rate (the appendix checks it numerically).
pub fn mse_loss(
    y_pred: &ArrayRef1<f64>,
    y: &ArrayRef1<f64>,
) -> Result<f64, ShapeError> {
    Loss::Mse.compute(y_pred, y)
}
// ANCHOR_END: mse_loss

// ANCHOR: binary_cross_entropy
/// Binary cross-entropy, `-mean(y·ln(a + ε) + (1 - y)·ln(1 - a + ε))` with
/// `ε =` [`BCE_EPSILON`], of probabilities `a` and labels `y` in {0, 1}. With
/// a sigmoid output, the step `Xᵀ(a - y) / batch_len` is its exact gradient.
pub fn binary_cross_entropy(
    a: &ArrayRef1<f64>,
    y: &ArrayRef1<f64>,
) -> Result<f64, ShapeError> {
    Loss::BinaryCrossEntropy.compute(a, y)
}
// ANCHOR_END: binary_cross_entropy
