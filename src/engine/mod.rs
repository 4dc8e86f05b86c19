//! The engine: a trainer that computes what [`gradient_descent`] computes,
//! to within 1e-12, reading as little memory as it can. The main program and
//! the benchmarks run it; the book teaches it on its speed page.
//!
//! | module | what it holds |
//! | --- | --- |
//! | this one | [`Trainer`], [`train`], [`train_pixels`] |
//! | [`rows`] | the rows it reads: `f64`, or image bytes with a table |
//! | [`pixels`] | images kept as bytes, and tasks made of them |
//! | [`kernels`] | the per-row arithmetic: gradients, steps, prefetching |
//! | [`ladder`] | the speed page's steps from the plain loop to the engine |
//! | [`memory`] | 2 MB memory pages for large data sets |
//! | [`timing`] | the workload the benchmarks and `epoch_times` time |
//!
//! [`gradient_descent`]: crate::gradient_descent

use ndarray::{Array1, ArrayRef1, ArrayRef2, ArrayView1};
use rand_chacha::ChaCha8Rng;

use crate::train::{check_inputs, check_problem, epoch_order};
use crate::{EpochEnd, Settings, TrainError, Trained};
use kernels::{
    Visit, accumulate_gradient, loss_and_gradient, mean_loss, step,
    step_per_sample,
};
use pixels::Pixels;
use rows::{Inputs, RowMajor};

pub mod kernels;
pub mod ladder;
pub mod memory;
pub mod pixels;
pub mod rows;
pub mod timing;

// ANCHOR: train
/// [`gradient_descent`](crate::gradient_descent) run by the engine: the
/// same arguments, the same results to within 1e-12.
pub fn train(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    settings: &Settings,
    on_epoch: impl FnMut(&EpochEnd),
) -> Result<Trained, TrainError> {
    run(Trainer::new(x, y, w, b, settings)?, on_epoch)
}
// ANCHOR_END: train

/// [`train`] on images kept as bytes ([`Pixels`]): the same results, bit for
/// bit, as on the `f64` values the bytes stand for.
pub fn train_pixels(
    pixels: &Pixels,
    y: &ArrayRef1<f64>,
    w: &ArrayRef1<f64>,
    b: f64,
    settings: &Settings,
    on_epoch: impl FnMut(&EpochEnd),
) -> Result<Trained, TrainError> {
    run(Trainer::for_pixels(pixels, y, (w, b), settings)?, on_epoch)
}

/// The model's prediction for every row of `x`, `activation(x·w + b)`, as
/// the engine computes it: equal, bit for bit, to what
/// [`predict`](crate::predict) gives for the same rows in `f64`.
pub fn predict<X: Inputs>(
    x: &X,
    w: &ArrayRef1<f64>,
    b: f64,
    activation: crate::Activation,
) -> Result<Array1<f64>, crate::ShapeError> {
    if x.ncols() != w.len() {
        return Err(crate::ShapeError::Multiply {
            left_rows: x.nrows(),
            left_cols: x.ncols(),
            right_rows: w.len(),
            right_cols: 1,
        });
    }
    let w = w.to_vec();
    Ok((0..x.nrows())
        .map(|i| activation.apply_scalar(kernels::dot(x.row(i), &w, None) + b))
        .collect())
}

/// Runs every epoch of `trainer`, telling `on_epoch` about each.
fn run<X: Inputs>(
    mut trainer: Trainer<'_, X>,
    mut on_epoch: impl FnMut(&EpochEnd),
) -> Result<Trained, TrainError> {
    let mut loss_history = Vec::new();
    for end in trainer.by_ref() {
        let end = end?;
        loss_history.push(end.loss);
        on_epoch(&end);
    }
    let (w, b) = trainer.into_parameters();
    Ok(Trained { w, b, loss_history })
}

// ANCHOR: tuning
/// Which of the engine's speed-ups are on. All of them change how an epoch
/// reads memory, never what it computes; turning them off one by one is how
/// `epoch_times --ladder` measures what each is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// Ask for the rows ahead in the shuffled order while computing.
    pub prefetch: bool,
    /// Run the copy of the arithmetic compiled for AVX2, where there is one.
    pub wide: bool,
    /// Step batches of one directly, and give a full batch one pass per epoch.
    pub shortcuts: bool,
}
// ANCHOR_END: tuning

impl Tuning {
    /// Every speed-up on: what [`Trainer::new`] uses.
    pub const ALL: Self = Self {
        prefetch: true,
        wide: true,
        shortcuts: true,
    };
    /// None of them: the engine's plain row-by-row loop.
    pub const NONE: Self = Self {
        prefetch: false,
        wide: false,
        shortcuts: false,
    };
}

// ANCHOR: trainer
/// A training run on the engine that advances one epoch per call of
/// `next()`, `settings.num_epochs` times: what [`train`], the benchmarks
/// and the `epoch_times` program run. `X` is how it holds the inputs.
#[derive(Debug, Clone)]
pub struct Trainer<'a, X = RowMajor<'a>> {
    /// The data, and the order in which the last epoch visited its rows.
    visit: Visit<'a, X>,
    settings: Settings,
    tuning: Tuning,
    w: Vec<f64>,
    b: f64,
    rng: Option<ChaCha8Rng>,
    /// The summed gradient of the current batch, reused batch after batch.
    grad_w: Vec<f64>,
    /// One row's values, for rows not stored as `f64`.
    scratch: Vec<f64>,
    /// With a full batch, `Some(Σ error)` once `grad_w` holds the sums at
    /// the current parameters, from the previous epoch's loss pass.
    gradient_ready: Option<f64>,
    epochs_done: usize,
    diverged: bool,
}
// ANCHOR_END: trainer

impl<'a> Trainer<'a> {
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
        Ok(Self::start(
            RowMajor::new(x),
            y.view(),
            (w, b),
            settings,
            tuning,
        ))
    }
}

impl<'a> Trainer<'a, &'a Pixels> {
    /// A run on images kept as bytes, with every speed-up on.
    pub fn for_pixels(
        pixels: &'a Pixels,
        y: &'a ArrayRef1<f64>,
        (w, b): (&ArrayRef1<f64>, f64),
        settings: &Settings,
    ) -> Result<Self, TrainError> {
        Self::for_pixels_tuned(pixels, y, (w, b), settings, Tuning::ALL)
    }

    /// [`Trainer::for_pixels`] with the speed-ups of `tuning` only.
    pub fn for_pixels_tuned(
        pixels: &'a Pixels,
        y: &'a ArrayRef1<f64>,
        (w, b): (&ArrayRef1<f64>, f64),
        settings: &Settings,
        tuning: Tuning,
    ) -> Result<Self, TrainError> {
        let shape = (pixels.nrows(), pixels.ncols());
        check_problem(shape, y, w, b, settings)?;
        Ok(Self::start(pixels, y.view(), (w, b), settings, tuning))
    }
}

impl<'a, X: Inputs> Trainer<'a, X> {
    /// A run whose inputs have been checked.
    fn start(
        x: X,
        y: ArrayView1<'a, f64>,
        (w, b): (&ArrayRef1<f64>, f64),
        settings: &Settings,
        tuning: Tuning,
    ) -> Self {
        let visit = Visit {
            order: (0..x.nrows()).collect(),
            x,
            y,
            prefetch: tuning.prefetch,
        };
        Self {
            visit,
            settings: *settings,
            tuning,
            w: w.to_vec(),
            b,
            rng: settings.shuffle.generator(),
            grad_w: vec![0.0; w.len()],
            scratch: vec![0.0; w.len()],
            gradient_ready: None,
            epochs_done: 0,
            diverged: false,
        }
    }

    /// Batches of one sample, stepped directly ([`step_per_sample`]).
    #[inline(always)]
    fn steps_per_sample(&mut self) {
        let (lr, activation) = (self.settings.lr, self.settings.activation_fn);
        let (w, b) = (&mut self.w, &mut self.b);
        let rows = (&self.visit, &mut self.scratch[..]);
        step_per_sample(rows, w, b, lr, activation);
    }

    /// The current weights.
    pub fn weights(&self) -> ArrayView1<'_, f64> {
        ArrayView1::from(&self.w)
    }

    /// The current bias.
    pub fn bias(&self) -> f64 {
        self.b
    }

    /// The order in which the last epoch visited the rows.
    pub fn order(&self) -> &[usize] {
        &self.visit.order
    }

    /// The final weights and bias.
    pub fn into_parameters(self) -> (Array1<f64>, f64) {
        (Array1::from(self.w), self.b)
    }
}

// ANCHOR: steps_and_loss
impl<X: Inputs> Trainer<'_, X> {
    /// One epoch's steps, then the loss on the whole data set.
    #[inline(always)]
    fn steps_and_loss(&mut self) -> f64 {
        let (n, batch_size) = (self.visit.x.nrows(), self.settings.batch_size);
        if self.tuning.shortcuts && batch_size >= n {
            return self.full_batch_epoch();
        }
        self.visit.order = epoch_order(n, &mut self.rng);
        if self.tuning.shortcuts && batch_size == 1 {
            self.steps_per_sample();
        } else {
            self.steps_per_batch();
        }
        let (loss_fn, activation) =
            (self.settings.loss_fn, self.settings.activation_fn);
        mean_loss(&self.visit, &self.w, self.b, loss_fn, activation)
    }
}
// ANCHOR_END: steps_and_loss

// ANCHOR: steps_per_batch
impl<X: Inputs> Trainer<'_, X> {
    /// One step per batch of `order`: the gradient sums of the batch, read
    /// row by row in place, then the step.
    #[inline(always)]
    fn steps_per_batch(&mut self) {
        let (n, batch_size) = (self.visit.x.nrows(), self.settings.batch_size);
        let (lr, activation) = (self.settings.lr, self.settings.activation_fn);
        let (visit, grad_w) = (&self.visit, &mut self.grad_w);
        let (w, b, scratch) = (&mut self.w, &mut self.b, &mut self.scratch);
        for start in (0..n).step_by(batch_size) {
            let batch = start..(start + batch_size).min(n);
            let batch_len = batch.len();
            grad_w.fill(0.0);
            let rows = (visit, &mut scratch[..]);
            let error_sum =
                accumulate_gradient(rows, batch, (w, *b), activation, grad_w);
            step(w, b, (grad_w, error_sum), batch_len, lr);
        }
    }
}
// ANCHOR_END: steps_per_batch

// ANCHOR: full_batch_epoch
impl<X: Inputs> Trainer<'_, X> {
    /// A batch of every row: its gradient is the same in any order (up to
    /// rounding), so the rows are read in their natural order, which memory
    /// streams fastest, and the loss pass also computes the next epoch's
    /// gradient. From the second epoch on, an epoch reads `X` once.
    #[inline(always)]
    fn full_batch_epoch(&mut self) -> f64 {
        let n = self.visit.x.nrows();
        let (lr, loss_fn) = (self.settings.lr, self.settings.loss_fn);
        let activation = self.settings.activation_fn;
        self.visit.order = (0..n).collect();
        let (visit, grad_w) = (&self.visit, &mut self.grad_w);
        let (w, b, scratch) = (&mut self.w, &mut self.b, &mut self.scratch);
        let error_sum = match self.gradient_ready.take() {
            Some(error_sum) => error_sum,
            None => {
                grad_w.fill(0.0);
                let rows = (visit, &mut scratch[..]);
                accumulate_gradient(rows, 0..n, (w, *b), activation, grad_w)
            }
        };
        step(w, b, (grad_w, error_sum), n, lr);
        let functions = (loss_fn, activation);
        let rows = (visit, &mut scratch[..]);
        let (loss, next_error_sum) =
            loss_and_gradient(rows, (w, *b), functions, grad_w);
        self.gradient_ready = Some(next_error_sum);
        loss
    }
}
// ANCHOR_END: full_batch_epoch

// ANCHOR: epoch
/// Each item is one more epoch: its end, or [`TrainError::Diverged`], after
/// which there are no more.
impl<X: Inputs> Iterator for Trainer<'_, X> {
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
impl<X: Inputs> Trainer<'_, X> {
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
fn steps_and_loss_avx2<X: Inputs>(trainer: &mut Trainer<'_, X>) -> f64 {
    trainer.steps_and_loss()
}
// ANCHOR_END: steps_and_loss_avx2

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2};

    use super::*;
    use crate::{Activation, Loss};

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
        let x = Array2::from_shape_fn((67, 29), |(i, j)| {
            ((i * 31 + j * 17) % 23) as f64 / 7.0 - 1.5
        });
        let y = Array1::from_shape_fn(67, |i| f64::from(i % 3 == 0));
        let w = Array1::from_shape_fn(29, |j| (j as f64 - 14.0) / 100.0);
        for batch_size in [1, 4, 67] {
            let settings =
                Settings::new(0.05, 3, batch_size, Loss::BinaryCrossEntropy)
                    .activation(Activation::Sigmoid);
            let mut baseline =
                Trainer::new(&x, &y, &w, 0.1, &settings).unwrap();
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
}
