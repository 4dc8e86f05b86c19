//! The book's charts saved as SVG files: the drawings of [`super::charts`],
//! written atomically, so that a failure leaves no half-written chart behind.

use std::path::{Path, PathBuf};

use thiserror::Error;

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

/// Saves a chart that one of [`super::charts`]' functions has drawn at
/// `path` (its folder must exist), or passes on why it could not be drawn:
/// `plot::save(path, charts::lines(title, x, y, curves))`.
pub fn save(
    path: &Path,
    drawn: Result<String, ChartError>,
) -> Result<(), PlotError> {
    write_atomically(path, drawn?.as_bytes()).map_err(|source| {
        PlotError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programs::charts;

    #[test]
    fn a_missing_folder_is_a_write_error_naming_the_path() {
        let scratch = tempfile::tempdir().expect("a temporary folder");
        let path = scratch.path().join("missing").join("never-written.svg");
        let curves = [Line::per_epoch("one", &[3.0, 2.0, 1.0])];
        let error =
            save(&path, charts::loss_per_epoch("t", Scale::Log, &curves))
                .unwrap_err();
        assert!(matches!(error, PlotError::Write { .. }));
        assert!(error.to_string().contains("never-written.svg"));
    }

    #[test]
    fn bad_data_writes_nothing() {
        let scratch = tempfile::tempdir().expect("a temporary folder");
        let path = scratch.path().join("p.svg");
        let drawn = charts::loss_per_epoch("t", Scale::Log, &[]);
        let error = save(&path, drawn).unwrap_err();
        assert!(matches!(error, PlotError::Chart(ChartError::Nothing)));
        assert!(!path.exists());
    }
}
