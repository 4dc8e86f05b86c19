//! The data the repository ships, found wherever a program is started from.
//!
//! `data/` holds every MNIST image of the digits 0 and 1 (2 MB): the
//! default task, quick to read. `data/mnist/` holds the full official MNIST
//! (11 MB), for any other pair of digits. A program asks for two classes and
//! reads the smaller folder that holds both.

use std::path::{Path, PathBuf};

use crate::data::read::read_idx_file;
use crate::data::{DataError, IdxFiles, LABELS_MAGIC};

/// A shipped data folder, and how programs name it in their output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundled {
    /// Where the folder is on this machine.
    pub dir: PathBuf,
    /// Its path in the repository, the same in every checkout.
    pub shown: &'static str,
}

/// The shipped folder to read for `classes`: `data/` when both classes
/// occur in its training and test labels, `data/mnist/` otherwise.
pub fn bundled_data(classes: (u8, u8)) -> Result<Bundled, DataError> {
    let subset = Bundled {
        dir: zeros_and_ones(),
        shown: "data/ (bundled)",
    };
    if holds(&subset.dir, classes)? {
        return Ok(subset);
    }
    Ok(Bundled {
        dir: subset.dir.join("mnist"),
        shown: "data/mnist/ (bundled)",
    })
}

/// `data/`, every image of the digits 0 and 1: the data of the timing
/// programs and the book's charts.
pub fn zeros_and_ones() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Whether both classes occur in the training and the test labels in `dir`.
fn holds(dir: &Path, (a, b): (u8, u8)) -> Result<bool, DataError> {
    let files = IdxFiles::find(dir)?;
    for labels in [&files.paths[1], &files.paths[3]] {
        let labels = read_idx_file(labels, LABELS_MAGIC)?.data;
        if !(labels.contains(&a) && labels.contains(&b)) {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_and_ones_come_from_the_subset_all_else_from_the_full_set() {
        let small = bundled_data((0, 1)).unwrap();
        assert!(small.dir.ends_with("data"));
        assert_eq!(bundled_data((1, 0)).unwrap(), small);
        for pair in [(4, 9), (0, 9), (3, 5)] {
            let full = bundled_data(pair).unwrap();
            assert!(full.dir.ends_with("data/mnist"), "{pair:?}");
        }
    }
}
