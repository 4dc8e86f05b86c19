//! The book's charts, drawn as SVG text with [plotters] (feature `charts`).
//!
//! Only plotters' SVG backend is used: it writes titles, ticks and legends as SVG text, so
//! drawing needs no system fonts or libraries, and the same data always gives the same
//! SVG byte for byte (the test `tests/charts.rs` relies on that). This module only draws;
//! the programs save the drawings as files (`programs::plot`), and the book's playground,
//! compiled to WebAssembly, puts them into the page, so both look alike.
//!
//! Two kinds of chart cover the book: [`lines`] (several labelled curves, each axis linear
//! or logarithmic; [`loss_per_epoch`] is its most common use) and [`pictures`] (small
//! images side by side, such as digits and the weights a model learned). Both check their
//! data first, so bad data is an error before anything is drawn.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, LogCoord, WithKeyPoints};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use thiserror::Error;

/// The size of every line chart, in pixels: as wide as a book page. A phone
/// 400 pixels wide shows it about 360 pixels wide, at 0.56 times this size,
/// so its text is drawn large enough to stay readable there (see `FONT`).
pub const SIZE: (u32, u32) = (640, 440);

/// The font sizes of a line chart, in pixels at [`SIZE`]: title, axis names,
/// tick labels and legend. Shrunk to 360 pixels wide they are 13 to 15 pixels
/// high, the size of a phone's small print.
const FONT: Fonts = Fonts {
    title: 26,
    axis: 24,
    ticks: 24,
    legend: 23,
};

/// See [`FONT`].
#[derive(Clone, Copy)]
struct Fonts {
    title: u32,
    axis: u32,
    ticks: u32,
    legend: u32,
}

impl Fonts {
    /// The sizes for a chart drawn `width` pixels wide and shown at that
    /// size: [`FONT`] scaled with the width, but to no less than three
    /// quarters of it, so that a chart drawn for a phone keeps its text
    /// larger than a shrunk one would.
    fn for_width(width: u32) -> Self {
        let k = (f64::from(width) / f64::from(SIZE.0)).clamp(0.75, 1.0);
        let at = |size: u32| (f64::from(size) * k).round() as u32;
        Self {
            title: at(FONT.title),
            axis: at(FONT.axis),
            ticks: at(FONT.ticks),
            legend: at(FONT.legend),
        }
    }

    /// `pixels` at [`SIZE`], scaled as these fonts are.
    fn scale(self, pixels: u32) -> u32 {
        (f64::from(pixels) * f64::from(self.axis) / f64::from(FONT.axis))
            .round() as u32
    }
}

/// Line colours, one per curve in order: the Okabe–Ito palette, which stays
/// distinguishable for the common forms of colour blindness.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// One labelled curve: points `(x, y)` joined in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// What the legend calls this curve, e.g. `batch size 4`.
    pub label: String,
    /// The points, in the order they are joined.
    pub points: Vec<(f64, f64)>,
}

impl Line {
    /// The loss after each epoch as a curve over epochs 1, 2, …
    pub fn per_epoch(label: impl Into<String>, losses: &[f64]) -> Self {
        let points = losses
            .iter()
            .enumerate()
            .map(|(i, &l)| ((i + 1) as f64, l))
            .collect();
        Self {
            label: label.into(),
            points,
        }
    }
}

/// How a [`Series`] is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A line through the points.
    Line,
    /// A dot at each point, no line.
    Dots,
    /// A dot at each point and a line through them.
    DotsAndLine,
}

/// A labelled set of points for [`plot`], drawn as `mark` in the colour
/// `colour` of the palette (so that several series can share one).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The points and the legend's name; an empty name leaves the series
    /// out of the legend.
    pub line: Line,
    /// Line, dots, or both.
    pub mark: Mark,
    /// The index of the colour in the palette.
    pub colour: usize,
    /// For each point, a range of y drawn as a vertical bar through it (the
    /// spread over seeds, say); empty for none.
    pub ranges: Vec<(f64, f64)>,
}

impl Series {
    /// Each of `curves` drawn as a line, in the palette's colours in order.
    pub fn lines(curves: &[Line]) -> Vec<Series> {
        let line = |(colour, line): (usize, &Line)| Series {
            line: line.clone(),
            mark: Mark::Line,
            colour,
            ranges: Vec::new(),
        };
        curves.iter().enumerate().map(line).collect()
    }
}

/// How an axis maps values to positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Equal steps in value are equal steps on the axis; a y axis starts at 0.
    Linear,
    /// Equal *ratios* are equal steps, so a loss falling from 50 to 5 and one falling
    /// from 0.05 to 0.005 look alike. Every value must be greater than 0.
    Log,
}

/// An axis: its name and its scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Axis<'a> {
    /// The name written along the axis.
    pub label: &'a str,
    /// Linear or logarithmic.
    pub scale: Scale,
}

/// How a picture's values become colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shading {
    /// Ink on paper: the smallest value white, the largest black (an MNIST digit).
    Ink,
    /// Negative values blue, zero white, positive values red, with the same intensity for
    /// the same magnitude (weights, whose sign is what matters).
    Diverging,
}

/// A small image for [`pictures`]: `rows × cols` values, row-major, with a caption.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    /// The caption above the image.
    pub label: String,
    /// Rows of pixels.
    pub rows: usize,
    /// Columns of pixels.
    pub cols: usize,
    /// One value per pixel, row by row.
    pub values: Vec<f64>,
    /// How values become colours.
    pub shading: Shading,
}

/// Why a chart could not be drawn.
#[derive(Debug, Error)]
pub enum ChartError {
    /// There is nothing to draw.
    #[error("a chart needs at least one curve or picture, got none")]
    Nothing,
    /// A curve without points, or a picture without pixels.
    #[error("{label:?} has no values to draw")]
    Empty { label: String },
    /// NaN or infinity cannot be placed on an axis.
    #[error(
        "{label:?} has {value} at point {index}: only finite values can be drawn"
    )]
    NonFinite {
        label: String,
        index: usize,
        value: f64,
    },
    /// A log axis has no place for 0 or a negative number.
    #[error(
        "{label:?} has {value} at point {index}: a log scale can only show values above 0"
    )]
    NotPositive {
        label: String,
        index: usize,
        value: f64,
    },
    /// A picture whose number of values is not rows × columns.
    #[error("the picture {label:?} has {values} values, but {rows}×{cols} pixels need {}", rows * cols)]
    PictureShape {
        label: String,
        rows: usize,
        cols: usize,
        values: usize,
    },
    /// plotters reported an error while drawing (its message is kept as text).
    #[error("plotters could not draw the chart: {0}")]
    Draw(String),
}

/// Turns any plotters error into a [`ChartError::Draw`].
fn draw_error(error: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(error.to_string())
}

/// Draws one chart of `size` on a white background with `draw`, as SVG text.
fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        draw(&root)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// Checks that `values` of the curve or picture `label` can be drawn on `scale`.
fn check_values(
    label: &str,
    values: impl Iterator<Item = f64>,
    scale: Scale,
) -> Result<(), ChartError> {
    let mut count = 0;
    for (index, value) in values.enumerate() {
        count += 1;
        let label = label.to_string();
        if !value.is_finite() {
            return Err(ChartError::NonFinite {
                label,
                index,
                value,
            });
        }
        if scale == Scale::Log && value <= 0.0 {
            return Err(ChartError::NotPositive {
                label,
                index,
                value,
            });
        }
    }
    if count == 0 {
        return Err(ChartError::Empty {
            label: label.to_string(),
        });
    }
    Ok(())
}

/// The smallest and largest of `values` (which are not empty).
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// The span an axis shows for data from `lo` to `hi`: on a linear y axis from 0 (or the
/// data's start on x), with a little room; on a log axis, half a step of ×1.5 beyond both ends.
fn span(lo: f64, hi: f64, scale: Scale, from_zero: bool) -> Range<f64> {
    match scale {
        Scale::Log => lo / 1.5..hi * 1.5,
        Scale::Linear => {
            let start = if from_zero { lo.min(0.0) } else { lo };
            let end = if hi > start {
                hi + 0.05 * (hi - start)
            } else {
                start + 1.0
            };
            start..end
        }
    }
}

/// Where a line chart puts its legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legend {
    /// In the corner of the plot that hides the least of the curves.
    Inside,
    /// In rows under the plot, where it hides nothing: for charts whose curves
    /// may fill every corner, such as the playground's, drawn from whatever the
    /// reader chose.
    Below,
}

/// Draws labelled curves with a legend, as an SVG of [`SIZE`].
///
/// # Errors
///
/// [`ChartError::Nothing`], [`ChartError::Empty`], [`ChartError::NonFinite`] or (on a log
/// axis) [`ChartError::NotPositive`] for data that cannot be drawn, and
/// [`ChartError::Draw`] if plotters fails.
pub fn lines(
    title: &str,
    x: Axis<'_>,
    y: Axis<'_>,
    curves: &[Line],
) -> Result<String, ChartError> {
    plot(title, x, y, &Series::lines(curves), Legend::Inside, SIZE.0)
}

/// The height of one row of a legend drawn [`Legend::Below`] the plot, at
/// [`SIZE`].
const LEGEND_ROW: u32 = 36;
/// The narrowest chart that still holds its axes' labels.
const MIN_WIDTH: u32 = 320;
/// Room for one x tick label, in pixels at [`SIZE`].
const X_LABEL_ROOM: u32 = 64;

/// Draws labelled series of points, each as a line, as dots or as both,
/// with the ranges of y they carry, `width` pixels wide (at least 320) and
/// [`SIZE`]'s height, with the legend where `legend` says. A narrow chart,
/// drawn for a phone, keeps the text at its size and labels fewer ticks; a
/// legend below the plot adds a row of `LEGEND_ROW` pixels for every two
/// series (every series on a chart narrower than 560 pixels).
///
/// # Errors
///
/// As for [`lines`]; the ranges are checked like the points.
pub fn plot(
    title: &str,
    x: Axis<'_>,
    y: Axis<'_>,
    series: &[Series],
    legend: Legend,
    width: u32,
) -> Result<String, ChartError> {
    check_series(series, x.scale, y.scale)?;
    let (xs, ys) = spans(series, x.scale, y.scale);
    let curves: Vec<&Line> = series.iter().map(|s| &s.line).collect();
    let (size, columns) = layout(width, legend, series.len());
    let fonts = Fonts::for_width(size.0);
    let plot = Plot {
        names: (x.label, y.label),
        series,
        ticks: (((size.0 - 80) / fonts.scale(X_LABEL_ROOM)) as usize)
            .min(MAX_LABELS),
        fonts,
        corner: match legend {
            Legend::Inside => {
                Some(quietest_corner(&curves, (&xs, x.scale), (&ys, y.scale)))
            }
            Legend::Below => None,
        },
    };
    svg(size, |root| {
        let (area, under) = root.split_vertically(SIZE.1);
        let mut builder = ChartBuilder::on(&area);
        builder
            .caption(title, ("sans-serif", fonts.title))
            .margin(fonts.scale(16))
            .x_label_area_size(fonts.scale(66))
            .y_label_area_size(fonts.scale(92));
        match x.scale {
            Scale::Linear => plot.on_y(&mut builder, xs, (ys, y.scale)),
            Scale::Log => plot.on_y(&mut builder, log_axis(xs), (ys, y.scale)),
        }?;
        if legend == Legend::Below {
            let row = fonts.scale(LEGEND_ROW);
            legend_rows(&under, series, columns, (row, fonts.legend))?;
        }
        Ok(())
    })
}

/// Checks that there is a series to draw and that every point and range
/// can be drawn on the axes' scales.
fn check_series(
    series: &[Series],
    x: Scale,
    y: Scale,
) -> Result<(), ChartError> {
    if series.is_empty() {
        return Err(ChartError::Nothing);
    }
    for s in series {
        let (label, points) = (&s.line.label, &s.line.points);
        check_values(label, points.iter().map(|p| p.0), x)?;
        check_values(label, points.iter().map(|p| p.1), y)?;
        let ends = s.ranges.iter().flat_map(|r| [r.0, r.1]);
        if !s.ranges.is_empty() {
            check_values(label, ends, y)?;
        }
    }
    Ok(())
}

/// The spans the x and the y axis show for every point of `series` and
/// every end of its ranges.
fn spans(series: &[Series], x: Scale, y: Scale) -> (Range<f64>, Range<f64>) {
    let all = || series.iter().flat_map(|s| s.line.points.iter());
    let (x_lo, x_hi) = extent(all().map(|p| p.0));
    let ends = series
        .iter()
        .flat_map(|s| s.ranges.iter().flat_map(|r| [r.0, r.1]));
    let (y_lo, y_hi) = extent(all().map(|p| p.1).chain(ends));
    (span(x_lo, x_hi, x, false), span(y_lo, y_hi, y, true))
}

/// The size of a line chart at least `width` pixels wide with `curves`
/// curves, and the number of columns of a legend below the plot: two on a
/// chart of 560 pixels or more, one on a narrower one.
fn layout(width: u32, legend: Legend, curves: usize) -> ((u32, u32), usize) {
    let width = width.max(MIN_WIDTH);
    let columns = if width >= 560 { 2 } else { 1 };
    let rows = match legend {
        Legend::Inside => 0,
        Legend::Below => curves.div_ceil(columns) as u32,
    };
    let row = Fonts::for_width(width).scale(LEGEND_ROW);
    let height = SIZE.1 + rows * row + rows.min(1) * 8;
    ((width, height), columns)
}

/// The legend as rows of `columns` entries, a line of each curve's colour before its
/// label, filling `area` from the left under the plot, in rows `row` pixels high with
/// labels `font` pixels high.
fn legend_rows(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    series: &[Series],
    columns: usize,
    (row, font): (u32, u32),
) -> Result<(), ChartError> {
    let (left_edge, width) =
        (if columns > 1 { 96 } else { 16 }, area.dim_in_pixel().0);
    let column = (width as i32 - left_edge) / columns as i32;
    for (i, s) in series.iter().enumerate() {
        let colour = PALETTE[s.colour % PALETTE.len()];
        let left = left_edge + column * (i % columns) as i32;
        let middle = (row * (i / columns) as u32 + row / 2) as i32;
        area.draw(&PathElement::new(
            vec![(left, middle), (left + 24, middle)],
            colour.stroke_width(3),
        ))
        .map_err(draw_error)?;
        let style = ("sans-serif", font)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(
            s.line.label.as_str(),
            (left + 32, middle),
            style,
        ))
        .map_err(draw_error)?;
    }
    Ok(())
}

/// The loss after each epoch of several runs, as [`lines`] over epochs 1, 2, … with the
/// loss axis on `scale`.
pub fn loss_per_epoch(
    title: &str,
    scale: Scale,
    curves: &[Line],
) -> Result<String, ChartError> {
    let x = Axis {
        label: "epoch",
        scale: Scale::Linear,
    };
    let y = Axis {
        label: if scale == Scale::Log {
            "loss (log scale)"
        } else {
            "loss"
        },
        scale,
    };
    lines(title, x, y, curves)
}

/// At most this many tick labels on an axis: few enough that labels of
/// [`FONT`]'s size never run together.
const MAX_LABELS: usize = 6;

/// What a line chart shows, whatever its axes' scales: the axes' names, the
/// series, the most x ticks to label, the fonts, and the corner of the
/// legend if it is drawn inside the plot.
struct Plot<'a> {
    names: (&'a str, &'a str),
    series: &'a [Series],
    ticks: usize,
    fonts: Fonts,
    corner: Option<SeriesLabelPosition>,
}

impl Plot<'_> {
    /// Draws on the x coordinates `x` (a linear or a log range) and the y
    /// span `ys` on its scale.
    fn on_y<X>(
        &self,
        builder: &mut ChartBuilder<'_, '_, SVGBackend<'_>>,
        x: X,
        (ys, scale): (Range<f64>, Scale),
    ) -> Result<(), ChartError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
    {
        match scale {
            Scale::Linear => self.draw(builder, x, ys),
            Scale::Log => self.draw(builder, x, log_axis(ys)),
        }
    }

    /// Draws the mesh and one line per curve on whatever coordinates `x` and
    /// `y` are (linear or log ranges), and the legend in its corner if it
    /// has one.
    fn draw<X, Y>(
        &self,
        builder: &mut ChartBuilder<'_, '_, SVGBackend<'_>>,
        x: X,
        y: Y,
    ) -> Result<(), ChartError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut chart = builder.build_cartesian_2d(x, y).map_err(draw_error)?;
        chart
            .configure_mesh()
            .x_labels(self.x_labels())
            .y_labels(MAX_LABELS)
            .x_desc(self.names.0)
            .y_desc(self.names.1)
            .x_label_formatter(&|v| short_number(*v))
            .y_label_formatter(&|v| short_number(*v))
            .axis_desc_style(("sans-serif", self.fonts.axis))
            .label_style(("sans-serif", self.fonts.ticks))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(draw_error)?;
        for s in self.series {
            self.draw_series(&mut chart, s)?;
        }
        let Some(corner) = self.corner.clone() else {
            return Ok(());
        };
        chart
            .configure_series_labels()
            .position(corner)
            .label_font(("sans-serif", self.fonts.legend))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(draw_error)
    }

    /// Draws one series: its ranges, its line or dots, and its entry in the
    /// legend if it has a label and the chart a legend.
    fn draw_series<X, Y>(
        &self,
        chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
        s: &Series,
    ) -> Result<(), ChartError>
    where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        let colour = PALETTE[s.colour % PALETTE.len()];
        let points = || s.line.points.iter().copied();
        for (&(px, _), &(lo, hi)) in s.line.points.iter().zip(&s.ranges) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(px, lo), (px, hi)],
                    colour.stroke_width(2),
                )))
                .map_err(draw_error)?;
        }
        let line = || LineSeries::new(points(), colour.stroke_width(3));
        let dots = || points().map(|p| Circle::new(p, 5, colour.filled()));
        if s.mark == Mark::DotsAndLine {
            chart.draw_series(line()).map_err(draw_error)?;
        }
        let drawn = match s.mark {
            Mark::Line => chart.draw_series(line()).map_err(draw_error)?,
            Mark::Dots | Mark::DotsAndLine => {
                chart.draw_series(dots()).map_err(draw_error)?
            }
        };
        if self.corner.is_none() || s.line.label.is_empty() {
            return Ok(());
        }
        let labelled = drawn.label(s.line.label.as_str());
        match s.mark {
            Mark::Line | Mark::DotsAndLine => labelled.legend(move |(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + 24, y)],
                    colour.stroke_width(3),
                )
            }),
            Mark::Dots => labelled.legend(move |(x, y)| {
                Circle::new((x + 12, y), 5, colour.filled())
            }),
        };
        Ok(())
    }

    /// How many tick labels the x axis gets: never more than there are x
    /// values, so that five epochs are labelled 1 to 5, not 1, 1.5, 2, …
    fn x_labels(&self) -> usize {
        let mut xs: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.line.points.iter().map(|p| p.0))
            .collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        xs.len().min(self.ticks)
    }
}

/// The corner of the plot where the legend hides the least of the curves: the one whose
/// box (40 % of the width, 35 % of the height) the fewest points of the curves, and of
/// the straight segments between them, fall into. Ties go to the upper right.
fn quietest_corner(
    curves: &[&Line],
    x: (&Range<f64>, Scale),
    y: (&Range<f64>, Scale),
) -> SeriesLabelPosition {
    // Where `v` lies along an axis showing `range` on `scale`, from 0 to 1.
    let place = |v: f64, (range, scale): (&Range<f64>, Scale)| match scale {
        Scale::Linear => (v - range.start) / (range.end - range.start),
        Scale::Log => (v / range.start).ln() / (range.end / range.start).ln(),
    };
    let mut samples = Vec::new();
    for curve in curves {
        let placed: Vec<(f64, f64)> = curve
            .points
            .iter()
            .map(|&(a, b)| (place(a, x), place(b, y)))
            .collect();
        samples.extend(placed.iter().copied());
        for pair in placed.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            samples.extend((1..8).map(|k| {
                let t = f64::from(k) / 8.0;
                (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
            }));
        }
    }
    let corners = [
        (SeriesLabelPosition::UpperRight, true, true),
        (SeriesLabelPosition::UpperLeft, false, true),
        (SeriesLabelPosition::LowerRight, true, false),
        (SeriesLabelPosition::LowerLeft, false, false),
    ];
    let covered = |&(_, right, upper): &(SeriesLabelPosition, bool, bool)| {
        samples
            .iter()
            .filter(|&&(px, py)| {
                (if right { px > 0.6 } else { px < 0.4 })
                    && (if upper { py > 0.65 } else { py < 0.35 })
            })
            .count()
    };
    corners
        .into_iter()
        .enumerate()
        .min_by_key(|(order, corner)| (covered(corner), *order))
        .map_or(SeriesLabelPosition::UpperRight, |(_, (position, _, _))| {
            position
        })
}

/// A log axis over `range` with ticks at [`log_ticks`] only, so that no two
/// labels run together (plotters' own choice labels 0.03, 0.04, … 0.09 side
/// by side).
fn log_axis(range: Range<f64>) -> WithKeyPoints<LogCoord<f64>> {
    let ticks = log_ticks(&range);
    range.log_scale().with_key_points(ticks)
}

/// The ticks of a log axis over `range`: each power of ten, and where the
/// axis spans less than two of them, also 2 and 5 times each. Where that
/// leaves fewer than two ticks (a range within one step of that ladder),
/// evenly spaced round values, at most [`MAX_LABELS`] of them.
fn log_ticks(range: &Range<f64>) -> Vec<f64> {
    let decades = (range.end / range.start).log10();
    let mantissas: &[f64] = if decades < 2.0 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let (first, last) = (
        range.start.log10().floor() as i32,
        range.end.log10().ceil() as i32,
    );
    let ticks: Vec<f64> = (first..=last)
        .flat_map(|k| mantissas.iter().map(move |&m| times_ten_to(m, k)))
        .filter(|v| range.contains(v))
        .collect();
    if ticks.len() >= 2 {
        return ticks;
    }
    // Multiples of 10^e (then 2·10^e, 4·10^e, …), with 10^e the largest
    // power of ten below the range's width.
    let e = (range.end - range.start).log10().floor() as i32;
    let mut step = 1.0;
    loop {
        let first = (range.start / times_ten_to(step, e)).ceil() as i64;
        let multiples: Vec<f64> = (first..)
            .map(|j| times_ten_to(j as f64 * step, e))
            .take_while(|v| *v <= range.end)
            .collect();
        if multiples.len() <= MAX_LABELS {
            return multiples;
        }
        step *= 2.0;
    }
}

/// `m · 10^k`, computed so that `times_ten_to(3.0, -2)` is the `f64` nearest
/// 0.03, as the literal is: a division by the exact power 10² rounds once.
fn times_ten_to(m: f64, k: i32) -> f64 {
    if k >= 0 {
        m * 10f64.powi(k)
    } else {
        m / 10f64.powi(-k)
    }
}

/// A tick label: whole numbers without a decimal point, others with as few digits as
/// show them (`0.001`, `2.5`), very small or large ones in exponent form (`1e-5`, `1e218`).
fn short_number(v: f64) -> String {
    if v.abs() >= 1e5 && v == 10f64.powf(v.log10().round()) {
        format!("{v:.0e}")
    } else if v == v.round() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else if v.abs() >= 1e-3 && v.abs() < 1e6 {
        let text = format!("{v:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.0e}")
    }
}

/// A table of numbers drawn as coloured cells, for [`heatmap`]: the loss of
/// every learning rate (columns) at every batch size (rows), say.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap<'a> {
    /// The title above the cells.
    pub title: &'a str,
    /// The name of the columns' axis, below them.
    pub x_label: &'a str,
    /// The name of the rows' axis, left of them.
    pub y_label: &'a str,
    /// The name of the values, above the colour bar.
    pub value_label: &'a str,
    /// The label of each column, left to right; an empty one is not written.
    pub columns: Vec<String>,
    /// The label of each row, bottom to top.
    pub rows: Vec<String>,
    /// `values[row][column]`; a value that is not finite is drawn grey.
    pub values: Vec<Vec<f64>>,
    /// For each row, the column whose cell gets a ring.
    pub marked: Vec<Option<usize>>,
    /// The values given the brightest and the darkest colour, on a log
    /// scale; values beyond them get the colour of the nearer end.
    pub range: (f64, f64),
}

/// The size of a heatmap, in pixels.
pub const HEATMAP_SIZE: (u32, u32) = (640, 520);

/// Colours from bright (0) to dark (1): viridis, reversed, so that the low
/// losses stand out.
fn shade(t: f64) -> RGBColor {
    const STOPS: [(f64, (u8, u8, u8)); 5] = [
        (0.0, (253, 231, 37)),
        (0.25, (94, 201, 98)),
        (0.5, (33, 145, 140)),
        (0.75, (59, 82, 139)),
        (1.0, (68, 1, 84)),
    ];
    let t = t.clamp(0.0, 1.0);
    let i = STOPS.iter().rposition(|s| s.0 <= t).unwrap_or(0).min(3);
    let ((t0, a), (t1, b)) = (STOPS[i], STOPS[i + 1]);
    let f = (t - t0) / (t1 - t0);
    let mix = |a: u8, b: u8| {
        (f64::from(a) + f * (f64::from(b) - f64::from(a))).round() as u8
    };
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Draws a [`Heatmap`] with a colour bar, as an SVG of [`HEATMAP_SIZE`].
///
/// # Errors
///
/// [`ChartError::Nothing`] without cells, [`ChartError::PictureShape`] when
/// the values, labels and marks do not make one table, and
/// [`ChartError::NotPositive`] for a range that is not positive and
/// increasing.
pub fn heatmap(map: &Heatmap<'_>) -> Result<String, ChartError> {
    check_heatmap(map)?;
    svg(HEATMAP_SIZE, |root| {
        let root = root
            .titled(map.title, ("sans-serif", 21))
            .map_err(draw_error)?;
        let drawing = HeatmapDrawing {
            root: &root,
            map,
            cells: Cells::of(&root, map),
        };
        drawing.cells()?;
        drawing.labels()?;
        drawing.colour_bar()
    })
}

/// Checks that `map` has cells, a value for each, marks inside its rows
/// and a range of positive values.
fn check_heatmap(map: &Heatmap<'_>) -> Result<(), ChartError> {
    let (rows, cols) = (map.rows.len(), map.columns.len());
    if rows == 0 || cols == 0 {
        return Err(ChartError::Nothing);
    }
    if map.values.len() != rows
        || map.values.iter().any(|r| r.len() != cols)
        || map.marked.len() != rows
        || map.marked.iter().flatten().any(|&c| c >= cols)
    {
        return Err(ChartError::PictureShape {
            label: map.title.to_string(),
            rows,
            cols,
            values: map.values.iter().map(Vec::len).sum(),
        });
    }
    let (lo, hi) = map.range;
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        let label = map.value_label.to_string();
        return Err(ChartError::NotPositive {
            label,
            index: 0,
            value: lo,
        });
    }
    Ok(())
}

/// Where a heatmap's cells lie, in pixels: the left edge `x0`, the top of
/// the first row `top` and the bottom of the last `y_end`, and each cell's
/// size.
struct Cells {
    x0: i32,
    top: i32,
    y_end: i32,
    cell_w: i32,
    cell_h: i32,
    cols: usize,
}

impl Cells {
    /// The cells of `map` on `area`, with room for the labels on the left
    /// and below and for the colour bar on the right.
    fn of(
        area: &DrawingArea<SVGBackend<'_>, Shift>,
        map: &Heatmap<'_>,
    ) -> Cells {
        let (rows, cols) = (map.rows.len(), map.columns.len());
        let (width, height) = area.dim_in_pixel();
        let (left, right, top, bottom) = (104, 124, 8, 84);
        let cell_w = (width as i32 - left - right) / cols as i32;
        let cell_h = (height as i32 - top - bottom) / rows as i32;
        let y_end = top + cell_h * rows as i32;
        Cells {
            x0: left,
            top,
            y_end,
            cell_w,
            cell_h,
            cols,
        }
    }
}

impl Heatmap<'_> {
    /// Where on the colour scale `v` lies, from 0 (`range.0`) to 1
    /// (`range.1`), on a log scale.
    fn place(&self, v: f64) -> f64 {
        let (lo, hi) = self.range;
        (v / lo).ln() / (hi / lo).ln()
    }
}

/// Text of `size` pixels, anchored at `(h, v)`.
fn anchored(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font()).pos(Pos::new(h, v))
}

/// A heatmap being drawn: the area, the map, and where its cells lie.
struct HeatmapDrawing<'a, 'b, 'm> {
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    map: &'a Heatmap<'m>,
    cells: Cells,
}

impl HeatmapDrawing<'_, '_, '_> {
    /// Each cell in its value's shade (grey for a value that is not finite),
    /// the marked cell of each row ringed, and each row's label on its left.
    fn cells(&self) -> Result<(), ChartError> {
        let (root, map) = (self.root, self.map);
        let Cells {
            x0,
            y_end,
            cell_w,
            cell_h,
            ..
        } = self.cells;
        for (r, row) in map.values.iter().enumerate() {
            let y = y_end - (r as i32 + 1) * cell_h;
            for (c, &v) in row.iter().enumerate() {
                let x = x0 + c as i32 * cell_w;
                let colour = if v.is_finite() {
                    shade(map.place(v))
                } else {
                    RGBColor(200, 200, 200)
                };
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell_w, y + cell_h)],
                    colour.filled(),
                ))
                .map_err(draw_error)?;
            }
            if let Some(c) = map.marked[r] {
                let centre =
                    (x0 + c as i32 * cell_w + cell_w / 2, y + cell_h / 2);
                let radius = (cell_w.min(cell_h) / 2 - 3).max(3);
                root.draw(&Circle::new(centre, radius, BLACK.stroke_width(3)))
                    .map_err(draw_error)?;
            }
            root.draw(&Text::new(
                map.rows[r].clone(),
                (x0 - 8, y + cell_h / 2),
                anchored(22, HPos::Right, VPos::Center),
            ))
            .map_err(draw_error)?;
        }
        Ok(())
    }

    /// The columns' labels below the cells, and the names of both axes.
    fn labels(&self) -> Result<(), ChartError> {
        let (root, map) = (self.root, self.map);
        let at = &self.cells;
        for (c, label) in map.columns.iter().enumerate() {
            if label.is_empty() {
                continue;
            }
            let x = at.x0 + c as i32 * at.cell_w + at.cell_w / 2;
            root.draw(&Text::new(
                label.clone(),
                (x, at.y_end + 8),
                anchored(22, HPos::Center, VPos::Top),
            ))
            .map_err(draw_error)?;
        }
        let x_mid = at.x0 + at.cell_w * at.cols as i32 / 2;
        root.draw(&Text::new(
            map.x_label.to_string(),
            (x_mid, at.y_end + 50),
            anchored(23, HPos::Center, VPos::Top),
        ))
        .map_err(draw_error)?;
        let rotated = ("sans-serif", 23)
            .into_font()
            .transform(FontTransform::Rotate270);
        let style =
            TextStyle::from(rotated).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(
            map.y_label.to_string(),
            (4, (at.top + at.y_end) / 2),
            style,
        ))
        .map_err(draw_error)?;
        Ok(())
    }

    /// The colour bar right of the cells, bright at the bottom (low values) and
    /// dark at the top, with round values beside it and the values' name below.
    fn colour_bar(&self) -> Result<(), ChartError> {
        let (root, map) = (self.root, self.map);
        let at = &self.cells;
        let bar_x = at.x0 + at.cell_w * at.cols as i32 + 24;
        let span = f64::from(at.y_end - at.top);
        let steps = 64;
        for i in 0..steps {
            let (t0, t1) = (
                f64::from(i) / f64::from(steps),
                f64::from(i + 1) / f64::from(steps),
            );
            let (ya, yb) =
                (at.y_end - (t1 * span) as i32, at.y_end - (t0 * span) as i32);
            root.draw(&Rectangle::new(
                [(bar_x, ya), (bar_x + 20, yb)],
                shade((t0 + t1) / 2.0).filled(),
            ))
            .map_err(draw_error)?;
        }
        let (lo, hi) = map.range;
        for tick in nice_ticks(lo, hi) {
            let y = at.y_end - (map.place(tick) * span) as i32;
            root.draw(&Text::new(
                short_number(tick),
                (bar_x + 26, y),
                anchored(21, HPos::Left, VPos::Center),
            ))
            .map_err(draw_error)?;
        }
        root.draw(&Text::new(
            map.value_label.to_string(),
            (bar_x + 10, at.y_end + 8),
            anchored(21, HPos::Center, VPos::Top),
        ))
        .map_err(draw_error)?;
        Ok(())
    }
}

/// Round values (1, 2 and 5 times powers of ten) from `lo` to `hi`, at
/// most five of them.
fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut power = 10f64.powf(lo.log10().floor());
    while power <= hi {
        for m in [1.0, 2.0, 5.0] {
            let v = m * power;
            if v >= lo && v <= hi {
                ticks.push(v);
            }
        }
        power *= 10.0;
    }
    while ticks.len() > 5 {
        ticks = ticks.into_iter().step_by(2).collect();
    }
    ticks
}

/// The pixel size of one picture cell in [`pictures`].
const CELL: u32 = 220;

/// At most this many pictures side by side: more would shrink below
/// legibility on a phone.
const PICTURES_PER_ROW: usize = 3;

/// Draws small images side by side, at most three in a row, each with its
/// caption, as one SVG.
///
/// # Errors
///
/// [`ChartError::Nothing`], [`ChartError::Empty`], [`ChartError::PictureShape`] or
/// [`ChartError::NonFinite`] for pictures that cannot be drawn, and
/// [`ChartError::Draw`] if plotters fails.
pub fn pictures(
    title: &str,
    pictures: &[Picture],
) -> Result<String, ChartError> {
    if pictures.is_empty() {
        return Err(ChartError::Nothing);
    }
    for p in pictures {
        if p.values.len() != p.rows * p.cols {
            let (label, rows, cols, values) =
                (p.label.clone(), p.rows, p.cols, p.values.len());
            return Err(ChartError::PictureShape {
                label,
                rows,
                cols,
                values,
            });
        }
        check_values(&p.label, p.values.iter().copied(), Scale::Linear)?;
    }
    let columns = pictures.len().min(PICTURES_PER_ROW);
    let rows = pictures.len().div_ceil(columns);
    let size = (CELL * columns as u32, (CELL + 20) * rows as u32 + 40);
    svg(size, |root| {
        let root = root
            .titled(title, ("sans-serif", FONT.title + 2))
            .map_err(draw_error)?;
        for (area, picture) in
            root.split_evenly((rows, columns)).iter().zip(pictures)
        {
            draw_picture(area, picture)?;
        }
        Ok(())
    })
}

/// Draws one picture as a grid of coloured squares filling `area` below its caption.
fn draw_picture(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    picture: &Picture,
) -> Result<(), ChartError> {
    let area = area
        .titled(&picture.label, ("sans-serif", FONT.axis))
        .map_err(draw_error)?
        .margin(4, 4, 8, 8);
    let (width, height) = area.dim_in_pixel();
    let side = (width / picture.cols as u32)
        .min(height / picture.rows as u32)
        .max(1) as i32;
    let (lo, hi) = extent(picture.values.iter().copied());
    let largest = lo.abs().max(hi.abs()).max(f64::MIN_POSITIVE);
    for (i, &v) in picture.values.iter().enumerate() {
        let (r, c) = ((i / picture.cols) as i32, (i % picture.cols) as i32);
        let colour = match picture.shading {
            Shading::Ink => {
                let shade = if hi > lo {
                    (255.0 * (1.0 - (v - lo) / (hi - lo))).round() as u8
                } else {
                    255
                };
                RGBColor(shade, shade, shade)
            }
            Shading::Diverging => {
                let fade = (255.0 * (1.0 - v.abs() / largest)).round() as u8;
                if v >= 0.0 {
                    RGBColor(255, fade, fade)
                } else {
                    RGBColor(fade, fade, 255)
                }
            }
        };
        let corner = (c * side, r * side);
        area.draw(&Rectangle::new(
            [corner, (corner.0 + side, corner.1 + side)],
            colour.filled(),
        ))
        .map_err(draw_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(curves: &[Line]) -> Result<String, ChartError> {
        loss_per_epoch("t", Scale::Log, curves)
    }

    #[test]
    fn bad_data_is_a_typed_error_before_anything_is_drawn() {
        assert!(matches!(draw(&[]), Err(ChartError::Nothing)));
        assert!(matches!(
            draw(&[Line::per_epoch("empty", &[])]),
            Err(ChartError::Empty { .. })
        ));
        match draw(&[Line::per_epoch("nan", &[1.0, f64::NAN])]) {
            Err(ChartError::NonFinite { label, index, .. }) => {
                assert_eq!((label.as_str(), index), ("nan", 1))
            }
            other => panic!("expected NonFinite, got {other:?}"),
        }
        assert!(matches!(
            draw(&[Line::per_epoch("zero", &[1.0, 0.0])]),
            Err(ChartError::NotPositive { .. })
        ));
        let bad = Picture {
            label: "w".into(),
            rows: 2,
            cols: 2,
            values: vec![1.0; 3],
            shading: Shading::Ink,
        };
        let error = pictures("t", &[bad]).unwrap_err();
        assert!(error.to_string().contains("2×2 pixels need 4"), "{error}");
    }

    #[test]
    fn a_chart_is_one_svg_document_with_its_labels() {
        let svg = draw(&[Line::per_epoch("one", &[3.0, 2.0, 1.0])]).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(svg.trim_end().ends_with("</svg>"));
        for text in ["t", "one", "epoch", "loss (log scale)"] {
            let element = format!(">\n{text}\n</text>");
            assert!(svg.contains(&element), "no {text:?} in the chart");
        }
    }

    #[test]
    fn log_axes_tick_few_round_values() {
        // Under two decades: 1, 2 and 5 times each power of ten.
        assert_eq!(
            log_ticks(&(0.004..0.3)),
            vec![0.005, 0.01, 0.02, 0.05, 0.1, 0.2]
        );
        // More: the powers of ten alone.
        assert_eq!(
            log_ticks(&(2e-7..1.5)),
            vec![1e-6, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1.0]
        );
        // Within one step of the 1-2-5 ladder: evenly spaced values.
        assert_eq!(
            log_ticks(&(0.011..0.0165)),
            vec![0.011, 0.012, 0.013, 0.014, 0.015, 0.016]
        );
        assert_eq!(
            log_ticks(&(0.0101..0.0199)),
            vec![0.012, 0.014, 0.016, 0.018]
        );
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(short_number(100_000.0), "1e5");
        assert_eq!(short_number(20_000.0), "20000");
        assert_eq!(short_number(5.0), "5");
        assert_eq!(short_number(2.5), "2.5");
        assert_eq!(short_number(0.001), "0.001");
        assert_eq!(short_number(0.0001), "1e-4");
    }
}
