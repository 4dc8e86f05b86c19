//! Normalization: shift and scale data so that it has mean 0 and standard deviation 1.
//!
//! As in the blog series, one *global* mean and standard deviation are taken over every
//! element (not one per feature). [`Normalization`] keeps those two numbers so that a test
//! set can be scaled with the statistics of the training set, which is how a model meets
//! data it has never seen.

use ndarray::{Array, ArrayRef, Dimension};

// ANCHOR: normalization
/// The mean and (population) standard deviation of a data set, ready to apply to any array.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    /// The mean of all elements.
    pub mean: f64,
    /// The population standard deviation of all elements (NumPy's `np.std`, `ddof = 0`).
    pub std: f64,
}
// ANCHOR_END: normalization

impl Normalization {
    /// Measures the mean and standard deviation of all elements of `x`, in two passes
    /// (the mean first, then the squared deviations), as NumPy does.
    ///
    /// An empty array has no statistics; it gets mean 0 and standard deviation 0, so that
    /// applying them changes nothing.
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

    /// Returns `(x - mean) / std`; when the standard deviation is 0 (all elements equal),
    /// only the mean is subtracted, since there is no spread to scale.
    pub fn apply<D: Dimension>(&self, x: &ArrayRef<f64, D>) -> Array<f64, D> {
        let Self { mean, std } = *self;
        if std == 0.0 {
            x.mapv(|v| v - mean)
        } else {
            x.mapv(|v| (v - mean) / std)
        }
    }

    /// [`Normalization::apply`] without a second array: overwrites `x` with the same
    /// values. A large data set then needs its memory once, not twice.
    pub fn apply_in_place<D: Dimension>(&self, x: &mut ArrayRef<f64, D>) {
        let Self { mean, std } = *self;
        if std == 0.0 {
            x.mapv_inplace(|v| v - mean);
        } else {
            x.mapv_inplace(|v| (v - mean) / std);
        }
    }
}
// ANCHOR_END: normalization

// ANCHOR: normalize
/// Normalizes `x` with its own global mean and standard deviation.
///
/// ```
/// use ndarray::array;
/// use neural_network::normalize;
///
/// let z = normalize(&array![[1.0, 2.0], [3.0, 4.0]]);
/// assert!(z.sum().abs() < 1e-12);
/// ```
pub fn normalize<D: Dimension>(x: &ArrayRef<f64, D>) -> Array<f64, D> {
    Normalization::of(x).apply(x)
}
// ANCHOR_END: normalize
