//! What a sweep trains: the grid of settings, how long each run lasts, and
//! the points of a run where it is measured.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The settings of one run of the grid. Two keys are equal when their
/// numbers are equal bit for bit, which is how they are written and read.
#[derive(Debug, Clone, Copy)]
pub struct RunKey {
    /// Samples per batch, at most the number of training samples.
    pub batch_size: usize,
    /// The learning rate η (the first one, with a decay).
    pub lr: f64,
    /// The inverse-time decay `k` of `η / (1 + k · epochs)`; 0 is a
    /// constant rate.
    pub decay: f64,
    /// The seed of the shuffling.
    pub seed: u64,
}

impl RunKey {
    fn bits(&self) -> (usize, u64, u64, u64) {
        (
            self.batch_size,
            self.lr.to_bits(),
            self.decay.to_bits(),
            self.seed,
        )
    }
}

impl PartialEq for RunKey {
    fn eq(&self, other: &Self) -> bool {
        self.bits() == other.bits()
    }
}

impl Eq for RunKey {}

impl Hash for RunKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bits().hash(state);
    }
}

impl Ord for RunKey {
    /// By batch size, then learning rate, decay and seed: the order of the
    /// rows of a finished table.
    fn cmp(&self, other: &Self) -> Ordering {
        self.batch_size
            .cmp(&other.batch_size)
            .then(self.lr.total_cmp(&other.lr))
            .then(self.decay.total_cmp(&other.decay))
            .then(self.seed.cmp(&other.seed))
    }
}

impl PartialOrd for RunKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The grid: every combination of these is one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Batch sizes, increasing, each at most the number of training samples.
    pub batch_sizes: Vec<usize>,
    /// Learning rates, increasing.
    pub learning_rates: Vec<f64>,
    /// Decays, increasing; `[0.0]` for constant rates only.
    pub decays: Vec<f64>,
    /// Shuffling seeds.
    pub seeds: Vec<u64>,
    /// The number of training samples: a batch of that many is the whole
    /// set.
    pub rows: usize,
}

impl Grid {
    /// The grid of the given values, sorted and without repeats. Batch sizes
    /// above `rows` (the number of training samples) become `rows`, one batch
    /// of the whole set, as they do in `gradient_descent`.
    pub fn new(
        batch_sizes: &[usize],
        rows: usize,
        learning_rates: &[f64],
        decays: &[f64],
        seeds: &[u64],
    ) -> Self {
        let mut batch_sizes: Vec<usize> =
            batch_sizes.iter().map(|&b| b.min(rows)).collect();
        batch_sizes.sort_unstable();
        batch_sizes.dedup();
        let sorted = |values: &[f64]| {
            let mut v = values.to_vec();
            v.sort_by(f64::total_cmp);
            v.dedup_by(|a, b| a.to_bits() == b.to_bits());
            v
        };
        let mut seeds = seeds.to_vec();
        seeds.sort_unstable();
        seeds.dedup();
        Self {
            batch_sizes,
            learning_rates: sorted(learning_rates),
            decays: sorted(decays),
            seeds,
            rows,
        }
    }

    /// The seeds a batch size is trained with: all of them, but only the
    /// first for a batch of the whole set, whose one batch holds every
    /// sample in any order (the seed changes only the rounding of its sums).
    pub fn seeds_of(&self, batch_size: usize) -> &[u64] {
        if batch_size >= self.rows {
            &self.seeds[..self.seeds.len().min(1)]
        } else {
            &self.seeds
        }
    }

    /// Every run of the grid, in table order.
    pub fn runs(&self) -> Vec<RunKey> {
        let mut runs = Vec::new();
        for &batch_size in &self.batch_sizes {
            for &lr in &self.learning_rates {
                for &decay in &self.decays {
                    for &seed in self.seeds_of(batch_size) {
                        runs.push(RunKey {
                            batch_size,
                            lr,
                            decay,
                            seed,
                        });
                    }
                }
            }
        }
        runs
    }
}

/// The two budgets at which batch sizes are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Compared {
    /// After the same number of epochs (passes over the data).
    Epochs,
    /// After the same number of steps (updates of the weights).
    Steps,
}

impl Compared {
    /// Both, in the order the report gives them.
    pub const BOTH: [Compared; 2] = [Compared::Epochs, Compared::Steps];

    /// The name written in tables.
    pub fn name(self) -> &'static str {
        match self {
            Compared::Epochs => "epochs",
            Compared::Steps => "steps",
        }
    }

    /// The budget named `name` in a table.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::BOTH.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for Compared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How long the runs last: every run makes at least `epochs` passes over the
/// data and at least `steps` steps, so that every batch size can be
/// compared after the same number of epochs and after the same number of
/// steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The number of epochs at which batch sizes are compared.
    pub epochs: usize,
    /// The number of steps at which batch sizes are compared, if they are.
    pub steps: Option<usize>,
}

/// How many measuring points a run has per doubling of its step count:
/// steps 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, …
pub const POINTS_PER_DOUBLING: i32 = 4;

impl Budget {
    /// The comparisons this budget makes.
    pub fn compared(&self) -> Vec<Compared> {
        match self.steps {
            Some(_) => Compared::BOTH.to_vec(),
            None => vec![Compared::Epochs],
        }
    }

    /// The step at which a run with `steps_per_epoch` steps per epoch is
    /// compared with the others under `compared`.
    pub fn point(&self, compared: Compared, steps_per_epoch: usize) -> usize {
        match compared {
            Compared::Epochs => self.epochs * steps_per_epoch,
            Compared::Steps => self.steps.unwrap_or(0),
        }
    }

    /// How many steps a run makes: enough for both comparisons.
    pub fn run_steps(&self, steps_per_epoch: usize) -> usize {
        self.point(Compared::Epochs, steps_per_epoch)
            .max(self.point(Compared::Steps, steps_per_epoch))
    }

    /// The steps after which a run is measured, increasing: about
    /// [`POINTS_PER_DOUBLING`] per doubling of the step count, the end of
    /// each of the first `epochs` epochs, both comparison points, and the
    /// last step.
    pub fn checkpoints(&self, steps_per_epoch: usize) -> Vec<usize> {
        let last = self.run_steps(steps_per_epoch);
        let mut steps: Vec<usize> = (0..)
            .map(|k| 2f64.powf(f64::from(k) / f64::from(POINTS_PER_DOUBLING)))
            .map(|s| s.ceil() as usize)
            .take_while(|&s| s < last)
            .collect();
        steps.extend((1..=self.epochs).map(|e| e * steps_per_epoch));
        steps.extend(
            self.compared()
                .iter()
                .map(|&c| self.point(c, steps_per_epoch)),
        );
        steps.push(last);
        steps.sort_unstable();
        steps.dedup();
        steps
    }
}

/// The number of training examples that `step` steps of batch size
/// `batch_size` on `rows` samples have used: whole epochs of `rows` each,
/// then whole batches (the last batch of an epoch is smaller when
/// `batch_size` does not divide `rows`).
pub fn examples(step: usize, batch_size: usize, rows: usize) -> usize {
    let steps_per_epoch = rows.div_ceil(batch_size);
    let (epochs, rest) = (step / steps_per_epoch, step % steps_per_epoch);
    epochs * rows + (rest * batch_size).min(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_is_sorted_without_repeats_and_capped_at_the_data() {
        let grid =
            Grid::new(&[64, 1, 100_000, 64], 500, &[0.5, 0.1], &[0.0], &[2, 1]);
        assert_eq!(grid.batch_sizes, [1, 64, 500]);
        assert_eq!(grid.learning_rates, [0.1, 0.5]);
        assert_eq!(grid.seeds, [1, 2]);
        // The whole set (500) is trained with the first seed only.
        assert_eq!(grid.runs().len(), 2 * 2 * 2 + 2);
        assert!(grid.runs().windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn checkpoints_cover_both_budgets() {
        let budget = Budget {
            epochs: 2,
            steps: Some(30),
        };
        // 10 steps per epoch: the run lasts max(20, 30) = 30 steps.
        assert_eq!(
            budget.checkpoints(10),
            [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 23, 27, 30]
        );
        // One step per epoch (the full batch): epochs 1 and 2 are steps 1, 2.
        assert_eq!(budget.run_steps(1), 30);
        // 100 steps per epoch: the run lasts 200 steps; step 30 is measured.
        let long = budget.checkpoints(100);
        assert!(long.contains(&30) && long.contains(&100));
        assert_eq!(long.last(), Some(&200));
        // Without a comparison at equal steps, a run lasts its epochs.
        let epochs_only = Budget {
            epochs: 2,
            steps: None,
        };
        assert_eq!(epochs_only.compared(), [Compared::Epochs]);
        assert_eq!(epochs_only.checkpoints(3), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn examples_count_the_short_last_batch() {
        // 10 rows in batches of 4: 4, 8, 10 per epoch.
        assert_eq!(examples(1, 4, 10), 4);
        assert_eq!(examples(3, 4, 10), 10);
        assert_eq!(examples(4, 4, 10), 14);
        assert_eq!(examples(7, 10, 10), 70);
    }
}
