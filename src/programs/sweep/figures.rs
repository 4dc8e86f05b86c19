//! The charts of the page "Choosing the batch size", drawn from a finished
//! sweep's tables (the `charts` program draws them). Each function saves
//! its chart and returns the numbers behind it, as text.

use std::fmt::Write;
use std::path::Path;

use super::Results;
use super::analysis::{Choice, Curve, Reached, Setting, Spread, Tradeoff};
use super::grid::Compared;
use super::report::{
    batch, chosen_noise, median_noise, noise_at_target, rate, test_results,
};
use super::run::Sweep;
use super::times::EpochTimes;
use crate::programs::charts;
use crate::programs::plot::{
    self, Axis, Heatmap, Legend, Line, Mark, Scale, Series,
};

/// A learning rate as a chart's tick writes it: `2⁻¹⁰` for a power of two.
fn superscript(lr: f64) -> String {
    let text = rate(lr);
    let Some(power) = text.strip_prefix("2^") else {
        return text;
    };
    let digits: String = power
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹']
                [d.to_digit(10).unwrap_or(0) as usize],
        })
        .collect();
    format!("2{digits}")
}

/// The curve of `batch_size`, `lr` and `decay`.
fn curve(
    results: &Results,
    batch_size: usize,
    lr: f64,
    decay: f64,
) -> Option<&Curve> {
    results.findings.curves.iter().find(|c| {
        c.setting.batch_size == batch_size
            && c.setting.lr == lr
            && c.setting.decay == decay
    })
}

/// The heatmap of the mean validation loss after the budget's epochs over
/// batch sizes × learning rates, each batch size's best rate ringed.
pub fn heatmap(
    sweep: &Sweep,
    results: &Results,
    path: &Path,
) -> anyhow::Result<String> {
    let grid = &sweep.grid;
    let (values, marked) = final_losses(sweep, results);
    let text = heatmap_table(sweep, &values, &marked);
    let best = results.findings.best_loss;
    let columns = grid
        .learning_rates
        .iter()
        .enumerate()
        .map(|(i, &lr)| {
            if i % 2 == 0 {
                superscript(lr)
            } else {
                String::new()
            }
        })
        .collect();
    let title = format!(
        "Validation loss after {} epochs; ring: each batch size's best",
        sweep.budget.epochs
    );
    let svg = charts::heatmap(&Heatmap {
        title: &title,
        x_label: "learning rate",
        y_label: "batch size",
        value_label: "loss",
        columns,
        rows: grid
            .batch_sizes
            .iter()
            .map(|&b| batch(b, grid.rows))
            .collect(),
        values,
        marked,
        range: (best, 10.0 * best),
    });
    plot::save(path, svg)?;
    Ok(text)
}

/// For each batch size, the mean validation loss of each learning rate
/// after the budget's epochs (NaN where there is no run), and which rate
/// the sweep chose.
fn final_losses(
    sweep: &Sweep,
    results: &Results,
) -> (Vec<Vec<f64>>, Vec<Option<usize>>) {
    let grid = &sweep.grid;
    let choices = results.findings.chosen(Compared::Epochs, 0.0);
    let row = |b: usize| -> Vec<f64> {
        let step = sweep.budget.epochs * sweep.steps_per_epoch(b);
        let at = |lr| {
            let c = curve(results, b, lr, 0.0)?;
            Some(c.val_loss(c.at(step)?).mean)
        };
        let rates = grid.learning_rates.iter();
        rates.map(|&lr| at(lr).unwrap_or(f64::NAN)).collect()
    };
    let chosen = |b: usize| {
        let choice = choices.iter().find(|c| c.setting.batch_size == b)?;
        let rates = &grid.learning_rates;
        rates.iter().position(|&lr| lr == choice.setting.lr)
    };
    let sizes = &grid.batch_sizes;
    (
        sizes.iter().map(|&b| row(b)).collect(),
        sizes.iter().map(|&b| chosen(b)).collect(),
    )
}

/// The heatmap's numbers: a row a batch size, a column a learning rate, a
/// star after each batch size's chosen rate.
fn heatmap_table(
    sweep: &Sweep,
    values: &[Vec<f64>],
    marked: &[Option<usize>],
) -> String {
    let grid = &sweep.grid;
    let mut text = format!(
        "Mean validation loss after {} epochs (* marks each batch size's lowest):\n{:>5}",
        sweep.budget.epochs, "batch"
    );
    // Each rate over its column's digits, which a star may follow.
    for &lr in &grid.learning_rates {
        let _ = write!(text, " {:>6} ", rate(lr));
    }
    text.push('\n');
    for ((&b, row), &best) in grid.batch_sizes.iter().zip(values).zip(marked) {
        let _ = write!(text, "{:>5}", batch(b, grid.rows));
        for (i, v) in row.iter().enumerate() {
            let star = if Some(i) == best { "*" } else { " " };
            let _ = write!(text, " {v:>6.4}{star}");
        }
        text.push('\n');
    }
    text
}

/// Points spaced evenly in log scale from `lo` to `hi`.
fn log_points(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    (0..count)
        .map(|i| lo * (hi / lo).powf(i as f64 / (count - 1) as f64))
        .collect()
}

/// Steps and examples to the target `target` (an index into the
/// findings' targets) against batch size, with the fitted trade-off, the
/// critical batch size it gives and the measured noise scale.
pub fn tradeoff(
    sweep: &Sweep,
    results: &Results,
    target: usize,
    path: &Path,
) -> anyhow::Result<String> {
    let (loss, reached, fit) = &results.findings.targets[target];
    let fit = fit.ok_or_else(|| {
        anyhow::anyhow!("too few batch sizes reach the target {loss:.4} to fit the trade-off")
    })?;
    let along = chosen_noise(sweep, &results.findings, &results.chosen);
    let b_simple = median_noise(&noise_at_target(&along, *loss));
    let rows = sweep.grid.rows as f64;
    let svg = charts::plot(
        &format!("To validation loss {loss:.3}: steps and examples"),
        Axis {
            label: "batch size (log scale)",
            scale: Scale::Log,
        },
        Axis {
            label: "steps or examples (log scale)",
            scale: Scale::Log,
        },
        &tradeoff_series(&fit, reached, b_simple, rows),
        Legend::Inside,
        plot::SIZE.0,
    );
    plot::save(path, svg)?;
    Ok(format!(
        "Target {loss:.4}: S_min {:.1}, E_min {:.0}, B_crit {:.1}, B_simple (median) {}\n",
        fit.s_min,
        fit.e_min,
        fit.critical_batch_size(),
        b_simple.map_or("-".to_string(), |b| format!("{b:.1}"))
    ))
}

/// What the trade-off chart draws: the steps and the examples each batch
/// size needed (dots), the fitted curves through them over batch sizes 1 to
/// `rows`, and upright lines at `B_crit` and at the noise scale `b_simple`.
fn tradeoff_series(
    fit: &Tradeoff,
    reached: &[Reached],
    b_simple: Option<f64>,
    rows: f64,
) -> Vec<Series> {
    let b_crit = fit.critical_batch_size();
    let b_of = |r: &Reached| r.examples / r.steps;
    let steps: Vec<(f64, f64)> =
        reached.iter().map(|r| (b_of(r), r.steps)).collect();
    let examples: Vec<(f64, f64)> =
        reached.iter().map(|r| (b_of(r), r.examples)).collect();
    let bs = log_points(1.0, rows, 40);
    let curve = |f: fn(&Tradeoff, f64) -> f64| {
        bs.iter().map(|&b| (b, f(fit, b))).collect()
    };
    let all = steps.iter().chain(&examples).map(|p| p.1);
    let (lo, hi) =
        all.fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(v), h.max(v)));
    let vertical = |b: f64| vec![(b, lo), (b, hi)];
    let series = |label: &str, points: Vec<(f64, f64)>, mark, colour| Series {
        line: Line {
            label: label.to_string(),
            points,
        },
        mark,
        colour,
        ranges: Vec::new(),
    };
    let crit = format!("B_crit {b_crit:.0} (fit)");
    let mut drawn = vec![
        series("steps", steps, Mark::Dots, 0),
        series("", curve(Tradeoff::steps_at), Mark::Line, 0),
        series("examples", examples, Mark::Dots, 1),
        series("", curve(Tradeoff::examples_at), Mark::Line, 1),
        series(&crit, vertical(b_crit), Mark::Line, 2),
    ];
    if let Some(b) = b_simple {
        let label = format!("B_simple {b:.0}");
        drawn.push(series(&label, vertical(b), Mark::Line, 3));
    }
    drawn
}

/// The training loss per epoch of a batch size: its chosen constant rate,
/// a constant rate equal to where the chosen decaying rate starts, and the
/// chosen decaying rate.
pub fn floor(
    sweep: &Sweep,
    results: &Results,
    path: &Path,
) -> anyhow::Result<String> {
    let b = sweep.grid.batch_sizes[0];
    let runs = floor_runs(sweep, results, b)?;
    let per_epoch = sweep.steps_per_epoch(b);
    let mut columns = Vec::new();
    for (label, setting) in &runs {
        let c = curve(results, setting.batch_size, setting.lr, setting.decay)
            .ok_or_else(|| anyhow::anyhow!("no runs of {label}"))?;
        let losses: Vec<Spread> = (1..=sweep.budget.epochs)
            .filter_map(|e| Some(c.train_loss(c.at(e * per_epoch)?)))
            .collect();
        columns.push(losses);
    }
    let batch_size = batch(b, sweep.grid.rows);
    let lines: Vec<Line> = runs
        .iter()
        .zip(&columns)
        .map(|((label, _), losses)| {
            let means: Vec<f64> = losses.iter().map(|s| s.mean).collect();
            Line::per_epoch(label.clone(), &means)
        })
        .collect();
    // The legend goes below: the bouncing curve reaches every corner.
    let x = Axis {
        label: "epoch",
        scale: Scale::Linear,
    };
    let y = Axis {
        label: "training loss (log scale)",
        scale: Scale::Log,
    };
    let svg = charts::plot(
        &format!("Batch size {batch_size}: training loss per epoch"),
        x,
        y,
        &Series::lines(&lines),
        Legend::Below,
        plot::SIZE.0,
    );
    plot::save(path, svg)?;
    Ok(floor_table(
        &batch_size,
        &runs,
        &columns,
        sweep.budget.epochs,
    ))
}

/// The runs the floor chart compares for batch size `b`, each with its
/// label: the chosen constant rate, the constant rate at which the chosen
/// decaying rate starts (where it differs), and the chosen decaying rate.
fn floor_runs(
    sweep: &Sweep,
    results: &Results,
    b: usize,
) -> anyhow::Result<Vec<(String, Setting)>> {
    let pick = |decay: f64| -> anyhow::Result<&Choice> {
        results
            .findings
            .chosen(Compared::Epochs, decay)
            .into_iter()
            .find(|c| c.setting.batch_size == b)
            .ok_or_else(|| {
                anyhow::anyhow!("the sweep has no run of decay {decay:?}")
            })
    };
    let decay = *sweep.grid.decays.last().unwrap_or(&0.0);
    let (constant, decaying) = (pick(0.0)?, pick(decay)?);
    let mut runs = vec![(
        format!("constant {} (chosen)", superscript(constant.setting.lr)),
        constant.setting,
    )];
    if decaying.setting.lr != constant.setting.lr {
        let same_start = Setting {
            decay: 0.0,
            ..decaying.setting
        };
        let label = format!("constant {}", superscript(same_start.lr));
        runs.push((label, same_start));
    }
    let from = superscript(decaying.setting.lr);
    runs.push((
        format!("decay {decay} from {from} (chosen)"),
        decaying.setting,
    ));
    Ok(runs)
}

/// The floor chart's numbers: each run's training loss after each of
/// `epochs` epochs, its mean over the seeds and their range.
fn floor_table(
    batch_size: &str,
    runs: &[(String, Setting)],
    columns: &[Vec<Spread>],
    epochs: usize,
) -> String {
    let mut text = format!(
        "Training loss after each epoch, batch size {batch_size}, mean over the seeds:\n{:>5}",
        "epoch"
    );
    for (label, _) in runs {
        let _ = write!(text, "  {label:>28}");
    }
    text.push('\n');
    for e in 0..epochs {
        let _ = write!(text, "{:>5}", e + 1);
        for column in columns {
            let _ = write!(
                text,
                "  {:>28}",
                column.get(e).map_or("-".to_string(), |s| {
                    format!("{:.4} ({:.4}–{:.4})", s.mean, s.min, s.max)
                })
            );
        }
        text.push('\n');
    }
    text
}

/// The test error (1 − accuracy) of each batch size at its chosen settings,
/// under both comparisons, with the spread over the seeds.
pub fn test_error(
    sweep: &Sweep,
    results: &Results,
    path: &Path,
) -> anyhow::Result<String> {
    let rows = sweep.grid.rows;
    let mut series = Vec::new();
    let mut text = String::from(
        "Test error (1 − accuracy) at the chosen settings, mean (min–max):\n",
    );
    for (colour, compared) in sweep.budget.compared().into_iter().enumerate() {
        let label = match compared {
            Compared::Epochs => format!("after {} epochs", sweep.budget.epochs),
            Compared::Steps => {
                format!("after {} steps", sweep.budget.steps.unwrap_or(0))
            }
        };
        let _ = writeln!(text, "{label}:");
        let (mut points, mut ranges) = (Vec::new(), Vec::new());
        for choice in results.findings.chosen(compared, 0.0) {
            let (_, accuracy) = test_results(&results.chosen, sweep, choice);
            let error = |a: f64| 1.0 - a;
            let b = choice.setting.batch_size as f64;
            points.push((b, error(accuracy.mean)));
            ranges.push((error(accuracy.max), error(accuracy.min)));
            let _ = writeln!(
                text,
                "{:>5} {:.4} ({:.4}–{:.4})",
                batch(choice.setting.batch_size, rows),
                error(accuracy.mean),
                error(accuracy.max),
                error(accuracy.min)
            );
        }
        series.push(Series {
            line: Line { label, points },
            mark: Mark::DotsAndLine,
            colour,
            ranges,
        });
    }
    let svg = charts::plot(
        "Test error at each batch size's chosen learning rate",
        Axis {
            label: "batch size (log scale)",
            scale: Scale::Log,
        },
        Axis {
            label: "test error, 1 − accuracy",
            scale: Scale::Linear,
        },
        &series,
        Legend::Inside,
        plot::SIZE.0,
    );
    plot::save(path, svg)?;
    Ok(text)
}

/// Seconds per epoch against batch size, for both trainers.
pub fn time(times: &EpochTimes, path: &Path) -> anyhow::Result<()> {
    let line = |label: &str,
                colour: usize,
                f: fn(&(usize, f64, f64)) -> f64| Series {
        line: Line {
            label: label.to_string(),
            points: times.times.iter().map(|t| (t.0 as f64, f(t))).collect(),
        },
        mark: Mark::DotsAndLine,
        colour,
        ranges: Vec::new(),
    };
    let svg = charts::plot(
        "Seconds per epoch on this machine's processor",
        Axis {
            label: "batch size (log scale)",
            scale: Scale::Log,
        },
        Axis {
            label: "seconds per epoch (log scale)",
            scale: Scale::Log,
        },
        &[
            line("gradient_descent", 0, |t| t.1),
            line("engine", 1, |t| t.2),
        ],
        Legend::Below,
        plot::SIZE.0,
    );
    plot::save(path, svg)?;
    Ok(())
}
