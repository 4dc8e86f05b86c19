//! The typed errors of the numeric core.
//!
//! Every way the public API can be misused ends here, as a value with a message
//! that says what was wrong and how to fix it, never as a panic.

use thiserror::Error;

/// Two arrays whose shapes do not fit the operation asked of them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShapeError {
    /// `matrix_multiply` was given an `(m, n)` and a `(k, p)` matrix with `n !=
    /// k`.
    #[error(
        "cannot multiply a {left_rows}×{left_cols} matrix by a {right_rows}×{right_cols} matrix: \
         the first one's columns ({left_cols}) must equal the second one's rows ({right_rows})"
    )]
    Multiply {
        left_rows: usize,
        left_cols: usize,
        right_rows: usize,
        right_cols: usize,
    },
    /// A loss was given predictions and targets of different lengths.
    #[error(
        "predictions have {predictions} values but targets have {targets}: give one prediction per target"
    )]
    Lengths { predictions: usize, targets: usize },
    /// A loss was given no values at all: the mean of nothing is undefined.
    #[error("a loss needs at least one prediction and target, got none")]
    Empty,
}

impl ShapeError {
    /// Checks that a matrix of shape `left` can be multiplied by one of
    /// shape `right` (a vector of `n` values is `(n, 1)`): the first one's
    /// columns must equal the second one's rows.
    pub fn check_multiply(
        (left_rows, left_cols): (usize, usize),
        (right_rows, right_cols): (usize, usize),
    ) -> Result<(), Self> {
        let error = Self::Multiply {
            left_rows,
            left_cols,
            right_rows,
            right_cols,
        };
        ensure(left_cols == right_rows, error)
    }

    /// Checks that there is one prediction per target.
    pub fn check_pairs(predictions: usize, targets: usize) -> Result<(), Self> {
        let error = Self::Lengths {
            predictions,
            targets,
        };
        ensure(predictions == targets, error)
    }

    /// Checks that there is one prediction per target, and at least one:
    /// what a mean over the samples needs.
    pub fn check_samples(
        predictions: usize,
        targets: usize,
    ) -> Result<(), Self> {
        Self::check_pairs(predictions, targets)?;
        ensure(targets > 0, Self::Empty)
    }
}

/// `Ok(())` where `holds`, else `error`.
fn ensure(holds: bool, error: ShapeError) -> Result<(), ShapeError> {
    if holds { Ok(()) } else { Err(error) }
}

// ANCHOR: train_error
/// Everything that can stop [`crate::gradient_descent`] before or during
/// training.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TrainError {
    /// The batch size is 0: a batch must hold at least one sample.
    #[error("the batch size is 0: use a batch size of at least 1")]
    ZeroBatchSize,
    /// The learning rate is not a finite number greater than zero.
    #[error(
        "the learning rate must be a finite number greater than 0, got {0:?}"
    )]
    InvalidLearningRate(f64),
    /// A learning-rate decay that is negative or not a finite number.
    #[error(
        "the learning-rate decay must be a finite number of at least 0, \
         got {0:?}: a negative decay would make the steps grow"
    )]
    InvalidDecay(f64),
    /// Zero epochs would return the initial parameters untouched.
    #[error("the number of epochs is 0: train for at least 1 epoch")]
    ZeroEpochs,
    /// There are no samples, or samples with no features.
    #[error(
        "the data set is empty ({rows} rows, {features} features): \
         training needs at least one sample with one feature"
    )]
    EmptyData { rows: usize, features: usize },
    /// Inputs and targets disagree on the number of samples.
    #[error(
        "the inputs have {inputs} rows but the targets have {targets}: \
         give exactly one target per input row"
    )]
    RowMismatch { inputs: usize, targets: usize },
    /// The weight vector does not have one entry per feature.
    #[error(
        "the weights have {weights} entries but the inputs have \
         {features} features: give one weight per feature"
    )]
    WeightMismatch { weights: usize, features: usize },
    /// A NaN or infinity in the data or the initial parameters.
    #[error(
        "the {what} contain {value} at {position}: \
         replace or remove non-finite values before training"
    )]
    NonFinite {
        what: &'static str,
        position: String,
        value: f64,
    },
    /// The loss stopped being a finite number: the steps are too large for the
    /// data.
    #[error(
        "training diverged: the loss became {loss} at epoch {epoch}, \
         the steps are too large: try a learning rate below {lr:?}"
    )]
    Diverged { epoch: usize, loss: f64, lr: f64 },
    /// Arrays whose shapes do not fit (checked before training starts).
    #[error(transparent)]
    Shape(#[from] ShapeError),
}
// ANCHOR_END: train_error

impl TrainError {
    /// The error for a NaN or infinity found in `what` at `position`.
    pub(crate) fn non_finite(
        what: &'static str,
        position: String,
        value: f64,
    ) -> Self {
        Self::NonFinite {
            what,
            position,
            value,
        }
    }
}
