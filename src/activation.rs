//! Activation functions: what turns the linear output `z = x·W + b` into a
//! prediction.

use std::fmt;

use ndarray::{Array, ArrayRef, Dimension};

// ANCHOR: sigmoid_scalar
/// The sigmoid `1 / (1 + e^(-z))` of one number, in a form that never
/// overflows.
///
/// The textbook form computes `e^(-z)`, which overflows to infinity for `z`
/// below about -709 (NumPy then warns). For negative `z` the equal form `e^z /
/// (1 + e^z)` is used instead, so the exponential only ever sees a number ≤ 0.
pub fn sigmoid_scalar(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}
// ANCHOR_END: sigmoid_scalar

// ANCHOR: sigmoid
/// The sigmoid of every element of `z`: values in `[0, 1]`, read as
/// probabilities.
pub fn sigmoid<D: Dimension>(z: &ArrayRef<f64, D>) -> Array<f64, D> {
    z.mapv(sigmoid_scalar)
}
// ANCHOR_END: sigmoid

// ANCHOR: activation
/// The activation a model applies to its linear output.
///
/// The blog passes a Python function (`lambda x: x` by default); an enum lets
/// the trainer apply it one sample at a time without allocating, and lets
/// programs print its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// `f(z) = z`: linear regression.
    #[default]
    Identity,
    /// `f(z) = sigmoid(z)`: logistic regression.
    Sigmoid,
}

impl Activation {
    /// Applies the activation to one linear output.
    pub fn apply_scalar(self, z: f64) -> f64 {
        match self {
            Self::Identity => z,
            Self::Sigmoid => sigmoid_scalar(z),
        }
    }

    /// Applies the activation to every element of `z`.
    pub fn apply<D: Dimension>(self, z: &ArrayRef<f64, D>) -> Array<f64, D> {
        z.mapv(|v| self.apply_scalar(v))
    }
}
// ANCHOR_END: activation

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Identity => "identity",
            Self::Sigmoid => "sigmoid",
        })
    }
}
