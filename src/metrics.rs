//! How good a binary classifier is: accuracy and the confusion counts behind
//! it.

use std::fmt;

use ndarray::{ArrayRef1, Zip};

use crate::error::ShapeError;

/// The four counts of a binary classifier's decisions against the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Confusion {
    /// Target 0, predicted 0.
    pub true_negatives: usize,
    /// Target 0, predicted 1.
    pub false_positives: usize,
    /// Target 1, predicted 0.
    pub false_negatives: usize,
    /// Target 1, predicted 1.
    pub true_positives: usize,
}

impl Confusion {
    /// Counts decisions, predicting 1 where the probability is above 0.5 (as
    /// the blog's `y_pred_test > 0.5`) and 0 elsewhere.
    pub fn of(
        probabilities: &ArrayRef1<f64>,
        targets: &ArrayRef1<f64>,
    ) -> Result<Self, ShapeError> {
        ShapeError::check_pairs(probabilities.len(), targets.len())?;
        let mut counts = Self::default();
        Zip::from(probabilities).and(targets).for_each(|&p, &t| {
            let count = match (t == 1.0, p > 0.5) {
                (false, false) => &mut counts.true_negatives,
                (false, true) => &mut counts.false_positives,
                (true, false) => &mut counts.false_negatives,
                (true, true) => &mut counts.true_positives,
            };
            *count += 1;
        });
        Ok(counts)
    }

    /// The number of samples counted.
    pub fn total(&self) -> usize {
        self.true_negatives
            + self.false_positives
            + self.false_negatives
            + self.true_positives
    }

    /// The fraction of samples classified correctly (NaN when nothing was
    /// counted).
    pub fn accuracy(&self) -> f64 {
        (self.true_negatives + self.true_positives) as f64 / self.total() as f64
    }
}

/// A two-by-two table, true classes down, predicted classes across.
impl fmt::Display for Confusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:>8}{:>13}{:>13}", "", "predicted 0", "predicted 1")?;
        writeln!(
            f,
            "{:>8}{:>13}{:>13}",
            "true 0", self.true_negatives, self.false_positives
        )?;
        write!(
            f,
            "{:>8}{:>13}{:>13}",
            "true 1", self.false_negatives, self.true_positives
        )
    }
}
