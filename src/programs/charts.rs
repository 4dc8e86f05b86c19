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
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use thiserror::Error;

/// The size of every line chart, in pixels: as wide as a book page, with
/// text large enough to stay readable when a phone shrinks it to 360 pixels.
pub const SIZE: (u32, u32) = (640, 440);

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
    lines_with(title, x, y, curves, Legend::Inside, SIZE.0)
}

/// The height of one row of a legend drawn [`Legend::Below`] the plot.
const LEGEND_ROW: u32 = 30;
/// The narrowest chart that still holds its axes' labels.
const MIN_WIDTH: u32 = 320;
/// Room for one x tick label, in pixels.
const X_LABEL_ROOM: u32 = 50;

/// [`lines`] `width` pixels wide (at least 320) and [`SIZE`]'s height, with the legend
/// where `legend` says. A narrow chart, drawn for a phone, keeps the text at its size and
/// labels fewer ticks; a legend below the plot adds a row of [`LEGEND_ROW`] pixels for
/// every two curves (every curve on a chart narrower than 560 pixels).
///
/// # Errors
///
/// As [`lines`].
pub fn lines_with(
    title: &str,
    x: Axis<'_>,
    y: Axis<'_>,
    curves: &[Line],
    legend: Legend,
    width: u32,
) -> Result<String, ChartError> {
    if curves.is_empty() {
        return Err(ChartError::Nothing);
    }
    for curve in curves {
        check_values(&curve.label, curve.points.iter().map(|p| p.0), x.scale)?;
        check_values(&curve.label, curve.points.iter().map(|p| p.1), y.scale)?;
    }
    let (x_lo, x_hi) =
        extent(curves.iter().flat_map(|c| c.points.iter().map(|p| p.0)));
    let (y_lo, y_hi) =
        extent(curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)));
    let (xs, ys) = (
        span(x_lo, x_hi, x.scale, false),
        span(y_lo, y_hi, y.scale, true),
    );
    let (size, columns) = layout(width, legend, curves.len());
    let plot = Plot {
        names: (x.label, y.label),
        curves,
        ticks: (((size.0 - 80) / X_LABEL_ROOM) as usize).min(X_LABELS),
        corner: match legend {
            Legend::Inside => {
                Some(quietest_corner(curves, (&xs, x.scale), (&ys, y.scale)))
            }
            Legend::Below => None,
        },
    };
    svg(size, |root| {
        let (area, under) = root.split_vertically(SIZE.1);
        let mut builder = ChartBuilder::on(&area);
        builder
            .caption(title, ("sans-serif", 21))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(80);
        match x.scale {
            Scale::Linear => plot.on_y(&mut builder, xs, (ys, y.scale)),
            Scale::Log => {
                plot.on_y(&mut builder, xs.log_scale(), (ys, y.scale))
            }
        }?;
        if legend == Legend::Below {
            legend_rows(&under, curves, columns)?;
        }
        Ok(())
    })
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
    let height = SIZE.1 + rows * LEGEND_ROW + rows.min(1) * 8;
    ((width, height), columns)
}

/// The legend as rows of `columns` entries, a line of each curve's colour before its
/// label, filling `area` from the left under the plot.
fn legend_rows(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    curves: &[Line],
    columns: usize,
) -> Result<(), ChartError> {
    let (left_edge, width) =
        (if columns > 1 { 96 } else { 16 }, area.dim_in_pixel().0);
    let column = (width as i32 - left_edge) / columns as i32;
    for (i, curve) in curves.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let left = left_edge + column * (i % columns) as i32;
        let middle = LEGEND_ROW as i32 * (i / columns) as i32 + 15;
        area.draw(&PathElement::new(
            vec![(left, middle), (left + 24, middle)],
            colour.stroke_width(3),
        ))
        .map_err(draw_error)?;
        let style = ("sans-serif", 19)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(curve.label.as_str(), (left + 32, middle), style))
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

/// At most this many tick labels on the x axis (plotters' default).
const X_LABELS: usize = 11;

/// What a line chart shows, whatever its axes' scales: the axes' names, the
/// curves, the most x ticks to label, and the corner of the legend if it is
/// drawn inside the plot.
struct Plot<'a> {
    names: (&'a str, &'a str),
    curves: &'a [Line],
    ticks: usize,
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
            Scale::Log => self.draw(builder, x, ys.log_scale()),
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
            .x_desc(self.names.0)
            .y_desc(self.names.1)
            .x_label_formatter(&|v| short_number(*v))
            .y_label_formatter(&|v| short_number(*v))
            .axis_desc_style(("sans-serif", 20))
            .label_style(("sans-serif", 19))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(draw_error)?;
        for (i, curve) in self.curves.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let series = chart
                .draw_series(LineSeries::new(
                    curve.points.iter().copied(),
                    colour.stroke_width(3),
                ))
                .map_err(draw_error)?;
            if self.corner.is_some() {
                series.label(curve.label.as_str()).legend(move |(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + 24, y)],
                        colour.stroke_width(3),
                    )
                });
            }
        }
        let Some(corner) = self.corner.clone() else {
            return Ok(());
        };
        chart
            .configure_series_labels()
            .position(corner)
            .label_font(("sans-serif", 19))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(draw_error)
    }

    /// How many tick labels the x axis gets: never more than there are x
    /// values, so that five epochs are labelled 1 to 5, not 1, 1.5, 2, …
    fn x_labels(&self) -> usize {
        let mut xs: Vec<f64> = self
            .curves
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.0))
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
    curves: &[Line],
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

/// A tick label: whole numbers without a decimal point, others with as few digits as
/// show them (`0.001`, `2.5`), very small or large ones in exponent form (`1e-5`, `1e218`).
fn short_number(v: f64) -> String {
    if v == v.round() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else if v.abs() >= 1e-3 && v.abs() < 1e6 {
        let text = format!("{v:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.0e}")
    }
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
        let root =
            root.titled(title, ("sans-serif", 24)).map_err(draw_error)?;
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
        .titled(&picture.label, ("sans-serif", 22))
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
    fn tick_labels_are_short() {
        assert_eq!(short_number(5.0), "5");
        assert_eq!(short_number(2.5), "2.5");
        assert_eq!(short_number(0.001), "0.001");
        assert_eq!(short_number(0.0001), "1e-4");
    }
}
