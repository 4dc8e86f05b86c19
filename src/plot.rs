//! Charts for the book, drawn as SVG files with [plotters].
//!
//! Only plotters' SVG backend is used: it writes titles, ticks and legends as SVG text, so
//! drawing needs no system fonts or libraries, and the same data always gives the same
//! file byte for byte (the test `tests/charts.rs` relies on that).
//!
//! Every chart goes through one private path: it is drawn into a string by a closure that
//! receives the drawing area, then written to its file by [`write_svg`]. A new kind of
//! chart (a log-scaled axis, an image of weights) is one more public function that builds
//! its own coordinate system inside such a closure and reuses [`PlotError`], the palette and
//! the file handling.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use thiserror::Error;

/// The size of every chart, in pixels: wide enough for a book page, readable when scaled down.
pub const SIZE: (u32, u32) = (800, 480);

/// Line colours, one per run in order: the Okabe–Ito palette, which stays distinguishable
/// for the common forms of colour blindness.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// One labelled line of a chart: the loss after each epoch of one training run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run<'a> {
    /// What the legend calls this run, e.g. `batch size 4`.
    pub label: &'a str,
    /// The loss after epoch 1, 2, …, as in [`crate::Trained::loss_history`].
    pub losses: &'a [f64],
}

/// Why a chart could not be drawn or saved.
#[derive(Debug, Error)]
pub enum PlotError {
    /// There is nothing to draw.
    #[error("a chart needs at least one run, got none")]
    NoRuns,
    /// A run without a single value has no line to draw.
    #[error("the run {label:?} has no values: record at least one epoch")]
    EmptyRun { label: String },
    /// NaN or infinity cannot be placed on an axis.
    #[error("the run {label:?} has {value} at epoch {epoch}: only finite values can be drawn")]
    NonFinite {
        label: String,
        epoch: usize,
        value: f64,
    },
    /// A log axis has no place for 0 or a negative number.
    #[error(
        "the run {label:?} has {value} at epoch {epoch}: a log scale can only show values above 0"
    )]
    NotPositive {
        label: String,
        epoch: usize,
        value: f64,
    },
    /// plotters reported an error while drawing (its message is kept as text).
    #[error("plotters could not draw the chart: {0}")]
    Draw(String),
    /// The finished SVG could not be written.
    #[error("cannot write the chart to {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Turns any plotters error into a [`PlotError::Draw`].
fn draw_error(error: impl std::fmt::Display) -> PlotError {
    PlotError::Draw(error.to_string())
}

/// Draws one chart of [`SIZE`] into an SVG string with `draw`, then writes it to `path`.
fn write_svg(
    path: &Path,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), PlotError>,
) -> Result<(), PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        draw(&root)?;
        root.present().map_err(draw_error)?;
    }
    std::fs::write(path, svg).map_err(|source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Checks that every run has at least one value, only finite ones, and on a log scale only
/// positive ones.
fn check_runs(runs: &[Run<'_>], scale: Scale) -> Result<(), PlotError> {
    if runs.is_empty() {
        return Err(PlotError::NoRuns);
    }
    for run in runs {
        if run.losses.is_empty() {
            return Err(PlotError::EmptyRun {
                label: run.label.to_string(),
            });
        }
        if let Some(i) = run.losses.iter().position(|v| !v.is_finite()) {
            return Err(PlotError::NonFinite {
                label: run.label.to_string(),
                epoch: i + 1,
                value: run.losses[i],
            });
        }
        let not_positive = run.losses.iter().position(|&v| v <= 0.0);
        if let (Scale::Log, Some(i)) = (scale, not_positive) {
            return Err(PlotError::NotPositive {
                label: run.label.to_string(),
                epoch: i + 1,
                value: run.losses[i],
            });
        }
    }
    Ok(())
}

/// How the loss axis maps values to heights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Equal steps in value are equal steps in height; the axis starts at 0.
    Linear,
    /// Equal *ratios* are equal steps in height, so a loss falling from 50 to 5 and one
    /// falling from 0.05 to 0.005 look alike. Every value must be greater than 0.
    Log,
}

/// Draws the loss after each epoch of several runs as lines, with a legend, and saves the
/// chart as an SVG file at `path` (its folder must exist).
///
/// The x axis counts epochs from 1 to the longest run. With [`Scale::Linear`] the y axis
/// goes from 0 to a little above the largest loss; with [`Scale::Log`] it spans the
/// smallest to the largest loss with a little room on both sides.
///
/// # Errors
///
/// [`PlotError::NoRuns`], [`PlotError::EmptyRun`], [`PlotError::NonFinite`] or (on a log
/// scale) [`PlotError::NotPositive`] for data that cannot be drawn, [`PlotError::Draw`] if
/// plotters fails, and [`PlotError::Write`] if the file cannot be written.
pub fn loss_per_epoch(
    path: &Path,
    title: &str,
    scale: Scale,
    runs: &[Run<'_>],
) -> Result<(), PlotError> {
    check_runs(runs, scale)?;
    let epochs = runs
        .iter()
        .map(|r| r.losses.len())
        .max()
        .unwrap_or(1)
        .max(2);
    let values = || runs.iter().flat_map(|r| r.losses.iter().copied());
    let highest = values().fold(f64::MIN, f64::max);
    let lowest = values().fold(f64::MAX, f64::min);
    write_svg(path, |root| {
        let mut builder = ChartBuilder::on(root);
        builder
            .caption(title, ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72);
        match scale {
            Scale::Linear => {
                let top = if highest > 0.0 { highest * 1.05 } else { 1.0 };
                draw_lines(&mut builder, 1..epochs, 0.0..top, "loss", runs)
            }
            Scale::Log => {
                let range = (lowest / 1.5..highest * 1.5).log_scale();
                draw_lines(&mut builder, 1..epochs, range, "loss (log scale)", runs)
            }
        }
    })
}

/// Draws the mesh, one line per run and the legend, on whatever y coordinate `y` is
/// (a linear range, a log range), with `y_desc` as the y axis' name.
fn draw_lines<Y>(
    builder: &mut ChartBuilder<'_, '_, SVGBackend<'_>>,
    x: std::ops::Range<usize>,
    y: Y,
    y_desc: &str,
    runs: &[Run<'_>],
) -> Result<(), PlotError>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = builder.build_cartesian_2d(x, y).map_err(draw_error)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_desc)
        .axis_desc_style(("sans-serif", 18))
        .label_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(draw_error)?;
    for (i, run) in runs.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let points = run.losses.iter().enumerate().map(|(e, &l)| (e + 1, l));
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(3)))
            .map_err(draw_error)?
            .label(run.label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(draw_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(runs: &[Run<'_>]) -> Result<(), PlotError> {
        loss_per_epoch(
            Path::new("/nonexistent/never-written.svg"),
            "t",
            Scale::Log,
            runs,
        )
    }

    #[test]
    fn bad_data_is_a_typed_error_before_anything_is_drawn() {
        assert!(matches!(draw(&[]), Err(PlotError::NoRuns)));
        let empty = Run {
            label: "empty",
            losses: &[],
        };
        assert!(matches!(draw(&[empty]), Err(PlotError::EmptyRun { .. })));
        let nan = Run {
            label: "nan",
            losses: &[1.0, f64::NAN],
        };
        match draw(&[nan]) {
            Err(PlotError::NonFinite { label, epoch, .. }) => {
                assert_eq!((label.as_str(), epoch), ("nan", 2));
            }
            other => panic!("expected NonFinite, got {other:?}"),
        }
        let zero = Run {
            label: "zero",
            losses: &[1.0, 0.0],
        };
        assert!(matches!(draw(&[zero]), Err(PlotError::NotPositive { .. })));
    }

    #[test]
    fn a_missing_folder_is_a_write_error_naming_the_path() {
        let run = Run {
            label: "one",
            losses: &[3.0, 2.0, 1.0],
        };
        let error = draw(&[run]).unwrap_err();
        assert!(matches!(error, PlotError::Write { .. }));
        assert!(error.to_string().contains("never-written.svg"));
    }
}
