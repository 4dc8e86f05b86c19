//! The book's charts saved as SVG files: the drawings of [`super::charts`],
//! written atomically, so that a failure leaves no half-written chart behind.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::charts;
pub use super::charts::{
    Axis, ChartError, Heatmap, Legend, Line, Mark, Picture, SIZE, Scale,
    Series, Shading,
};
use super::output::write_atomically;

/// Why a chart could not be drawn or saved.
#[derive(Debug, Error)]
pub enum PlotError {
    /// The data cannot be drawn, or plotters failed.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// The finished SVG could not be written.
    #[error("cannot write the chart to {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes a drawn chart to `path` (its folder must exist).
fn save(path: &Path, svg: &str) -> Result<(), PlotError> {
    write_atomically(path, svg.as_bytes()).map_err(|source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// [`charts::lines`], saved at `path`.
pub fn lines(
    path: &Path,
    title: &str,
    x: Axis<'_>,
    y: Axis<'_>,
    curves: &[Line],
) -> Result<(), PlotError> {
    save(path, &charts::lines(title, x, y, curves)?)
}

/// [`charts::plot`], saved at `path`.
pub fn plot(
    path: &Path,
    title: &str,
    x: Axis<'_>,
    y: Axis<'_>,
    series: &[Series],
    legend: Legend,
) -> Result<(), PlotError> {
    save(path, &charts::plot(title, x, y, series, legend)?)
}

/// [`charts::heatmap`], saved at `path`.
pub fn heatmap(path: &Path, map: &Heatmap<'_>) -> Result<(), PlotError> {
    save(path, &charts::heatmap(map)?)
}

/// [`charts::lines_with`] at the width of [`SIZE`] with the legend where
/// `legend` says, saved at `path`.
pub fn lines_with(
    path: &Path,
    title: &str,
    (x, y): (Axis<'_>, Axis<'_>),
    curves: &[Line],
    legend: Legend,
) -> Result<(), PlotError> {
    save(
        path,
        &charts::lines_with(title, x, y, curves, legend, SIZE.0)?,
    )
}

/// [`charts::loss_per_epoch`], saved at `path`.
pub fn loss_per_epoch(
    path: &Path,
    title: &str,
    scale: Scale,
    curves: &[Line],
) -> Result<(), PlotError> {
    save(path, &charts::loss_per_epoch(title, scale, curves)?)
}

/// [`charts::pictures`], saved at `path`.
pub fn pictures(
    path: &Path,
    title: &str,
    pictures: &[Picture],
) -> Result<(), PlotError> {
    save(path, &charts::pictures(title, pictures)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_is_a_write_error_naming_the_path() {
        let scratch = tempfile::tempdir().expect("a temporary folder");
        let path = scratch.path().join("missing").join("never-written.svg");
        let curves = [Line::per_epoch("one", &[3.0, 2.0, 1.0])];
        let error =
            loss_per_epoch(&path, "t", Scale::Log, &curves).unwrap_err();
        assert!(matches!(error, PlotError::Write { .. }));
        assert!(error.to_string().contains("never-written.svg"));
    }

    #[test]
    fn bad_data_writes_nothing() {
        let scratch = tempfile::tempdir().expect("a temporary folder");
        let path = scratch.path().join("p.svg");
        let error = loss_per_epoch(&path, "t", Scale::Log, &[]).unwrap_err();
        assert!(matches!(error, PlotError::Chart(ChartError::Nothing)));
        assert!(!path.exists());
    }
}
