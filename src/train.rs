//! Mini-batch gradient descent: the chapter's `gradient_descent`, written the
//! way the blog writes it in NumPy, with whole-array operations.
//!
//! This is the trainer the book teaches and the exercises run. The crate's
//! fast trainer (`engine`, behind the default `engine` feature) computes the
//! same numbers to within 1e-12 and is taught on the speed page.

use std::fmt;

use ndarray::{Array1, ArrayRef1, ArrayRef2, Axis, s};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::activation::Activation;
use crate::error::TrainError;
use crate::loss::Loss;
use crate::schedule::Schedule;

/// The seed every program of this crate uses when none is given, so that
/// two readers who run the same command see the same numbers.
pub const DEFAULT_SEED: u64 = 42;

// ANCHOR: shuffle
/// The order in which each epoch visits the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shuffle {
    /// A fresh random order every epoch, from a ChaCha8 generator seeded
    /// with this number: the same on every machine.
    Seeded(u64),
    /// The samples in the order given, every epoch (Exercise 4).
    Off,
}
// ANCHOR_END: shuffle

// ANCHOR: settings
/// The settings of a run, in the order of the blog's arguments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The learning rate η.
    pub lr: f64,
    /// How many passes over the data set to make.
    pub num_epochs: usize,
    /// How many samples each step averages over.
    pub batch_size: usize,
    /// The loss measured at the end of each epoch.
    pub loss_fn: Loss,
    /// The activation applied to `X·w + b` (identity by default).
    pub activation_fn: Activation,
    /// How each epoch orders the samples (seed 42 by default).
    pub shuffle: Shuffle,
    /// How the learning rate changes from step to step (constant by
    /// default, as in the blog).
    pub schedule: Schedule,
}
// ANCHOR_END: settings

impl Settings {
    /// Settings with the identity activation and seeded shuffling, the
    /// defaults of the blog's function.
    pub fn new(
        lr: f64,
        num_epochs: usize,
        batch_size: usize,
        loss_fn: Loss,
    ) -> Self {
        Self {
            lr,
            num_epochs,
            batch_size,
            loss_fn,
            activation_fn: Activation::Identity,
            shuffle: Shuffle::Seeded(DEFAULT_SEED),
            schedule: Schedule::Constant,
        }
    }

    /// The same settings with another activation.
    pub fn activation(self, activation_fn: Activation) -> Self {
        Self {
            activation_fn,
            ..self
        }
    }

    /// The same settings with another shuffling rule.
    pub fn shuffle(self, shuffle: Shuffle) -> Self {
        Self { shuffle, ..self }
    }

    /// The same settings with another learning-rate schedule.
    pub fn schedule(self, schedule: Schedule) -> Self {
        Self { schedule, ..self }
    }

    /// Checks the settings on their own, before any data is looked at.
    pub fn validate(&self) -> Result<(), TrainError> {
        if self.batch_size == 0 {
            return Err(TrainError::ZeroBatchSize);
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(TrainError::InvalidLearningRate(self.lr));
        }
        if self.num_epochs == 0 {
            return Err(TrainError::ZeroEpochs);
        }
        self.schedule.validate()
    }
}

/// What [`gradient_descent`] returns: the final parameters and the loss
/// after each epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// The final weights, one per feature.
    pub w: Array1<f64>,
    /// The final bias.
    pub b: f64,
    /// The loss on the whole data set at the end of each epoch.
    pub loss_history: Vec<f64>,
}

/// What the trainer reports at the end of each epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochEnd {
    /// The epoch just finished, counted from 1.
    pub epoch: usize,
    /// How many epochs the run makes.
    pub num_epochs: usize,
    /// The loss on the whole data set after this epoch.
    pub loss: f64,
}

/// The blog's progress line: `Epoch 3/5, Loss: 0.0377`.
impl fmt::Display for EpochEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Epoch {}/{}, Loss: {:.4}",
            self.epoch, self.num_epochs, self.loss
        )
    }
}

// ANCHOR: gradient_descent
/// Trains `activation(X·w + b)` by mini-batch gradient descent, as the
/// blog's function does, and calls `on_epoch` after every epoch.
pub fn gradient_descent(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    settings: &Settings,
    mut on_epoch: impl FnMut(&EpochEnd),
) -> Result<Trained, TrainError> {
    check_inputs(x, y, w, b, settings)?;
    let (lr, num_epochs, schedule) =
        (settings.lr, settings.num_epochs, settings.schedule);
    let (batch_size, shuffle) = (settings.batch_size, settings.shuffle);
    let (loss_fn, activation_fn) = (settings.loss_fn, settings.activation_fn);
    let n = x.nrows();
    let mut rng = shuffle.generator();
    let (mut w, mut b) = (w.to_owned(), b);
    let mut loss_history = Vec::new();
    let (steps_per_epoch, mut step) = (n.div_ceil(batch_size), 0);

    for epoch in 1..=num_epochs {
        let indices = epoch_order(n, &mut rng);
        let x_shuffled = x.select(Axis(0), &indices);
        let y_shuffled = y.select(Axis(0), &indices);

        for start in (0..n).step_by(batch_size) {
            let end = (start + batch_size).min(n);
            let x_batch = x_shuffled.slice(s![start..end, ..]);
            let y_batch = y_shuffled.slice(s![start..end]);
            let batch_len = (end - start) as f64;

            let y_pred = activation_fn.apply(&(x_batch.dot(&w) + b));
            let error = y_pred - y_batch;
            let grad_w = x_batch.t().dot(&error) / batch_len;
            let grad_b = error.sum() / batch_len;
            let rate = schedule.rate(lr, step, steps_per_epoch);
            w = w - rate * grad_w;
            b -= rate * grad_b;
            step += 1;
        }

        let y_pred = activation_fn.apply(&(x.dot(&w) + b));
        let loss = loss_fn.compute(&y_pred, y)?;
        if !loss.is_finite() {
            return Err(TrainError::Diverged { epoch, loss, lr });
        }
        loss_history.push(loss);
        on_epoch(&EpochEnd {
            epoch,
            num_epochs,
            loss,
        });
    }
    Ok(Trained { w, b, loss_history })
}
// ANCHOR_END: gradient_descent

// ANCHOR: epoch_order
impl Shuffle {
    /// The generator that draws each epoch's order; none for `Off`.
    pub fn generator(self) -> Option<ChaCha8Rng> {
        match self {
            Shuffle::Seeded(seed) => Some(ChaCha8Rng::seed_from_u64(seed)),
            Shuffle::Off => None,
        }
    }
}

/// The row numbers `0..n` in the order one epoch visits them: a fresh
/// random permutation (NumPy's `np.random.permutation(n)`), or `0..n` as
/// they are without a generator.
pub fn epoch_order(n: usize, rng: &mut Option<ChaCha8Rng>) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..n).collect();
    if let Some(rng) = rng {
        indices.shuffle(rng);
    }
    indices
}
// ANCHOR_END: epoch_order

/// Checks the settings, then the data and initial parameters against each
/// other, before any arithmetic: every mistake becomes a [`TrainError`].
pub(crate) fn check_inputs(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    settings: &Settings,
) -> Result<(), TrainError> {
    check_problem(x.dim(), y, w, b, settings)?;
    if let Some(((row, column), &value)) =
        x.indexed_iter().find(|(_, v)| !v.is_finite())
    {
        let position = format!("row {row}, column {column}");
        return Err(TrainError::non_finite("inputs", position, value));
    }
    Ok(())
}

/// [`check_inputs`] for inputs of shape `(rows, features)` known to be
/// finite: everything but the inputs' values. The crate's engine checks
/// images kept as bytes with it (a byte is always finite), which is why it
/// stands alone; outside the crate it has no use.
pub(crate) fn check_problem(
    (rows, features): (usize, usize),
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    settings: &Settings,
) -> Result<(), TrainError> {
    settings.validate()?;
    if rows == 0 || features == 0 {
        return Err(TrainError::EmptyData { rows, features });
    }
    if y.len() != rows {
        return Err(TrainError::RowMismatch {
            inputs: rows,
            targets: y.len(),
        });
    }
    if w.len() != features {
        return Err(TrainError::WeightMismatch {
            weights: w.len(),
            features,
        });
    }
    if let Some((i, &value)) = y.indexed_iter().find(|(_, v)| !v.is_finite()) {
        let position = format!("row {i}");
        return Err(TrainError::non_finite("targets", position, value));
    }
    if let Some((i, &value)) = w.indexed_iter().find(|(_, v)| !v.is_finite()) {
        let position = format!("index {i}");
        return Err(TrainError::non_finite("initial weights", position, value));
    }
    if !b.is_finite() {
        let position = "its only value".to_string();
        return Err(TrainError::non_finite("initial bias", position, b));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permutation(seed: u64, n: usize) -> Vec<usize> {
        epoch_order(n, &mut Shuffle::Seeded(seed).generator())
    }

    #[test]
    fn each_epoch_order_is_a_permutation_of_all_rows() {
        let mut order = permutation(3, 1000);
        order.sort_unstable();
        assert_eq!(order, (0..1000).collect::<Vec<_>>());
        assert_eq!(epoch_order(4, &mut None), vec![0, 1, 2, 3]);
    }

    #[test]
    fn seeds_decide_the_permutation() {
        assert_eq!(permutation(1, 100), permutation(1, 100));
        assert_ne!(permutation(1, 100), permutation(2, 100));
    }

    #[test]
    fn the_generator_is_portable() {
        // ChaCha8 and rand's shuffle are specified bit for bit, so this order
        // is the same on every machine; if it changes, a dependency changed
        // what our seeds mean.
        assert_eq!(permutation(42, 8), vec![7, 1, 5, 4, 6, 0, 3, 2]);
    }
}
