//! Normalization: shift and scale data so that it has mean 0 and standard
//! deviation 1.
//!
//! As in the blog series, one *global* mean and standard deviation are taken
//! over every element (not one per feature). [`Normalization`] keeps those two
//! numbers so that a test set can be scaled with the statistics of the
//! training set, which is how a model meets data it has never seen.

use ndarray::{Array, ArrayRef, Dimension};

// ANCHOR: normalization
/// The mean and standard deviation of a data set, ready to apply to any
/// array.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    /// The mean of all elements.
    pub mean: f64,
    /// The standard deviation of all elements, divided by N (`np.std`).
    pub std: f64,
}

impl Normalization {
    /// Measures all elements of `x` in two passes, as NumPy does: the mean
    /// first, then the squared deviations from it. An empty array gets 0
    /// and 0, which change nothing.
    pub fn of<D: Dimension>(x: &ArrayRef<f64, D>) -> Self {
        if x.is_empty() {
            return Self {
                mean: 0.0,
                std: 0.0,
            };
        }
        let n = x.len() as f64;
        let mean = x.sum() / n;
        let variance = x.fold(0.0, |acc, &v| acc + (v - mean) * (v - mean)) / n;
        Self {
            mean,
            std: variance.sqrt(),
        }
    }

    /// Returns `(x - mean) / std`; with a standard deviation of 0 (all
    /// elements equal) there is no spread to scale, so only the mean goes.
    pub fn apply<D: Dimension>(&self, x: &ArrayRef<f64, D>) -> Array<f64, D> {
        let Self { mean, std } = *self;
        if std == 0.0 {
            x.mapv(|v| v - mean)
        } else {
            x.mapv(|v| (v - mean) / std)
        }
    }
}
// ANCHOR_END: normalization

impl Normalization {
    /// [`Normalization::apply`] without a second array: overwrites `x` with
    /// the same values, so that a large data set needs its memory once, not
    /// twice.
    pub fn apply_in_place<D: Dimension>(&self, x: &mut ArrayRef<f64, D>) {
        let Self { mean, std } = *self;
        if std == 0.0 {
            x.mapv_inplace(|v| v - mean);
        } else {
            x.mapv_inplace(|v| (v - mean) / std);
        }
    }
}

// ANCHOR: normalize
/// Normalizes `x` with its own global mean and standard deviation.
pub fn normalize<D: Dimension>(x: &ArrayRef<f64, D>) -> Array<f64, D> {
    Normalization::of(x).apply(x)
}
// ANCHOR_END: normalize
