//! The engine: a trainer that computes what [`gradient_descent`] computes,
//! to within 1e-12, at the speed of memory. The main program and the
//! benchmarks run it; the book teaches it on its speed page.
//!
//! | module | what it holds |
//! | --- | --- |
//! | this one | [`Trainer`], [`train`] |
//! | [`kernels`] | the per-row arithmetic: dot products, prefetching, steps |
//! | [`memory`] | 2 MB memory pages for large data sets |
//! | [`timing`] | the workload the benchmarks and `epoch_times` time |
//!
//! [`gradient_descent`]: crate::gradient_descent

use ndarray::{Array1, ArrayRef1, ArrayRef2, ArrayView1, ArrayView2, Zip};
use rand_chacha::ChaCha8Rng;

use crate::train::{check_inputs, epoch_order};
use crate::{EpochEnd, Settings, TrainError, Trained};
use kernels::{
    accumulate_gradient, loss_and_gradient, mean_loss, step_per_sample,
};

pub mod kernels;
pub mod memory;
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
    mut on_epoch: impl FnMut(&EpochEnd),
) -> Result<Trained, TrainError> {
    let mut trainer = Trainer::new(x, y, w, b, settings)?;
    let mut loss_history = Vec::with_capacity(settings.num_epochs);
    for end in trainer.by_ref() {
        let end = end?;
        loss_history.push(end.loss);
        on_epoch(&end);
    }
    let (w, b) = trainer.into_parameters();
    Ok(Trained { w, b, loss_history })
}
// ANCHOR_END: train

// ANCHOR: trainer
/// A training run on the engine that advances one epoch per call of
/// `next()`, `settings.num_epochs` times: the unit that [`train`], the
/// benchmarks and the `epoch_times` program run.
///
/// It owns the parameters and everything an epoch reuses, so that an epoch
/// allocates almost nothing. How each epoch reads less memory than the plain
/// loop, without changing a result, is the subject of the book's speed page.
#[derive(Debug, Clone)]
pub struct Trainer<'a> {
    x: ArrayView2<'a, f64>,
    y: ArrayView1<'a, f64>,
    settings: Settings,
    w: Array1<f64>,
    b: f64,
    /// The row numbers in the order the last epoch visited them.
    order: Vec<usize>,
    /// `None` without shuffling.
    rng: Option<ChaCha8Rng>,
    /// The summed gradient of the current batch, reused batch after batch.
    grad_w: Array1<f64>,
    /// With a full batch, `Some(Σ error)` once `grad_w` holds the gradient
    /// sums at the current parameters, from the previous epoch's loss pass.
    gradient_ready: Option<f64>,
    /// Epochs finished so far.
    epochs_done: usize,
    /// Set once the loss stopped being finite: the run is over.
    diverged: bool,
}
// ANCHOR_END: trainer

impl<'a> Trainer<'a> {
    /// Checks the settings and the data as
    /// [`gradient_descent`](crate::gradient_descent) does, and sets up a run
    /// that starts from the parameters `w` and `b`.
    pub fn new(
        x: &'a ArrayRef2<f64>,
        y: &'a ArrayRef1<f64>,
        w: &ArrayRef1<f64>,
        b: f64,
        settings: &Settings,
    ) -> Result<Self, TrainError> {
        check_inputs(x, y, w, b, settings)?;
        Ok(Self {
            x: x.view(),
            y: y.view(),
            settings: *settings,
            w: w.to_owned(),
            b,
            order: (0..x.nrows()).collect(),
            rng: settings.shuffle.generator(),
            grad_w: Array1::zeros(w.len()),
            gradient_ready: None,
            epochs_done: 0,
            diverged: false,
        })
    }

    // ANCHOR: steps_and_loss
    /// The arithmetic of [`Trainer::epoch`]: the steps of one epoch, then the
    /// loss, for a full batch, for batches of one sample, or for mini-batches.
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
        let n = x.nrows();
        if batch_size >= n {
            // A batch that holds every row has the same gradient in any order
            // (up to rounding), and in their natural order the rows stream from
            // memory at full speed: no permutation is drawn. The loss pass also
            // computes the gradient that the next epoch steps along (see
            // `loss_and_gradient`), so from the second epoch on, an epoch reads
            // the data set once instead of twice.
            let error_sum = match gradient_ready.take() {
                Some(error_sum) => error_sum,
                None => {
                    grad_w.fill(0.0);
                    accumulate_gradient(
                        x,
                        y,
                        order,
                        0..n,
                        w,
                        *b,
                        activation_fn,
                        grad_w,
                    )
                }
            };
            step(w, b, grad_w, error_sum, n, lr);
            let (loss, next_error_sum) =
                loss_and_gradient(x, y, w, *b, loss_fn, activation_fn, grad_w);
            *gradient_ready = Some(next_error_sum);
            loss
        } else {
            *order = epoch_order(n, rng);
            if batch_size == 1 {
                step_per_sample(x, y, order, w, b, lr, activation_fn);
            } else {
                for start in (0..n).step_by(batch_size) {
                    let batch = start..(start + batch_size).min(n);
                    let m = batch.len();
                    grad_w.fill(0.0);
                    let error_sum = accumulate_gradient(
                        x,
                        y,
                        order,
                        batch,
                        w,
                        *b,
                        activation_fn,
                        grad_w,
                    );
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

    /// The order in which the last epoch visited the rows (before the first
    /// epoch: the rows in the order given).
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The final weights and bias.
    pub fn into_parameters(self) -> (Array1<f64>, f64) {
        (self.w, self.b)
    }
}

// ANCHOR: epoch
/// Each item is one more epoch: its end, or [`TrainError::Diverged`] (after
/// which there are no more).
impl Iterator for Trainer<'_> {
    type Item = Result<EpochEnd, TrainError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.diverged || self.epochs_done == self.settings.num_epochs {
            return None;
        }
        let loss = self.steps_and_loss_fastest();
        self.epochs_done += 1;
        let epoch = self.epochs_done;
        if !loss.is_finite() {
            self.diverged = true;
            let lr = self.settings.lr;
            return Some(Err(TrainError::Diverged { epoch, loss, lr }));
        }
        let num_epochs = self.settings.num_epochs;
        Some(Ok(EpochEnd {
            epoch,
            num_epochs,
            loss,
        }))
    }
}
// ANCHOR_END: epoch

impl Trainer<'_> {
    /// [`Trainer::steps_and_loss`] in the copy compiled for AVX2 where the
    /// processor has it, else in the baseline copy.
    fn steps_and_loss_fastest(&mut self) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has just been found to support AVX2.
            return unsafe { steps_and_loss_avx2(self) };
        }
        self.steps_and_loss()
    }
}

// ANCHOR: steps_and_loss_avx2
/// [`Trainer::steps_and_loss`] compiled for processors with AVX2, whose
/// instructions work on four `f64` at a time where the baseline x86-64 ones
/// (SSE2) work on two.
///
/// The results are the same bit for bit: no operation changes, only how many
/// lanes run side by side. (AVX2 processors also have fused multiply-add, which
/// rounds once where `a * b + c` rounds twice; the compiler never substitutes
/// it on its own.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn steps_and_loss_avx2(trainer: &mut Trainer<'_>) -> f64 {
    trainer.steps_and_loss()
}
// ANCHOR_END: steps_and_loss_avx2

// ANCHOR: step
/// One gradient step from the sums of a batch of `m` samples: `w ← w - lr · (Σ
/// errorᵢ·xᵢ) / m` and `b ← b - lr · (Σ errorᵢ) / m`.
fn step(
    w: &mut Array1<f64>,
    b: &mut f64,
    grad_w: &Array1<f64>,
    error_sum: f64,
    m: usize,
    lr: f64,
) {
    let m = m as f64;
    Zip::from(w)
        .and(grad_w)
        .for_each(|w, &g| *w -= lr * (g / m));
    *b -= lr * (error_sum / m);
}
// ANCHOR_END: step

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
