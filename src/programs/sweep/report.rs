//! The sweep's report: the text the program prints, which the book's page
//! quotes.

use std::fmt::Write;

use super::analysis::{
    self, Choice, Curve, Edge, Reached, Spread, TARGET_MARGINS, Tradeoff,
};
use super::grid::{Compared, RunKey};
use super::run::Sweep;
use super::table::{ChosenMeasurement, Measurement, Runs};

/// A learning rate as the report writes it: `2^-10` for a power of two,
/// else the number.
pub fn rate(lr: f64) -> String {
    let k = lr.log2().round();
    if 2f64.powf(k) == lr {
        format!("2^{k}")
    } else {
        format!("{lr:?}")
    }
}

/// A batch size, `full` for the whole training set.
pub fn batch(batch_size: usize, rows: usize) -> String {
    if batch_size >= rows {
        "full".to_string()
    } else {
        batch_size.to_string()
    }
}

/// `mean (min–max)` with four decimals, or the mean alone for one seed.
fn spread(s: &Spread) -> String {
    if s.min == s.max {
        format!("{:.4}", s.mean)
    } else {
        format!("{:.4} ({:.4}–{:.4})", s.mean, s.min, s.max)
    }
}

/// What the report is made of, worked out once from the tables.
#[derive(Debug, Clone)]
pub struct Findings {
    /// Every setting's curve over its seeds.
    pub curves: Vec<Curve>,
    /// The choices under each comparison.
    pub choices: Vec<Choice>,
    /// The lowest mean validation loss of the grid.
    pub best_loss: f64,
    /// Each target, with the batch sizes that reach it and the fitted
    /// trade-off.
    pub targets: Vec<(f64, Vec<Reached>, Option<Tradeoff>)>,
}

impl Findings {
    /// Works out the findings of the grid's runs.
    pub fn of(sweep: &Sweep, runs: &Runs<Measurement>) -> Self {
        let curves = analysis::curves(&sweep.grid, runs);
        let choices = sweep
            .budget
            .compared()
            .into_iter()
            .flat_map(|c| {
                analysis::choose(&curves, &sweep.grid, &sweep.budget, c)
            })
            .collect();
        let best_loss = analysis::best_loss(&curves);
        let targets = TARGET_MARGINS
            .iter()
            .map(|margin| {
                let target = best_loss * (1.0 + margin);
                let reached =
                    analysis::steps_to_target(&curves, &sweep.grid, target);
                let points: Vec<(f64, f64)> =
                    reached.iter().map(|r| (r.steps, r.examples)).collect();
                (target, reached, Tradeoff::fit(&points))
            })
            .collect();
        Self {
            curves,
            choices,
            best_loss,
            targets,
        }
    }

    /// The runs to train again and test: every seed of every choice.
    pub fn chosen_runs(&self, sweep: &Sweep) -> Vec<(Compared, RunKey)> {
        let mut runs = Vec::new();
        for choice in &self.choices {
            let b = choice.setting.batch_size;
            for &seed in sweep.grid.seeds_of(b) {
                runs.push((choice.compared, choice.setting.with_seed(seed)));
            }
        }
        runs
    }

    /// The choices under `compared` with decay `decay`, by batch size.
    pub fn chosen(&self, compared: Compared, decay: f64) -> Vec<&Choice> {
        self.choices
            .iter()
            .filter(|c| c.compared == compared && c.setting.decay == decay)
            .collect()
    }
}

/// The last row of each seed's chosen run of `choice`.
fn tested<'a>(
    chosen: &'a Runs<ChosenMeasurement>,
    sweep: &Sweep,
    choice: &Choice,
) -> Vec<&'a ChosenMeasurement> {
    let b = choice.setting.batch_size;
    sweep
        .grid
        .seeds_of(b)
        .iter()
        .filter_map(|&seed| {
            chosen
                .get(&(choice.compared, choice.setting.with_seed(seed)))?
                .last()
        })
        .collect()
}

/// The test loss and accuracy of a choice over its seeds.
pub fn test_results(
    chosen: &Runs<ChosenMeasurement>,
    sweep: &Sweep,
    choice: &Choice,
) -> (Spread, Spread) {
    let rows = tested(chosen, sweep, choice);
    let part = |f: fn((f64, f64)) -> f64| {
        let values: Vec<f64> =
            rows.iter().map(|r| r.test.map_or(f64::NAN, f)).collect();
        Spread::of(&values)
    };
    (part(|t| t.0), part(|t| t.1))
}

/// The noise scale at one checkpoint of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoisePoint {
    /// Steps made.
    pub step: usize,
    /// The validation loss there.
    pub val_loss: f64,
    /// `B_simple = tr(Σ) / |G|²` there, on the samples trained on.
    pub b_simple: f64,
}

/// The noise scale along a run, at each checkpoint where it was measured.
fn noise_along(rows: &[ChosenMeasurement]) -> Vec<NoisePoint> {
    rows.iter()
        .filter_map(|r| {
            let (trace, gradient) = r.noise?;
            Some(NoisePoint {
                step: r.at.step,
                val_loss: r.at.val_loss,
                b_simple: trace / gradient,
            })
        })
        .collect()
}

/// `B_simple` where a run's validation loss first reaches `target`, found as
/// [`analysis::reach`] finds the step, in the logarithm of `B_simple`.
fn noise_at(along: &[NoisePoint], target: f64) -> Option<f64> {
    let first = along.iter().position(|p| p.val_loss <= target)?;
    if first == 0 {
        return Some(along[0].b_simple);
    }
    let (a, b) = (along[first - 1], along[first]);
    let t = if a.val_loss.is_finite() {
        (a.val_loss - target) / (a.val_loss - b.val_loss)
    } else {
        1.0
    };
    let (la, lb) = (a.b_simple.ln(), b.b_simple.ln());
    Some((la + t * (lb - la)).exp())
}

/// The report: the grid, the choices under both comparisons with their
/// validation and test results, how the best rate grows with the batch
/// size, the steps and examples to each target with the fitted trade-off,
/// and the noise scale where the chosen runs reach each target.
pub fn report(
    sweep: &Sweep,
    findings: &Findings,
    chosen: &Runs<ChosenMeasurement>,
) -> String {
    let mut out = String::new();
    let grid = &sweep.grid;
    write_grid(&mut out, sweep);
    for compared in sweep.budget.compared() {
        for &decay in &grid.decays {
            write_choices(&mut out, sweep, findings, chosen, compared, decay);
        }
    }
    for &decay in &grid.decays {
        write_rate_growth(&mut out, sweep, findings, decay);
    }
    // Steps and examples to a target compare batch sizes.
    if grid.decays.contains(&0.0) && grid.batch_sizes.len() > 1 {
        write_targets(&mut out, sweep, findings, chosen);
    }
    out.lines().map(|l| wrap(l.trim_end(), WIDTH)).collect()
}

/// The report's first lines: the data, and the grid of settings trained.
fn write_grid(out: &mut String, sweep: &Sweep) {
    let grid = &sweep.grid;
    let rows = grid.rows;
    let list = |items: Vec<String>| items.join(", ");
    let _ = writeln!(out, "Data: {}", sweep.data.describe());
    let _ = writeln!(
        out,
        "Grid: batch sizes {}; learning rates {}; decays {}; seeds {}{}; {} runs",
        list(grid.batch_sizes.iter().map(|&b| batch(b, rows)).collect()),
        list(grid.learning_rates.iter().map(|&lr| rate(lr)).collect()),
        list(grid.decays.iter().map(|d| format!("{d:?}")).collect()),
        list(grid.seeds.iter().map(u64::to_string).collect()),
        if grid.batch_sizes.contains(&rows) {
            " (the full batch: the first only)"
        } else {
            ""
        },
        grid.runs().len()
    );
}

/// How the best learning rate after the budget's epochs grows with the
/// batch size, at the decay `decay`: the slope on a log-log scale, and how
/// far it holds.
fn write_rate_growth(
    out: &mut String,
    sweep: &Sweep,
    findings: &Findings,
    decay: f64,
) {
    let rows = sweep.grid.rows;
    let choices = findings.chosen(Compared::Epochs, decay);
    let Some((slope, until)) = analysis::lr_growth(&choices) else {
        return;
    };
    let last = choices.last().map(|c| c.setting.batch_size);
    let stops = if Some(until) == last {
        format!("all the way to {}", batch(until, rows))
    } else {
        format!("up to {}, and no further", batch(until, rows))
    };
    let _ = writeln!(
        out,
        "\nBest learning rate after {} epochs{}: it grows with the batch size \
         {stops}, with slope {slope:.2} on a log-log scale (1 is the linear \
         rule, 0.5 the square-root rule).",
        sweep.budget.epochs,
        decay_text(decay),
    );
}

/// How wide the report's lines are at most, so that the book shows them
/// without scrolling.
pub const WIDTH: usize = 100;

/// `line` broken at spaces into lines of at most `width` characters (a
/// longer word stays whole), each ending in a line break.
pub fn wrap(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return format!("{line}\n");
    }
    let mut out = String::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let len = current.chars().count() + word.chars().count() + 1;
        if !current.is_empty() && len > width {
            out.push_str(current.trim_end());
            out.push('\n');
            current.clear();
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push_str(&current);
    out.push('\n');
    out
}

fn decay_text(decay: f64) -> String {
    if decay == 0.0 {
        String::new()
    } else {
        format!(" with decay {decay:?}")
    }
}

fn write_choices(
    out: &mut String,
    sweep: &Sweep,
    findings: &Findings,
    chosen: &Runs<ChosenMeasurement>,
    compared: Compared,
    decay: f64,
) {
    let rows = sweep.grid.rows;
    let budget = match compared {
        Compared::Epochs => format!("after {} epochs", sweep.budget.epochs),
        Compared::Steps => {
            format!("after {} steps", sweep.budget.steps.unwrap_or(0))
        }
    };
    let _ = writeln!(
        out,
        "\nChosen on validation data {budget}{} (mean over seeds, min–max in brackets):",
        decay_text(decay)
    );
    let _ = writeln!(
        out,
        "{:>5} {:>6} {:>6} {:>7}  {:<23} {:<23} test accuracy",
        "batch", "lr", "steps", "epochs", "val loss", "test loss"
    );
    let mut edges = Vec::new();
    for choice in findings.chosen(compared, decay) {
        let b = choice.setting.batch_size;
        let epochs =
            super::grid::examples(choice.step, b, rows) as f64 / rows as f64;
        let (test_loss, test_accuracy) = test_results(chosen, sweep, choice);
        let _ = writeln!(
            out,
            "{:>5} {:>6} {:>6} {:>7.2}  {:<23} {:<23} {}",
            batch(b, rows),
            rate(choice.setting.lr),
            choice.step,
            epochs,
            spread(&choice.val_loss),
            spread(&test_loss),
            spread(&test_accuracy)
        );
        let (end, way) = match choice.edge {
            Edge::Inside => continue,
            Edge::Lowest => ("smallest", "downwards"),
            Edge::Highest => ("largest", "upwards"),
        };
        edges.push(format!(
            "batch size {}: the best learning rate is the grid's {end}; extend \
             --learning-rates {way}",
            batch(b, rows)
        ));
    }
    if edges.is_empty() {
        let _ = writeln!(out, "Every best learning rate lies inside the grid.");
    }
    for edge in edges {
        let _ = writeln!(out, "WARNING: {edge}");
    }
}

/// A lowest validation loss below this is taken for separable classes: its
/// targets (10 % to 50 % above it) would lie within 0.0005 of zero, where
/// only weights that grow without end take the loss.
const NEARLY_SEPARABLE: f64 = 1e-3;

fn write_targets(
    out: &mut String,
    sweep: &Sweep,
    findings: &Findings,
    chosen: &Runs<ChosenMeasurement>,
) {
    let along = chosen_noise(sweep, findings, chosen);
    let _ = writeln!(
        out,
        "\nSteps and examples to reach a target validation loss, each batch size at its \
         fastest learning rate (constant rates); the grid's lowest mean validation \
         loss is {:.4}:",
        findings.best_loss
    );
    if findings.best_loss < NEARLY_SEPARABLE {
        let _ = writeln!(
            out,
            "That is about 0: some line separates the validation set's classes, and the loss \
             falls as far as the weights grow, so a target relative to it means nothing. \
             Compare the accuracies above instead; on such data the batch size is a question \
             of cost, not of quality."
        );
        return;
    }
    for ((target, reached, fit), margin) in
        findings.targets.iter().zip(TARGET_MARGINS)
    {
        let _ = writeln!(
            out,
            "\nTarget {target:.4} ({:.0} % above the lowest):",
            margin * 100.0
        );
        write_reached(out, reached, sweep);
        write_tradeoff(out, fit.as_ref());
        write_noise_at(out, &noise_at_target(&along, *target), sweep);
    }
}

/// The table of the batch sizes that reach a target: each one's learning
/// rate, mean steps and examples, and steps per seed; then those that do
/// not reach it.
fn write_reached(out: &mut String, reached: &[Reached], sweep: &Sweep) {
    let rows = sweep.grid.rows;
    let _ = writeln!(
        out,
        "{:>5} {:>6} {:>9} {:>11}  {:<28}",
        "batch", "lr", "steps", "examples", "steps of each seed"
    );
    for r in reached {
        let seeds: Vec<String> = r
            .per_seed
            .iter()
            .map(|s| s.map_or("-".to_string(), |s| format!("{s:.0}")))
            .collect();
        let _ = writeln!(
            out,
            "{:>5} {:>6} {:>9.0} {:>11.0}  {}",
            batch(r.batch_size, rows),
            rate(r.lr),
            r.steps,
            r.examples,
            seeds.join(", ")
        );
    }
    let missing: Vec<String> = sweep
        .grid
        .batch_sizes
        .iter()
        .filter(|b| !reached.iter().any(|r| r.batch_size == **b))
        .map(|&b| batch(b, rows))
        .collect();
    if !missing.is_empty() {
        let _ =
            writeln!(out, "Not reached by batch sizes {}.", missing.join(", "));
    }
}

/// The fitted trade-off between steps and examples to a target, with the
/// critical batch size it gives, or why there is none.
fn write_tradeoff(out: &mut String, fit: Option<&Tradeoff>) {
    let _ = match fit {
        Some(f) => writeln!(
            out,
            "Fit of (S/S_min − 1)(E/E_min − 1) = 1: S_min = {:.1} steps, E_min = {:.0} \
             examples, B_crit = E_min/S_min = {:.1}",
            f.s_min,
            f.e_min,
            f.critical_batch_size()
        ),
        None => writeln!(out, "No fit: too few batch sizes reach the target."),
    };
}

/// Each batch size's run chosen after the budget's epochs (constant
/// rates, the first seed), with its noise scale measured along its
/// training.
pub fn chosen_noise(
    sweep: &Sweep,
    findings: &Findings,
    chosen: &Runs<ChosenMeasurement>,
) -> Vec<(usize, Vec<NoisePoint>)> {
    let first_seed = sweep.grid.seeds.first().copied().unwrap_or(0);
    findings
        .chosen(Compared::Epochs, 0.0)
        .iter()
        .filter_map(|c| {
            let key = (Compared::Epochs, c.setting.with_seed(first_seed));
            Some((c.setting.batch_size, noise_along(chosen.get(&key)?)))
        })
        .collect()
}

/// `B_simple` where each of the runs measured `along` their training
/// ([`chosen_noise`]) reaches the loss `target`, by batch size; a run that
/// never reaches it is left out.
pub fn noise_at_target(
    along: &[(usize, Vec<NoisePoint>)],
    target: f64,
) -> Vec<(usize, f64)> {
    along
        .iter()
        .filter_map(|(b, a)| Some((*b, noise_at(a, target)?)))
        .collect()
}

/// The median of the noise scales of `noise` (the upper one of an even
/// count), or none of none.
pub fn median_noise(noise: &[(usize, f64)]) -> Option<f64> {
    let mut values: Vec<f64> = noise.iter().map(|n| n.1).collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// The noise scale `B_simple` where the runs chosen after the budget's
/// epochs reach a target (`noise`, from [`noise_at_target`]): the median
/// and each batch size's (nothing where none reaches it).
fn write_noise_at(out: &mut String, noise: &[(usize, f64)], sweep: &Sweep) {
    let Some(median) = median_noise(noise) else {
        return;
    };
    let each: Vec<String> = noise
        .iter()
        .map(|(b, n)| format!("{} {n:.0}", batch(*b, sweep.grid.rows)))
        .collect();
    let _ = writeln!(
        out,
        "B_simple = tr(Σ)/|G|² where the runs chosen after {} epochs reach it: \
         median {median:.1}; by batch size: {}",
        sweep.budget.epochs,
        each.join(", ")
    );
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_keeps_short_lines_whole_and_breaks_long_ones_at_spaces() {
        assert_eq!(wrap("    1  2^-10", 20), "    1  2^-10\n");
        assert_eq!(wrap("one two three four", 9), "one two\nthree\nfour\n");
        assert_eq!(wrap("a longword b", 4), "a\nlongword\nb\n");
    }
}
