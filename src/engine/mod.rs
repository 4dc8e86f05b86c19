//! The engine: a trainer that computes what [`gradient_descent`] computes,
//! reading as little memory as it can. The benchmarks, `epoch_times` and the
//! main program's `--engine` run it; the book teaches it on its speed page.
//!
//! | module | what it holds |
//! | --- | --- |
//! | this one | [`Trainer`], [`predict`] |
//! | [`model`] | what an epoch asks of the data and the parameters: [`Model`], [`Predict`] |
//! | [`pixels`] | images kept as their groups of ink, and tasks made of them |
//! | [`folded`] | the model with the normalization folded in, on [`Pixels`] |
//! | [`rows`] | the rows the dense kernels read: `f64`, or bytes with a table |
//! | [`kernels`] | the dense per-row arithmetic: gradients, steps, the loss |
//!
//! `Trainer::new(x, y, w, b, &settings)?.run(on_epoch)` takes the arguments
//! of `gradient_descent` and returns what it returns, to within 1e-12 on any
//! `f64` matrix; on images ([`Trainer::for_pixels`]), to within 1e-10 of
//! `gradient_descent` on the normalized `f64` images.
//!
//! [`gradient_descent`]: crate::gradient_descent

use std::ops::Range;

use ndarray::{Array1, ArrayRef1, ArrayRef2, ArrayView1};
use rand_chacha::ChaCha8Rng;

use crate::train::{check_inputs, check_problem, epoch_order};
use crate::{Activation, EpochEnd, Loss, Settings, TrainError, Trained};
use folded::Folded;
use kernels::{
    Visit, accumulate_gradient, loss_and_gradient, mean_loss, step,
    step_per_sample,
};
use pixels::Pixels;
use rows::{Inputs, RowMajor};

pub mod folded;
pub mod kernels;
pub mod model;
pub mod pixels;
pub mod rows;

pub use model::{Model, Predict};

/// The model's prediction for every sample of `x`, `activation(x·w + b)`,
/// as the engine computes it.
pub fn predict<X: Predict>(
    x: &X,
    w: &ArrayRef1<f64>,
    b: f64,
    activation: Activation,
) -> Result<Array1<f64>, crate::ShapeError> {
    crate::ShapeError::check_multiply(x.dim(), (w.len(), 1))?;
    Ok(x.predictions(&w.to_vec(), b, activation))
}

// ANCHOR: tuning
/// Which of the engine's speed-ups are on. All of them change how an epoch
/// reads memory or which instructions it runs, never what it computes;
/// turning them off one by one is how `epoch_times --ladder` measures what
/// each is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// Ask for the rows ahead in the shuffled order while computing.
    pub prefetch: bool,
    /// Run the copy of the arithmetic compiled for AVX2, where there is one.
    pub wide: bool,
    /// Step batches of one directly, and give a full batch one pass per epoch.
    pub shortcuts: bool,
    /// Share the passes over the whole data set between two threads, where
    /// the model can (on [`Pixels`]) and the machine has two cores.
    pub threads: bool,
}
// ANCHOR_END: tuning

impl Tuning {
    /// Every speed-up on: what [`Trainer::new`] uses.
    pub const ALL: Self = Self {
        prefetch: true,
        wide: true,
        shortcuts: true,
        threads: true,
    };
    /// None of them: the engine's plain row-by-row loop.
    pub const NONE: Self = Self {
        prefetch: false,
        wide: false,
        shortcuts: false,
        threads: false,
    };
}

/// The model on rows of values ([`Inputs`]), with the weights as they are.
#[derive(Debug, Clone)]
pub struct Dense<'a, X> {
    /// The data, and the order in which the epoch visits its rows.
    visit: Visit<'a, X>,
    w: Vec<f64>,
    b: f64,
    /// The summed gradient of the current batch, reused batch after batch.
    grad_w: Vec<f64>,
    /// `Σ error` of the gradient in `grad_w`.
    error_sum: f64,
    /// One row's values, for rows not stored as `f64`.
    scratch: Vec<f64>,
}

impl<'a, X: Inputs> Dense<'a, X> {
    fn new(
        x: X,
        y: ArrayView1<'a, f64>,
        (w, b): (&ArrayRef1<f64>, f64),
        prefetch: bool,
    ) -> Self {
        let visit = Visit {
            order: (0..x.nrows()).collect(),
            x,
            y,
            prefetch,
        };
        Self {
            visit,
            w: w.to_vec(),
            b,
            grad_w: vec![0.0; w.len()],
            error_sum: 0.0,
            scratch: vec![0.0; w.len()],
        }
    }
}

// ANCHOR: steps_per_batch
impl<X: Inputs> Dense<'_, X> {
    /// One step on a batch of `order`: the gradient sums of the batch, read
    /// row by row in place, then the step.
    #[inline(always)]
    fn step_on(
        &mut self,
        batch: Range<usize>,
        rate: f64,
        activation: Activation,
    ) {
        let batch_len = batch.len();
        let (w, b) = (&mut self.w, &mut self.b);
        self.grad_w.fill(0.0);
        let rows = (&self.visit, &mut self.scratch[..]);
        let error_sum = accumulate_gradient(
            rows,
            batch,
            (w, *b),
            activation,
            &mut self.grad_w,
        );
        step(w, b, (&self.grad_w, error_sum), batch_len, rate);
    }
}
// ANCHOR_END: steps_per_batch

impl<X: Inputs> Model for Dense<'_, X> {
    #[inline(always)]
    fn batch_step(
        &mut self,
        batch: Range<usize>,
        rate: f64,
        activation: Activation,
    ) {
        self.step_on(batch, rate, activation);
    }

    #[inline(always)]
    fn sample_steps(
        &mut self,
        rate: impl FnMut() -> f64,
        activation: Activation,
    ) {
        let rows = (&self.visit, &mut self.scratch[..]);
        step_per_sample(rows, (&mut self.w, &mut self.b), rate, activation);
    }

    #[inline(always)]
    fn mean_loss(&mut self, loss: Loss, activation: Activation) -> f64 {
        mean_loss(&self.visit, &self.w, self.b, loss, activation)
    }

    #[inline(always)]
    fn full_gradient(&mut self, activation: Activation) {
        let n = self.visit.x.nrows();
        self.grad_w.fill(0.0);
        let rows = (&self.visit, &mut self.scratch[..]);
        let params = (&self.w[..], self.b);
        self.error_sum = accumulate_gradient(
            rows,
            0..n,
            params,
            activation,
            &mut self.grad_w,
        );
    }

    #[inline(always)]
    fn full_step(&mut self, rate: f64) {
        let n = self.visit.x.nrows();
        let sums = (&self.grad_w[..], self.error_sum);
        step(&mut self.w, &mut self.b, sums, n, rate);
    }

    #[inline(always)]
    fn loss_and_full_gradient(
        &mut self,
        loss: Loss,
        activation: Activation,
    ) -> f64 {
        let rows = (&self.visit, &mut self.scratch[..]);
        let functions = (loss, activation);
        let (loss, error_sum) = loss_and_gradient(
            rows,
            (&self.w, self.b),
            functions,
            &mut self.grad_w,
        );
        self.error_sum = error_sum;
        loss
    }

    fn samples(&self) -> usize {
        self.visit.x.nrows()
    }

    fn set_order(&mut self, order: Vec<usize>) {
        self.visit.order = order;
    }

    fn order(&self) -> &[usize] {
        &self.visit.order
    }

    fn weights(&self) -> Array1<f64> {
        Array1::from(self.w.clone())
    }

    fn bias(&self) -> f64 {
        self.b
    }
}

// ANCHOR: trainer
/// A training run on the engine that advances one epoch per call of
/// `next()`, `settings.num_epochs` times: what [`Trainer::run`], the benchmarks
/// and the `epoch_times` program run. `M` is how it holds the data and the
/// parameters.
#[derive(Debug, Clone)]
pub struct Trainer<M> {
    model: M,
    settings: Settings,
    tuning: Tuning,
    rng: Option<ChaCha8Rng>,
    /// With a full batch, whether the model holds the gradient at the
    /// current parameters, from the previous epoch's loss pass.
    gradient_ready: bool,
    epochs_done: usize,
    /// Steps taken so far, for the learning-rate schedule.
    steps_done: usize,
    diverged: bool,
}
// ANCHOR_END: trainer

impl<'a> Trainer<Dense<'a, RowMajor<'a>>> {
    /// Checks the settings and the data as
    /// [`gradient_descent`](crate::gradient_descent) does, and sets up a run
    /// from the parameters `w` and `b` with every speed-up on.
    pub fn new(
        x: &'a ArrayRef2<f64>,
        y: &'a ArrayRef1<f64>,
        w: &ArrayRef1<f64>,
        b: f64,
        settings: &Settings,
    ) -> Result<Self, TrainError> {
        Self::with_tuning(x, y, (w, b), settings, Tuning::ALL)
    }

    /// [`Trainer::new`] with the speed-ups of `tuning` only.
    pub fn with_tuning(
        x: &'a ArrayRef2<f64>,
        y: &'a ArrayRef1<f64>,
        (w, b): (&ArrayRef1<f64>, f64),
        settings: &Settings,
        tuning: Tuning,
    ) -> Result<Self, TrainError> {
        check_inputs(x, y, w, b, settings)?;
        let model =
            Dense::new(RowMajor::new(x), y.view(), (w, b), tuning.prefetch);
        Ok(Self::start(model, settings, tuning))
    }
}

/// Inputs the engine trains on, and the model it trains on them: rows of
/// any kind ([`Inputs`]) or [`Pixels`].
pub trait Trainable<'a>: Predict {
    /// The model these inputs are trained with.
    type Model: Model;
    /// The model with weights `w` and bias `b` on these inputs and the
    /// targets `y`, with the speed-ups of `tuning`.
    fn model(
        &'a self,
        y: ArrayView1<'a, f64>,
        parameters: (&ArrayRef1<f64>, f64),
        tuning: Tuning,
    ) -> Self::Model;
}

impl<'a, X: Inputs + 'a> Trainable<'a> for X {
    type Model = Dense<'a, &'a X>;

    fn model(
        &'a self,
        y: ArrayView1<'a, f64>,
        (w, b): (&ArrayRef1<f64>, f64),
        tuning: Tuning,
    ) -> Self::Model {
        Dense::new(self, y, (w, b), tuning.prefetch)
    }
}

impl<'a> Trainable<'a> for Pixels {
    type Model = Folded<'a>;

    fn model(
        &'a self,
        y: ArrayView1<'a, f64>,
        (w, b): (&ArrayRef1<f64>, f64),
        tuning: Tuning,
    ) -> Self::Model {
        let speed_ups = (tuning.prefetch, tuning.wide, tuning.threads);
        Folded::new(self, y, (w.view(), b), speed_ups)
    }
}

impl<'a> Trainer<Folded<'a>> {
    /// A run on images kept as [`Pixels`], with every speed-up on.
    pub fn for_pixels(
        pixels: &'a Pixels,
        y: &'a ArrayRef1<f64>,
        (w, b): (&ArrayRef1<f64>, f64),
        settings: &Settings,
    ) -> Result<Self, TrainError> {
        Self::tuned(pixels, y, (w, b), settings, Tuning::ALL)
    }
}

impl<M: Model> Trainer<M> {
    /// A run on `inputs` of any kind, such as [`rows::TabledBytes`] or
    /// [`Pixels`], whose values are known to be finite, with the speed-ups
    /// of `tuning` only.
    pub fn tuned<'a, D: Trainable<'a, Model = M> + ?Sized>(
        inputs: &'a D,
        y: &'a ArrayRef1<f64>,
        (w, b): (&ArrayRef1<f64>, f64),
        settings: &Settings,
        tuning: Tuning,
    ) -> Result<Self, TrainError> {
        check_problem(inputs.dim(), y, w, b, settings)?;
        let model = inputs.model(y.view(), (w, b), tuning);
        Ok(Self::start(model, settings, tuning))
    }
}

impl<M: Model> Trainer<M> {
    /// A run whose inputs have been checked.
    fn start(model: M, settings: &Settings, tuning: Tuning) -> Self {
        Self {
            model,
            settings: *settings,
            tuning,
            rng: settings.shuffle.generator(),
            gradient_ready: false,
            epochs_done: 0,
            steps_done: 0,
            diverged: false,
        }
    }

    /// The current weights.
    pub fn weights(&self) -> Array1<f64> {
        self.model.weights()
    }

    /// The current bias.
    pub fn bias(&self) -> f64 {
        self.model.bias()
    }

    /// The order in which the last epoch visited the rows.
    pub fn order(&self) -> &[usize] {
        self.model.order()
    }

    /// The final weights and bias.
    pub fn into_parameters(self) -> (Array1<f64>, f64) {
        (self.model.weights(), self.model.bias())
    }

    /// Runs every epoch, calls `on_epoch` after each, and returns what
    /// [`gradient_descent`](crate::gradient_descent) returns.
    pub fn run(
        mut self,
        mut on_epoch: impl FnMut(&EpochEnd),
    ) -> Result<Trained, TrainError> {
        let mut loss_history = Vec::new();
        for end in self.by_ref() {
            let end = end?;
            loss_history.push(end.loss);
            on_epoch(&end);
        }
        let (w, b) = self.into_parameters();
        Ok(Trained { w, b, loss_history })
    }

    /// The learning rate of the next step, which it counts as taken.
    #[inline(always)]
    fn next_rate(&mut self, steps_per_epoch: usize) -> f64 {
        let Settings { lr, schedule, .. } = self.settings;
        let rate = schedule.rate(lr, self.steps_done, steps_per_epoch);
        self.steps_done += 1;
        rate
    }
}

// ANCHOR: steps_and_loss
impl<M: Model> Trainer<M> {
    /// One epoch's steps, then the loss on the whole data set.
    #[inline(always)]
    fn steps_and_loss(&mut self) -> f64 {
        let (n, batch_size) = (self.model.samples(), self.settings.batch_size);
        if self.tuning.shortcuts && batch_size >= n {
            return self.full_batch_epoch();
        }
        self.model.set_order(epoch_order(n, &mut self.rng));
        let steps_per_epoch = n.div_ceil(batch_size);
        let activation = self.settings.activation_fn;
        if self.tuning.shortcuts && batch_size == 1 {
            let Settings { lr, schedule, .. } = self.settings;
            let steps = &mut self.steps_done;
            let rate = || {
                *steps += 1;
                schedule.rate(lr, *steps - 1, steps_per_epoch)
            };
            self.model.sample_steps(rate, activation);
        } else {
            for start in (0..n).step_by(batch_size) {
                let batch = start..(start + batch_size).min(n);
                let rate = self.next_rate(steps_per_epoch);
                self.model.batch_step(batch, rate, activation);
            }
        }
        self.model.mean_loss(self.settings.loss_fn, activation)
    }
}
// ANCHOR_END: steps_and_loss

// ANCHOR: full_batch_epoch
impl<M: Model> Trainer<M> {
    /// A batch of every row: its gradient is the same in any order (up to
    /// rounding), so the rows are read in their natural order, which memory
    /// streams fastest, and the loss pass also computes the next epoch's
    /// gradient. From the second epoch on, an epoch reads `X` once.
    #[inline(always)]
    fn full_batch_epoch(&mut self) -> f64 {
        let n = self.model.samples();
        let (loss, activation) =
            (self.settings.loss_fn, self.settings.activation_fn);
        self.model.set_order((0..n).collect());
        if !self.gradient_ready {
            self.model.full_gradient(activation);
        }
        let rate = self.next_rate(1);
        self.model.full_step(rate);
        self.gradient_ready = true;
        self.model.loss_and_full_gradient(loss, activation)
    }
}
// ANCHOR_END: full_batch_epoch

// ANCHOR: epoch
/// Each item is one more epoch: its end, or [`TrainError::Diverged`], after
/// which there are no more.
impl<M: Model> Iterator for Trainer<M> {
    type Item = Result<EpochEnd, TrainError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.diverged || self.epochs_done == self.settings.num_epochs {
            return None;
        }
        let loss = self.steps_and_loss_fastest();
        self.epochs_done += 1;
        let (epoch, num_epochs) = (self.epochs_done, self.settings.num_epochs);
        if !loss.is_finite() {
            self.diverged = true;
            let lr = self.settings.lr;
            return Some(Err(TrainError::Diverged { epoch, loss, lr }));
        }
        Some(Ok(EpochEnd {
            epoch,
            num_epochs,
            loss,
        }))
    }
}
// ANCHOR_END: epoch

// ANCHOR: steps_and_loss_avx2
impl<M: Model> Trainer<M> {
    /// [`Trainer::steps_and_loss`] in the copy compiled for AVX2 where the
    /// processor has it (and the tuning allows it), else the baseline copy.
    fn steps_and_loss_fastest(&mut self) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if self.tuning.wide && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has just been found to support AVX2.
            return unsafe { steps_and_loss_avx2(self) };
        }
        self.steps_and_loss()
    }
}

/// [`Trainer::steps_and_loss`] compiled for AVX2: four `f64` per
/// instruction instead of two, with the same operations, so the same
/// results bit for bit (the compiler never fuses `a * b + c` on its own).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn steps_and_loss_avx2<M: Model>(trainer: &mut Trainer<M>) -> f64 {
    trainer.steps_and_loss()
}
// ANCHOR_END: steps_and_loss_avx2

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2};

    use super::*;
    use crate::{Activation, Loss, Normalization};

    /// Three epochs of two trainers must give the same results bit for bit.
    fn assert_same_runs<M: Model + Clone>(
        mut first: Trainer<M>,
        mut second: Trainer<M>,
        second_epoch: impl Fn(&mut Trainer<M>) -> f64,
    ) {
        for _ in 0..3 {
            let loss = first.steps_and_loss();
            assert_eq!(second_epoch(&mut second).to_bits(), loss.to_bits());
            let (w, b) = (first.weights(), first.bias());
            let bits = |w: &Array1<f64>| w.mapv(f64::to_bits);
            assert_eq!(bits(&second.weights()), bits(&w));
            assert_eq!(second.bias().to_bits(), b.to_bits());
        }
    }

    /// A small problem as `f64` rows and as images (bytes with a
    /// normalization), with targets and starting weights.
    fn problem() -> (Array2<f64>, Pixels, Array1<f64>, Array1<f64>) {
        let x = Array2::from_shape_fn((67, 29), |(i, j)| {
            ((i * 31 + j * 17) % 23) as f64 / 7.0 - 1.5
        });
        let bytes = Array2::from_shape_fn((67, 29), |(i, j)| {
            if (i + j) % 3 == 0 {
                ((i * 31 + j * 17) % 256) as u8
            } else {
                0
            }
        });
        let y = Array1::from_shape_fn(67, |i| f64::from(i % 3 == 0));
        let w = Array1::from_shape_fn(29, |j| (j as f64 - 14.0) / 100.0);
        let normalization = Normalization {
            mean: 40.0,
            std: 60.0,
        };
        (x, Pixels::new(&bytes, &normalization), y, w)
    }

    /// The AVX2 copy of the arithmetic must give the baseline's results bit
    /// for bit. On a processor without AVX2 only the baseline runs, and the
    /// test says that it checked nothing.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_arithmetic_equals_the_baseline_one() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            eprintln!(
                "skipped: this processor has no AVX2, only one copy runs"
            );
            return;
        }
        let (x, pixels, y, w) = problem();
        for batch_size in [1, 4, 67] {
            let settings =
                Settings::new(0.05, 3, batch_size, Loss::BinaryCrossEntropy)
                    .activation(Activation::Sigmoid);
            let dense = Trainer::new(&x, &y, &w, 0.1, &settings).unwrap();
            // SAFETY: AVX2 support was checked above.
            assert_same_runs(dense.clone(), dense, |t| unsafe {
                steps_and_loss_avx2(t)
            });
            // The folded model picks its kernels when it is made.
            let folded = |tuning| {
                let params: (&ArrayRef1<f64>, f64) = (&w, 0.1);
                Trainer::tuned(&pixels, &y, params, &settings, tuning).unwrap()
            };
            let portable = Tuning {
                wide: false,
                ..Tuning::ALL
            };
            // SAFETY: AVX2 support was checked above.
            assert_same_runs(
                folded(portable),
                folded(Tuning::ALL),
                |t| unsafe { steps_and_loss_avx2(t) },
            );
        }
    }

    /// However many threads share the passes over the whole data set, the
    /// results are the same bit for bit.
    #[test]
    fn threads_change_no_result() {
        let (_, pixels, y, w) = problem();
        for batch_size in [1, 4, 67] {
            let settings = Settings::new(0.05, 3, batch_size, Loss::Mse);
            let one = Tuning {
                threads: false,
                ..Tuning::ALL
            };
            let tuned = |tuning| {
                Trainer::tuned(&pixels, &y, (&w, 0.1), &settings, tuning)
                    .unwrap()
            };
            assert_same_runs(tuned(one), tuned(Tuning::ALL), |t| {
                t.steps_and_loss()
            });
        }
    }
}
