//! What the engine's epoch asks of the data and the parameters: the traits
//! [`Model`] (the steps, the loss, the full batch's pass) and [`Predict`]
//! (the predictions), which every way of storing them implements.

use std::ops::Range;

use ndarray::Array1;

use super::kernels;
use super::rows::Inputs;
use crate::{Activation, Loss};

// ANCHOR: model
/// What a `Trainer` asks of the data and of the parameters as it keeps
/// them: the steps of an epoch, the loss, and the full batch's pass that
/// also gives the next gradient. `Dense` reads rows of values; `Folded`
/// reads images' bytes with the normalization folded in.
pub trait Model {
    /// How many samples there are.
    fn samples(&self) -> usize;
    /// Sets the order in which the next steps visit the samples.
    fn set_order(&mut self, order: Vec<usize>);
    /// The order of the current epoch.
    fn order(&self) -> &[usize];
    /// One step of learning rate `rate` on the samples `order[batch]`.
    fn batch_step(
        &mut self,
        batch: Range<usize>,
        rate: f64,
        activation: Activation,
    );
    /// One step per sample, in order, `rate()` giving each one's rate.
    fn sample_steps(
        &mut self,
        rate: impl FnMut() -> f64,
        activation: Activation,
    );
    /// The mean loss over every sample.
    fn mean_loss(&mut self, loss: Loss, activation: Activation) -> f64;
    /// Computes and keeps the gradient over every sample.
    fn full_gradient(&mut self, activation: Activation);
    /// One step of learning rate `rate` with the gradient kept.
    fn full_step(&mut self, rate: f64);
    /// [`Model::mean_loss`], keeping the gradient at the same parameters.
    fn loss_and_full_gradient(
        &mut self,
        loss: Loss,
        activation: Activation,
    ) -> f64;
    /// The current weights, one per feature.
    fn weights(&self) -> Array1<f64>;
    /// The current bias.
    fn bias(&self) -> f64;
}
// ANCHOR_END: model

/// Inputs the engine can predict on: rows it reads ([`Inputs`]), or
/// [`Pixels`](super::pixels::Pixels).
pub trait Predict {
    /// How many samples there are, and how many features each has.
    fn dim(&self) -> (usize, usize);
    /// `activation(x·w + b)` for every sample; `w` has one weight per
    /// feature.
    fn predictions(&self, w: &[f64], b: f64, f: Activation) -> Array1<f64>;
}

impl<X: Inputs> Predict for X {
    fn dim(&self) -> (usize, usize) {
        (self.nrows(), self.ncols())
    }

    /// Equal, bit for bit, to what [`predict`](crate::predict) gives for
    /// the same rows in `f64`.
    fn predictions(&self, w: &[f64], b: f64, f: Activation) -> Array1<f64> {
        (0..self.nrows())
            .map(|i| f.apply_scalar(kernels::dot(self.row(i), w, None) + b))
            .collect()
    }
}
