//! The line of the chapter's first exercises: eight points on `y = 2x`.

use ndarray::{Array1, Array2, array};

// ANCHOR: points
/// The eight points of the line `y = 2x` that Exercises 1, 2 and 4 train on:
/// one input per row, `x = 1, 2, …, 8`, and the targets `y = 2x`.
pub fn points() -> (Array2<f64>, Array1<f64>) {
    let x = array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0]];
    let y = array![2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0];
    (x, y)
}
// ANCHOR_END: points
