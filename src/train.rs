//! Mini-batch gradient descent: the chapter's `gradient_descent`.

use std::fmt;

use ndarray::{Array1, ArrayRef1, ArrayRef2, ArrayView1, ArrayView2, Zip};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::activation::Activation;
use crate::error::TrainError;
use crate::loss::Loss;
use crate::model::{accumulate_gradient, loss_and_gradient, mean_loss, step_per_sample};

/// The seed used when none is given: the programs of this crate all default to it, so
/// that two readers who run the same command see the same numbers.
pub const DEFAULT_SEED: u64 = 42;

// ANCHOR: shuffle
/// The order in which an epoch visits the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shuffle {
    /// A fresh random permutation every epoch, drawn from a ChaCha8 generator seeded with
    /// this number: the same seed gives the same permutations on every machine.
    Seeded(u64),
    /// The rows in the order given, every epoch (the blog's Exercise 4).
    Off,
}
// ANCHOR_END: shuffle

// ANCHOR: settings
/// The settings of a training run, in the order of the blog's `gradient_descent` arguments.
///
/// [`Settings::new`] takes the four that have no sensible default; the activation defaults
/// to [`Activation::Identity`] (as in the blog) and shuffling to
/// `Shuffle::Seeded(DEFAULT_SEED)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The learning rate η: how far each update moves along the negative gradient.
    pub lr: f64,
    /// How many full passes over the data set to make.
    pub num_epochs: usize,
    /// How many samples each update averages over; the last batch of an epoch holds the
    /// `n mod batch_size` samples that are left, if any.
    pub batch_size: usize,
    /// The loss recorded at the end of each epoch.
    pub loss_fn: Loss,
    /// The activation applied to the linear output.
    pub activation_fn: Activation,
    /// How each epoch orders the samples.
    pub shuffle: Shuffle,
}
// ANCHOR_END: settings

impl Settings {
    /// Settings with identity activation and seeded shuffling.
    pub fn new(lr: f64, num_epochs: usize, batch_size: usize, loss_fn: Loss) -> Self {
        Self {
            lr,
            num_epochs,
            batch_size,
            loss_fn,
            activation_fn: Activation::Identity,
            shuffle: Shuffle::Seeded(DEFAULT_SEED),
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
        Ok(())
    }
}

/// What [`gradient_descent`] returns: the final parameters and the loss after each epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// The final weights, one per feature.
    pub w: Array1<f64>,
    /// The final bias.
    pub b: f64,
    /// The loss on the full data set at the end of each epoch.
    pub loss_history: Vec<f64>,
}

/// What the trainer tells its observer at the end of each epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochEnd {
    /// The epoch just finished, counted from 1.
    pub epoch: usize,
    /// How many epochs the run makes.
    pub num_epochs: usize,
    /// The loss on the full data set with the parameters at the end of this epoch.
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
/// Trains `activation(X·w + b)` by mini-batch gradient descent and returns the final
/// parameters with the loss history.
///
/// `x` holds one sample per row, `y` one target per sample, `w` one initial weight per
/// feature and `b` the initial bias. Each epoch:
///
/// 1. orders the samples: a fresh permutation (or the given order with [`Shuffle::Off`]);
/// 2. walks them in batches of `batch_size`; the last batch may be smaller and is divided
///    by its real size `m`;
/// 3. for each batch, with `error = activation(X_b·w + b) - y_b`, steps
///    `w ← w - lr · X_bᵀ·error / m` and `b ← b - lr · mean(error)`;
/// 4. measures the loss on the whole data set and calls `on_epoch` with it.
///
/// This is the blog's algorithm step for step. What differs is how, not what: the batches
/// are read in place through a list of row numbers instead of copying the shuffled data
/// set, each row's forward and backward pass happen together while it is in cache, and a
/// few more things that [`Trainer`] lists make an epoch run at the speed of memory.
///
/// The library prints nothing: pass `|e| println!("{e}")` to see the blog's progress lines,
/// or `|_| {}` to stay silent.
///
/// # Errors
///
/// A [`TrainError`] for invalid settings, shapes that do not fit, empty data or non-finite
/// values, checked before training starts; and [`TrainError::Diverged`], naming the epoch,
/// as soon as the loss stops being a finite number.
///
/// ```
/// use ndarray::array;
/// use neural_network::{gradient_descent, Loss, Settings, Shuffle};
///
/// let x = array![[1.0], [2.0], [3.0], [4.0]];
/// let y = array![2.0, 4.0, 6.0, 8.0];
/// let settings = Settings::new(0.05, 200, 2, Loss::Mse).shuffle(Shuffle::Seeded(7));
/// let trained = gradient_descent(&x, &y, &array![0.0], 0.0, &settings, |_| {})?;
/// assert!((trained.w[0] - 2.0).abs() < 0.01);
/// # Ok::<(), neural_network::TrainError>(())
/// ```
pub fn gradient_descent(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    settings: &Settings,
    mut on_epoch: impl FnMut(&EpochEnd),
) -> Result<Trained, TrainError> {
    let mut trainer = Trainer::new(x, y, w, b, settings)?;
    let mut loss_history = Vec::with_capacity(settings.num_epochs);
    for _ in 0..settings.num_epochs {
        let end = trainer.epoch()?;
        loss_history.push(end.loss);
        on_epoch(&end);
    }
    let (w, b) = trainer.into_parameters();
    Ok(Trained { w, b, loss_history })
}
// ANCHOR_END: gradient_descent

// ANCHOR: trainer
/// A training run that advances one epoch at a time: the loop body of
/// [`gradient_descent`], and the unit the benchmarks (`cargo bench`) and the
/// `epoch_times` program time.
///
/// It owns the parameters and everything an epoch reuses (the visiting order, the
/// shuffling generator, the gradient buffer), so [`Trainer::epoch`] allocates nothing.
///
/// # Why an epoch is fast
///
/// An epoch reads the data set at least twice, once to train and once for the loss, and
/// on MNIST (79 MB) reading is what takes the time. So the trainer reads as little and as
/// smoothly as it can, without changing a result:
///
/// - **No copy.** The blog copies the whole data set into its shuffled order every epoch
///   (`X[indices]`); here a batch is a list of row numbers, read in place.
/// - **One read per row.** Each row's prediction and its share of the gradient are
///   computed together, while the row is in cache, instead of in two passes over the batch.
/// - **Prefetching.** Rows in random order defeat the processor's prefetcher, so the
///   trainer asks for the rows two places ahead in the order itself.
/// - **Batches of one** step the weights directly instead of through a gradient buffer
///   (one pass over the weights per sample instead of three), with the same arithmetic.
/// - **A full batch** has the same gradient in any order, so its rows are read in their
///   natural order, which memory streams fastest, and the loss pass at the end of an
///   epoch also computes the next epoch's gradient: one read per epoch instead of two.
/// - **Wider instructions.** The arithmetic is compiled twice, for every x86-64 processor
///   and for those with AVX2 (four `f64` per instruction instead of two), and the
///   processor picks. The data loader also asks Linux for 2 MB pages
///   ([`crate::memory`]).
///
/// Every one of these keeps the results equal to the straightforward computation's, most
/// of them bit for bit; the tests in `tests/blog.rs` and `tests/train.rs` check them.
///
/// ```
/// use ndarray::array;
/// use neural_network::{Loss, Settings, Trainer};
///
/// let (x, y) = (array![[1.0], [2.0]], array![2.0, 4.0]);
/// let settings = Settings::new(0.05, 3, 1, Loss::Mse);
/// let mut trainer = Trainer::new(&x, &y, &array![0.0], 0.0, &settings)?;
/// let first = trainer.epoch()?;
/// let second = trainer.epoch()?;
/// assert!(second.loss < first.loss);
/// # Ok::<(), neural_network::TrainError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Trainer<'a> {
    x: ArrayView2<'a, f64>,
    y: ArrayView1<'a, f64>,
    settings: Settings,
    w: Array1<f64>,
    b: f64,
    /// The row numbers in the order the current (or last) epoch visits them.
    order: Vec<usize>,
    /// `None` for [`Shuffle::Off`].
    rng: Option<ChaCha8Rng>,
    /// The summed gradient of the current batch, reused from batch to batch.
    grad_w: Array1<f64>,
    /// With a full batch, `Some(Σ error)` once `grad_w` holds the gradient sums at the
    /// current parameters, computed by the previous epoch's loss pass.
    gradient_ready: Option<f64>,
    /// Epochs finished so far.
    epochs_done: usize,
}
// ANCHOR_END: trainer

impl<'a> Trainer<'a> {
    /// Checks the settings and the data, as [`gradient_descent`] does, and sets up a run
    /// that starts from the parameters `w` and `b`.
    ///
    /// # Errors
    ///
    /// The same [`TrainError`]s as [`gradient_descent`] returns before it trains.
    pub fn new(
        x: &'a ArrayRef2<f64>,
        y: &'a ArrayRef1<f64>,
        w: &ArrayRef1<f64>,
        b: f64,
        settings: &Settings,
    ) -> Result<Self, TrainError> {
        settings.validate()?;
        validate_data(x, y, w, b)?;
        Ok(Self {
            x: x.view(),
            y: y.view(),
            settings: *settings,
            w: w.to_owned(),
            b,
            order: (0..x.nrows()).collect(),
            rng: match settings.shuffle {
                Shuffle::Seeded(seed) => Some(ChaCha8Rng::seed_from_u64(seed)),
                Shuffle::Off => None,
            },
            grad_w: Array1::zeros(w.len()),
            gradient_ready: None,
            epochs_done: 0,
        })
    }

    // ANCHOR: epoch
    /// Runs one epoch: orders the samples, takes one step per batch, then measures the
    /// loss on the whole data set.
    ///
    /// `settings.num_epochs` only numbers the result ([`EpochEnd::num_epochs`]): a trainer
    /// runs as many epochs as it is asked to, which is what a benchmark needs.
    ///
    /// # Errors
    ///
    /// [`TrainError::Diverged`] if the loss is no longer a finite number.
    pub fn epoch(&mut self) -> Result<EpochEnd, TrainError> {
        #[cfg(target_arch = "x86_64")]
        let loss = if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has just been found to support AVX2.
            unsafe { steps_and_loss_avx2(self) }
        } else {
            self.steps_and_loss()
        };
        #[cfg(not(target_arch = "x86_64"))]
        let loss = self.steps_and_loss();
        let lr = self.settings.lr;
        self.epochs_done += 1;
        if !loss.is_finite() {
            return Err(TrainError::Diverged {
                epoch: self.epochs_done,
                loss,
                lr,
            });
        }
        Ok(EpochEnd {
            epoch: self.epochs_done,
            num_epochs: self.settings.num_epochs,
            loss,
        })
    }
    // ANCHOR_END: epoch

    // ANCHOR: steps_and_loss
    /// The arithmetic of [`Trainer::epoch`]: the steps of one epoch, then the loss, for a
    /// full batch, for batches of one sample, or for mini-batches.
    #[inline(always)]
    fn steps_and_loss(&mut self) -> f64 {
        let Settings {
            lr,
            batch_size,
            loss_fn,
            activation_fn,
            ..
        } = self.settings;
        let Self {
            x,
            y,
            w,
            b,
            order,
            rng,
            grad_w,
            gradient_ready,
            ..
        } = self;
        let n = order.len();
        if batch_size >= n {
            // A batch that holds every row has the same gradient in any order (up to
            // rounding), and in their natural order the rows stream from memory at full
            // speed: no permutation is drawn. The loss pass also computes the gradient
            // that the next epoch steps along (see `loss_and_gradient`), so from the
            // second epoch on, an epoch reads the data set once instead of twice.
            let error_sum = match gradient_ready.take() {
                Some(error_sum) => error_sum,
                None => {
                    grad_w.fill(0.0);
                    accumulate_gradient(x, y, order, 0..n, w, *b, activation_fn, grad_w)
                }
            };
            step(w, b, grad_w, error_sum, n, lr);
            let (loss, next_error_sum) =
                loss_and_gradient(x, y, w, *b, loss_fn, activation_fn, grad_w);
            *gradient_ready = Some(next_error_sum);
            loss
        } else {
            if let Some(rng) = rng.as_mut() {
                fresh_permutation(order, rng);
            }
            if batch_size == 1 {
                step_per_sample(x, y, order, w, b, lr, activation_fn);
            } else {
                for start in (0..n).step_by(batch_size) {
                    let batch = start..(start + batch_size).min(n);
                    let m = batch.len();
                    grad_w.fill(0.0);
                    let error_sum =
                        accumulate_gradient(x, y, order, batch, w, *b, activation_fn, grad_w);
                    step(w, b, grad_w, error_sum, m, lr);
                }
            }
            mean_loss(x, y, w, *b, loss_fn, activation_fn)
        }
    }
    // ANCHOR_END: steps_and_loss

    /// The current weights.
    pub fn weights(&self) -> &Array1<f64> {
        &self.w
    }

    /// The current bias.
    pub fn bias(&self) -> f64 {
        self.b
    }

    /// The order in which the last epoch visited the rows (before the first epoch: the
    /// rows in the order given).
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The final weights and bias.
    pub fn into_parameters(self) -> (Array1<f64>, f64) {
        (self.w, self.b)
    }
}

// ANCHOR: steps_and_loss_avx2
/// [`Trainer::steps_and_loss`] compiled for processors with AVX2, whose instructions
/// work on four `f64` at a time where the baseline x86-64 ones (SSE2) work on two.
///
/// The results are the same bit for bit: no operation changes, only how many lanes run
/// side by side. (AVX2 processors also have fused multiply-add, which rounds once where
/// `a * b + c` rounds twice; the compiler never substitutes it on its own.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn steps_and_loss_avx2(trainer: &mut Trainer<'_>) -> f64 {
    trainer.steps_and_loss()
}
// ANCHOR_END: steps_and_loss_avx2

// ANCHOR: step
/// One gradient step from the sums of a batch of `m` samples: `w ← w - lr · (Σ errorᵢ·xᵢ) / m`
/// and `b ← b - lr · (Σ errorᵢ) / m`.
fn step(w: &mut Array1<f64>, b: &mut f64, grad_w: &Array1<f64>, error_sum: f64, m: usize, lr: f64) {
    let m = m as f64;
    Zip::from(w)
        .and(grad_w)
        .for_each(|w, &g| *w -= lr * (g / m));
    *b -= lr * (error_sum / m);
}
// ANCHOR_END: step

// ANCHOR: fresh_permutation
/// Overwrites `order` with a new uniformly random permutation of `0..order.len()`, the
/// counterpart of NumPy's `np.random.permutation(n)`.
fn fresh_permutation(order: &mut [usize], rng: &mut ChaCha8Rng) {
    for (i, slot) in order.iter_mut().enumerate() {
        *slot = i;
    }
    order.shuffle(rng);
}
// ANCHOR_END: fresh_permutation

/// Checks the data and initial parameters against each other before any arithmetic.
fn validate_data(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
) -> Result<(), TrainError> {
    let (rows, features) = x.dim();
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
    if let Some(p) = x.iter().position(|v| !v.is_finite()) {
        return Err(non_finite(
            "inputs",
            format!("row {}, column {}", p / features, p % features),
            x.iter().nth(p),
        ));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(non_finite("targets", format!("row {i}"), y.get(i)));
    }
    if let Some(i) = w.iter().position(|v| !v.is_finite()) {
        return Err(non_finite(
            "initial weights",
            format!("index {i}"),
            w.get(i),
        ));
    }
    if !b.is_finite() {
        return Err(non_finite(
            "initial bias",
            "its only value".to_string(),
            Some(&b),
        ));
    }
    Ok(())
}

/// Builds the error for a non-finite value found at `position`.
fn non_finite(what: &'static str, position: String, value: Option<&f64>) -> TrainError {
    TrainError::NonFinite {
        what,
        position,
        value: value.copied().unwrap_or(f64::NAN),
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    fn permutation(seed: u64, n: usize) -> Vec<usize> {
        let mut order = vec![0; n];
        fresh_permutation(&mut order, &mut ChaCha8Rng::seed_from_u64(seed));
        order
    }

    #[test]
    fn each_epoch_order_is_a_permutation_of_all_rows() {
        let mut order = permutation(3, 1000);
        order.sort_unstable();
        assert_eq!(order, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn seeds_decide_the_permutation() {
        assert_eq!(permutation(1, 100), permutation(1, 100));
        assert_ne!(permutation(1, 100), permutation(2, 100));
    }

    /// The AVX2 copy of the arithmetic must give the baseline's results bit for bit.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_arithmetic_equals_the_baseline_one() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let x = Array2::from_shape_fn((67, 29), |(i, j)| {
            ((i * 31 + j * 17) % 23) as f64 / 7.0 - 1.5
        });
        let y = Array1::from_shape_fn(67, |i| (i % 3 == 0) as u8 as f64);
        let w = Array1::from_shape_fn(29, |j| (j as f64 - 14.0) / 100.0);
        for batch_size in [1, 4, 67] {
            let settings = Settings::new(0.05, 1, batch_size, Loss::BinaryCrossEntropy)
                .activation(Activation::Sigmoid);
            let mut baseline = Trainer::new(&x, &y, &w, 0.1, &settings).unwrap();
            let mut avx2 = baseline.clone();
            for _ in 0..3 {
                let loss = baseline.steps_and_loss();
                // SAFETY: AVX2 support was checked above.
                assert_eq!(unsafe { steps_and_loss_avx2(&mut avx2) }, loss);
                assert_eq!(
                    (avx2.weights(), avx2.bias()),
                    (baseline.weights(), baseline.bias())
                );
            }
        }
    }

    #[test]
    fn the_generator_is_portable() {
        // ChaCha8 and rand's shuffle are specified bit for bit, so this order is the same on
        // every machine; if it changes, a dependency changed what our seeds mean.
        assert_eq!(permutation(42, 8), vec![7, 1, 5, 4, 6, 0, 3, 2]);
    }
}
