//! What the sweep's tables say: each setting's validation curve over its
//! seeds, the learning rate each batch size does best with, and the steps
//! and examples each batch size needs to reach a target loss, with the
//! trade-off curve of McCandlish et al. (2018) fitted to them.
//!
//! Everything here that chooses reads only [`Measurement`]s, the rows of
//! `runs.csv`, which hold no test measurement: the test set cannot steer a
//! choice.

use super::grid::{Budget, Compared, Grid, RunKey};
use super::table::{Measurement, Runs};

/// A setting of the grid: a run key without its seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    /// Samples per batch.
    pub batch_size: usize,
    /// The (first) learning rate.
    pub lr: f64,
    /// The decay of the learning rate; 0 for a constant one.
    pub decay: f64,
}

impl Setting {
    /// The run of this setting with `seed`.
    pub fn with_seed(self, seed: u64) -> RunKey {
        RunKey {
            batch_size: self.batch_size,
            lr: self.lr,
            decay: self.decay,
            seed,
        }
    }
}

/// The mean, smallest and largest of some numbers: over the seeds of a
/// setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The mean.
    pub mean: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; a NaN among them makes every part NaN.
    pub fn of(values: &[f64]) -> Self {
        if values.is_empty() || values.iter().any(|v| v.is_nan()) {
            return Self {
                mean: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            };
        }
        let (min, max) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        Self {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min,
            max,
        }
    }
}

/// A setting's runs, one per seed, measured at the same checkpoints.
#[derive(Debug, Clone)]
pub struct Curve {
    /// The setting.
    pub setting: Setting,
    /// The checkpoints' step counts.
    pub steps: Vec<usize>,
    /// The training examples used by each checkpoint.
    pub examples: Vec<usize>,
    /// Each seed's rows, in the order of the grid's seeds.
    pub seeds: Vec<Vec<Measurement>>,
}

impl Curve {
    /// The index of the checkpoint at `step`.
    pub fn at(&self, step: usize) -> Option<usize> {
        self.steps.iter().position(|&s| s == step)
    }

    /// The validation loss at checkpoint `i` over the seeds.
    pub fn val_loss(&self, i: usize) -> Spread {
        self.spread(i, |m| m.val_loss)
    }

    /// The validation accuracy at checkpoint `i` over the seeds.
    pub fn val_accuracy(&self, i: usize) -> Spread {
        self.spread(i, |m| m.val_accuracy)
    }

    /// The training loss at checkpoint `i` over the seeds (NaN where it was
    /// not measured).
    pub fn train_loss(&self, i: usize) -> Spread {
        self.spread(i, |m| m.train_loss.unwrap_or(f64::NAN))
    }

    fn spread(&self, i: usize, value: impl Fn(&Measurement) -> f64) -> Spread {
        let values: Vec<f64> =
            self.seeds.iter().map(|r| value(&r[i])).collect();
        Spread::of(&values)
    }
}

/// Every setting of `grid` with its runs from `runs` (which must hold every
/// run of the grid), in the order batch size, decay, learning rate.
pub fn curves(grid: &Grid, runs: &Runs<Measurement>) -> Vec<Curve> {
    let mut curves = Vec::new();
    for &batch_size in &grid.batch_sizes {
        for &decay in &grid.decays {
            for &lr in &grid.learning_rates {
                let setting = Setting {
                    batch_size,
                    lr,
                    decay,
                };
                let seeds: Vec<Vec<Measurement>> = grid
                    .seeds_of(batch_size)
                    .iter()
                    .filter_map(|&s| runs.get(&setting.with_seed(s)).cloned())
                    .collect();
                let Some(first) = seeds.first() else { continue };
                curves.push(Curve {
                    setting,
                    steps: first.iter().map(|m| m.step).collect(),
                    examples: first.iter().map(|m| m.examples).collect(),
                    seeds,
                });
            }
        }
    }
    curves
}

/// Where a chosen learning rate lies in the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Inside the grid: a smaller and a larger rate did worse.
    Inside,
    /// The smallest rate of the grid: a smaller one might do better.
    Lowest,
    /// The largest rate of the grid: a larger one might do better.
    Highest,
}

impl Edge {
    /// Where the `index`-th of `count` learning rates, in increasing order,
    /// lies.
    pub fn of(index: usize, count: usize) -> Self {
        if count < 2 {
            Edge::Inside
        } else if index == 0 {
            Edge::Lowest
        } else if index == count - 1 {
            Edge::Highest
        } else {
            Edge::Inside
        }
    }
}

/// The learning rate chosen for a batch size and decay under one
/// comparison, with what it reached on validation data.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The comparison.
    pub compared: Compared,
    /// The chosen setting.
    pub setting: Setting,
    /// The step at which it was compared.
    pub step: usize,
    /// Its validation loss there, over the seeds.
    pub val_loss: Spread,
    /// Its validation accuracy there, over the seeds.
    pub val_accuracy: Spread,
    /// Where the chosen rate lies in the grid.
    pub edge: Edge,
}

// ANCHOR: choose
/// For each batch size and decay of `grid`, the learning rate whose mean
/// validation loss over the seeds is lowest at the point of `compared`.
pub fn choose(
    curves: &[Curve],
    grid: &Grid,
    budget: &Budget,
    compared: Compared,
) -> Vec<Choice> {
    let mut choices = Vec::new();
    for &batch_size in &grid.batch_sizes {
        let step = budget.point(compared, grid.rows.div_ceil(batch_size));
        for &decay in &grid.decays {
            // The curves of this batch size and decay, by learning rate,
            // each with its checkpoint at `step`.
            let candidates: Vec<(&Curve, usize)> = curves
                .iter()
                .filter(|c| c.setting.batch_size == batch_size)
                .filter(|c| c.setting.decay == decay)
                .filter_map(|c| Some((c, c.at(step)?)))
                .collect();
            let mean_loss = |k: usize| {
                let (curve, i) = candidates[k];
                curve.val_loss(i).mean
            };
            let lowest = (0..candidates.len())
                .min_by(|&j, &k| mean_loss(j).total_cmp(&mean_loss(k)));
            let Some(best) = lowest else { continue };
            let (curve, i) = candidates[best];
            choices.push(Choice {
                compared,
                setting: curve.setting,
                step,
                val_loss: curve.val_loss(i),
                val_accuracy: curve.val_accuracy(i),
                edge: Edge::of(best, candidates.len()),
            });
        }
    }
    choices
}
// ANCHOR_END: choose

/// The slope of `log(best learning rate)` against `log(batch size)` over the
/// batch sizes from the smallest up to the first whose best rate is the
/// largest of all (where the rate stops growing): 1 is the linear scaling
/// rule, 0.5 the square-root rule. `None` with fewer than two such sizes.
pub fn lr_growth(choices: &[&Choice]) -> Option<(f64, usize)> {
    let peak = choices
        .iter()
        .map(|c| c.setting.lr)
        .fold(f64::NEG_INFINITY, f64::max);
    let end = choices.iter().position(|c| c.setting.lr == peak)?;
    let points: Vec<(f64, f64)> = choices[..=end]
        .iter()
        .map(|c| ((c.setting.batch_size as f64).ln(), c.setting.lr.ln()))
        .collect();
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    Some((sxy / sxx, choices[end].setting.batch_size))
}

/// The lowest mean validation loss of any setting of constant rate at any
/// checkpoint: the loss the targets are set above.
pub fn best_loss(curves: &[Curve]) -> f64 {
    curves
        .iter()
        .filter(|c| c.setting.decay == 0.0)
        .flat_map(|c| (0..c.steps.len()).map(|i| c.val_loss(i).mean))
        .fold(f64::INFINITY, f64::min)
}

/// How far above the best loss the targets lie: 50 %, 20 % and 10 %.
pub const TARGET_MARGINS: [f64; 3] = [0.5, 0.2, 0.1];

/// When a curve first reaches `target`: the steps and the examples, found
/// by interpolating `loss` between the two checkpoints around the crossing,
/// linearly in the logarithm of the steps. `loss(i)` is the loss at
/// checkpoint `i`.
pub fn reach(
    steps: &[usize],
    examples: &[usize],
    loss: impl Fn(usize) -> f64,
    target: f64,
) -> Option<(f64, f64)> {
    let first = (0..steps.len()).find(|&i| loss(i) <= target)?;
    if first == 0 {
        return Some((steps[0] as f64, examples[0] as f64));
    }
    let (a, b) = (first - 1, first);
    let (la, lb) = (loss(a), loss(b));
    let t = if la.is_finite() {
        (la - target) / (la - lb)
    } else {
        1.0
    };
    let (sa, sb) = ((steps[a] as f64).ln(), (steps[b] as f64).ln());
    let s = (sa + t * (sb - sa)).exp();
    // Examples per step are those of the batches between the two points.
    let per_step =
        (examples[b] - examples[a]) as f64 / (steps[b] - steps[a]) as f64;
    Some((s, examples[a] as f64 + (s - steps[a] as f64) * per_step))
}

/// A batch size's fewest steps to a target over the learning rates of
/// constant rate, with the examples they use and each seed's own steps.
#[derive(Debug, Clone)]
pub struct Reached {
    /// The batch size.
    pub batch_size: usize,
    /// The learning rate that got there in the fewest steps.
    pub lr: f64,
    /// Steps: the median of the seeds' own.
    pub steps: f64,
    /// The examples those steps use.
    pub examples: f64,
    /// The steps of each seed (`None` for a seed that never got there).
    pub per_seed: Vec<Option<f64>>,
}

/// The median of the seeds' `(steps, examples)` to a target, a seed that
/// never gets there counting as slower than all others; with an even count,
/// the slower of the middle two. `None` when that one never gets there.
fn median_reach(per_seed: &[Option<(f64, f64)>]) -> Option<(f64, f64)> {
    let mut sorted = per_seed.to_vec();
    sorted.sort_by(|a, b| match (a, b) {
        (Some(a), Some(b)) => a.0.total_cmp(&b.0),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    *sorted.get(sorted.len() / 2)?
}

// ANCHOR: steps_to_target
/// For each batch size, the fewest steps (over learning rates of constant
/// rate) in which the validation loss reaches `target`, the median over the
/// seeds of each seed's first crossing; batch sizes that never get there
/// are left out.
pub fn steps_to_target(
    curves: &[Curve],
    grid: &Grid,
    target: f64,
) -> Vec<Reached> {
    let mut reached = Vec::new();
    for &batch_size in &grid.batch_sizes {
        let best = curves
            .iter()
            .filter(|c| c.setting.batch_size == batch_size)
            .filter(|c| c.setting.decay == 0.0)
            .filter_map(|c| {
                let per_seed: Vec<Option<(f64, f64)>> = c
                    .seeds
                    .iter()
                    .map(|rows| {
                        let loss = |i: usize| rows[i].val_loss;
                        reach(&c.steps, &c.examples, loss, target)
                    })
                    .collect();
                Some((c, median_reach(&per_seed)?, per_seed))
            })
            .min_by(|a, b| a.1.0.total_cmp(&b.1.0));
        let Some((curve, (steps, examples), per_seed)) = best else {
            continue;
        };
        reached.push(Reached {
            batch_size,
            lr: curve.setting.lr,
            steps,
            examples,
            per_seed: per_seed.iter().map(|r| r.map(|r| r.0)).collect(),
        });
    }
    reached
}
// ANCHOR_END: steps_to_target

// ANCHOR: tradeoff_fit
/// The trade-off between steps `S` and examples `E` of McCandlish et al.:
/// `(S / S_min − 1)(E / E_min − 1) = 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tradeoff {
    /// The fewest steps any batch size could need.
    pub s_min: f64,
    /// The fewest examples any batch size could need.
    pub e_min: f64,
}

impl Tradeoff {
    /// `B_crit = E_min / S_min`: the batch size that needs twice the fewest
    /// steps and twice the fewest examples.
    pub fn critical_batch_size(&self) -> f64 {
        self.e_min / self.s_min
    }

    /// The steps the curve predicts at batch size `b`: `S_min (1 + B_crit / b)`.
    pub fn steps_at(&self, b: f64) -> f64 {
        self.s_min * (1.0 + self.critical_batch_size() / b)
    }

    /// The examples the curve predicts at batch size `b`:
    /// `E_min (1 + b / B_crit)`.
    pub fn examples_at(&self, b: f64) -> f64 {
        self.e_min * (1.0 + b / self.critical_batch_size())
    }

    /// Fits the curve to measured `(steps, examples)` pairs. With `B = E / S`
    /// the curve is `S = S_min + E_min / B`, a straight line in `1 / B`; it
    /// is fitted by least squares on the relative error of `S`, so that the
    /// many steps of small batches do not outweigh the few of large ones.
    /// `None` for fewer than two points or a fit without a positive `S_min`
    /// and `E_min`.
    pub fn fit(points: &[(f64, f64)]) -> Option<Self> {
        // Each point asks for a·(1/S) + c·(1/(B·S)) = 1, with a = S_min and
        // c = E_min: the normal equations of that 2×2 least-squares problem.
        let (mut suu, mut suv, mut svv, mut su, mut sv) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(s, e) in points {
            let (u, v) = (1.0 / s, 1.0 / e);
            (suu, suv, svv, su, sv) =
                (suu + u * u, suv + u * v, svv + v * v, su + u, sv + v);
        }
        let det = suu * svv - suv * suv;
        if points.len() < 2 || det.abs() <= f64::EPSILON * suu * svv {
            return None;
        }
        let s_min = (su * svv - sv * suv) / det;
        let e_min = (sv * suu - su * suv) / det;
        (s_min > 0.0 && e_min > 0.0).then_some(Self { s_min, e_min })
    }
}
// ANCHOR_END: tradeoff_fit

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_recovers_a_curve_it_was_given() {
        let truth = Tradeoff {
            s_min: 200.0,
            e_min: 30_000.0,
        };
        let points: Vec<(f64, f64)> = [1.0, 16.0, 150.0, 1000.0, 9000.0]
            .iter()
            .map(|&b| {
                let s = truth.steps_at(b);
                (s, s * b)
            })
            .collect();
        let fit = Tradeoff::fit(&points).unwrap();
        assert!((fit.s_min / 200.0 - 1.0).abs() < 1e-9, "{fit:?}");
        assert!((fit.e_min / 30_000.0 - 1.0).abs() < 1e-9, "{fit:?}");
        assert!((fit.critical_batch_size() - 150.0).abs() < 1e-6);
        // On the curve, B_crit needs twice S_min and twice E_min.
        assert!((truth.steps_at(150.0) / 400.0 - 1.0).abs() < 1e-12);
        assert!(Tradeoff::fit(&points[..1]).is_none());
    }

    #[test]
    fn reaching_a_target_between_checkpoints() {
        // Loss 0.4 at step 10, 0.2 at step 1000: 0.3 is reached halfway in
        // log steps, at step 100, with 4 examples a step.
        let (steps, examples) = ([10, 1000], [40, 4000]);
        let loss = |i: usize| [0.4, 0.2][i];
        let (s, e) = reach(&steps, &examples, loss, 0.3).unwrap();
        assert!((s - 100.0).abs() < 1e-9 && (e - 400.0).abs() < 1e-9);
        assert_eq!(reach(&steps, &examples, loss, 0.5), Some((10.0, 40.0)));
        assert_eq!(reach(&steps, &examples, loss, 0.1), None);
    }

    #[test]
    fn the_median_seed_counts_the_ones_that_never_arrive_as_slowest() {
        let (a, b) = (Some((10.0, 1.0)), Some((30.0, 3.0)));
        assert_eq!(median_reach(&[b, None, a]), b);
        assert_eq!(median_reach(&[None, None, a]), None);
        assert_eq!(median_reach(&[a]), a);
    }

    fn choice(batch_size: usize, lr: f64) -> Choice {
        let none = Spread::of(&[0.0]);
        Choice {
            compared: Compared::Epochs,
            setting: Setting {
                batch_size,
                lr,
                decay: 0.0,
            },
            step: 1,
            val_loss: none,
            val_accuracy: none,
            edge: Edge::Inside,
        }
    }

    #[test]
    fn the_best_rate_grows_until_it_peaks() {
        // Four times the batch, four times the rate, up to 16; then flat.
        let choices = [
            choice(1, 0.01),
            choice(4, 0.04),
            choice(16, 0.16),
            choice(64, 0.16),
        ];
        let refs: Vec<&Choice> = choices.iter().collect();
        let (slope, until) = lr_growth(&refs).unwrap();
        assert!((slope - 1.0).abs() < 1e-12 && until == 16);
        // Twice the rate per four times the batch: the square-root rule.
        let sqrt = [choice(1, 0.01), choice(4, 0.02), choice(16, 0.04)];
        let refs: Vec<&Choice> = sqrt.iter().collect();
        assert!((lr_growth(&refs).unwrap().0 - 0.5).abs() < 1e-12);
        assert!(lr_growth(&refs[..1]).is_none());
    }

    #[test]
    fn spreads_over_seeds() {
        let s = Spread::of(&[1.0, 3.0, 2.0]);
        assert_eq!((s.mean, s.min, s.max), (2.0, 1.0, 3.0));
        assert!(Spread::of(&[1.0, f64::NAN]).mean.is_nan());
    }
}
