//! Training with checkpoints: `gradient_descent` stopped after chosen step
//! counts, within an epoch as well as at its end, so that a run can be
//! measured as often as the question needs.
//!
//! The library's trainer reports once per epoch. To measure in between, this
//! module shuffles each epoch itself, with the generator and the
//! [`epoch_order`] that `gradient_descent` uses, and hands
//! `gradient_descent` one piece of the shuffled epoch at a time: whole
//! batches, in order, with shuffling off, continuing from the weights the
//! last piece left. Batches never straddle two pieces, so the steps are
//! those of the uninterrupted run, and the weights at the end of each epoch
//! are the same bit for bit (`tests/sweep.rs` checks it).
//!
//! A decaying learning rate changes from step to step, counted from the start
//! of the run. Each batch is then its own piece, trained at the constant
//! rate that the schedule gives its step.

use ndarray::{Array1, ArrayRef1, ArrayRef2, Axis};
use thiserror::Error;

use crate::train::{check_inputs, epoch_order};
use crate::{Schedule, Settings, Shuffle, TrainError, gradient_descent};

/// Why a run with checkpoints stopped early.
#[derive(Debug, Error)]
pub enum CheckpointError<E> {
    /// The settings or the data do not fit, or the loss stopped being a
    /// number.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// What the caller does at a checkpoint failed.
    #[error(transparent)]
    AtCheckpoint(E),
}

// ANCHOR: train_with_checkpoints
/// Trains as `gradient_descent(x, y, zeros, 0, settings)` would, for as
/// many steps as the last of `checkpoints` (step counts, increasing), and
/// calls `at_checkpoint(step, &w, b)` after each of them.
pub fn train_with_checkpoints<E>(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    settings: &Settings,
    checkpoints: &[usize],
    mut at_checkpoint: impl FnMut(usize, &Array1<f64>, f64) -> Result<(), E>,
) -> Result<(), CheckpointError<E>> {
    let (mut w, mut b) = (Array1::zeros(x.ncols()), 0.0);
    check_inputs(x, y, &w, b, settings)?;
    let (n, batch_size) = (x.nrows(), settings.batch_size);
    let steps_per_epoch = n.div_ceil(batch_size);
    let mut rng = settings.shuffle.generator();
    let (mut step, mut order) = (0, Vec::new());
    for &stop in checkpoints {
        while step < stop {
            let first = step % steps_per_epoch;
            if first == 0 {
                order = epoch_order(n, &mut rng);
            }
            let piece = match settings.schedule {
                Schedule::Constant => stop.min(step - first + steps_per_epoch),
                Schedule::InverseTime { .. } => step + 1,
            } - step;
            let rows = (first * batch_size)..((first + piece) * batch_size);
            let rows = &order[rows.start..rows.end.min(n)];
            let part = Settings {
                lr: settings.schedule.rate(settings.lr, step, steps_per_epoch),
                num_epochs: 1,
                shuffle: Shuffle::Off,
                schedule: Schedule::Constant,
                ..*settings
            };
            let (x_part, y_part) =
                (x.select(Axis(0), rows), y.select(Axis(0), rows));
            let trained =
                gradient_descent(&x_part, &y_part, &w, b, &part, |_| {})?;
            (w, b, step) = (trained.w, trained.b, step + piece);
        }
        if step == stop {
            at_checkpoint(step, &w, b)
                .map_err(CheckpointError::AtCheckpoint)?;
        }
    }
    Ok(())
}
// ANCHOR_END: train_with_checkpoints
