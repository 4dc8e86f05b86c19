//! Learning-rate schedules: the step size as training goes on.
//!
//! The blog keeps the learning rate constant. With mini-batches that leaves
//! a noise floor: each step follows one batch's gradient, which differs from
//! the full gradient, so near the minimum the steps keep jostling the
//! parameters around it instead of settling. Shrinking the steps as training
//! goes on lets the noise average out.

use crate::error::TrainError;

// ANCHOR: schedule
/// How the learning rate changes from step to step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Schedule {
    /// The same learning rate at every step, as in the blog.
    #[default]
    Constant,
    /// `lr / (1 + decay · epochs)` where `epochs` counts the passes made so
    /// far, a fraction within an epoch: with `decay` 1 the rate is halved
    /// after one epoch and a third after two, whatever the batch size.
    InverseTime {
        /// How fast the rate falls, per epoch; 0 keeps it constant.
        decay: f64,
    },
}

impl Schedule {
    /// The learning rate of step `step` (counted from 0) of a run with
    /// `steps_per_epoch` steps in each epoch and initial rate `lr`.
    pub fn rate(self, lr: f64, step: usize, steps_per_epoch: usize) -> f64 {
        match self {
            Self::Constant => lr,
            Self::InverseTime { decay } => {
                let epochs = step as f64 / steps_per_epoch as f64;
                lr / (1.0 + decay * epochs)
            }
        }
    }
}
// ANCHOR_END: schedule

impl Schedule {
    /// Checks the schedule's own numbers: a decay must be finite and not
    /// negative (a negative one would make the steps grow without bound).
    pub fn validate(self) -> Result<(), TrainError> {
        match self {
            Self::Constant => Ok(()),
            Self::InverseTime { decay }
                if decay.is_finite() && decay >= 0.0 =>
            {
                Ok(())
            }
            Self::InverseTime { decay } => Err(TrainError::InvalidDecay(decay)),
        }
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Constant => f.write_str("constant"),
            Self::InverseTime { decay } => {
                write!(f, "lr / (1 + {decay:?} · epochs)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_schedule_keeps_the_rate() {
        for step in [0, 1, 7, 1_000_000] {
            assert_eq!(Schedule::Constant.rate(0.1, step, 10), 0.1);
        }
    }

    #[test]
    fn inverse_time_decay_worked_by_hand() {
        // Four steps per epoch, decay 1: after 2 steps half an epoch has
        // passed, so the rate is 0.8 / 1.5; after 4 steps 0.8 / 2; after 8
        // steps 0.8 / 3.
        let s = Schedule::InverseTime { decay: 1.0 };
        assert_eq!(s.rate(0.8, 0, 4), 0.8);
        assert_eq!(s.rate(0.8, 2, 4), 0.8 / 1.5);
        assert_eq!(s.rate(0.8, 4, 4), 0.4);
        assert_eq!(s.rate(0.8, 8, 4), 0.8 / 3.0);
        // Decay 0.5 with one step per epoch (the full batch): step 2 has
        // 0.9 / (1 + 0.5 · 2) = 0.45.
        let half = Schedule::InverseTime { decay: 0.5 };
        assert_eq!(half.rate(0.9, 2, 1), 0.45);
    }

    #[test]
    fn a_zero_decay_is_the_constant_rate() {
        let s = Schedule::InverseTime { decay: 0.0 };
        assert_eq!(s.rate(0.3, 123, 7), 0.3);
    }

    #[test]
    fn bad_decays_are_typed_errors() {
        for decay in [-0.5, f64::NAN, f64::INFINITY] {
            let s = Schedule::InverseTime { decay };
            assert!(matches!(s.validate(), Err(TrainError::InvalidDecay(_))));
        }
        assert_eq!(Schedule::InverseTime { decay: 2.0 }.validate(), Ok(()));
    }
}
