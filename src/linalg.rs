//! Matrix multiplication with its shapes checked before any arithmetic is done.

use ndarray::{Array2, ArrayRef2};

use crate::error::ShapeError;

// ANCHOR: matrix_multiply
/// Multiplies an `(n, d)` matrix by a `(d, p)` matrix, giving an `(n, p)`
/// matrix.
///
/// NumPy's `np.matmul` raises on mismatched shapes and ndarray's `dot` panics;
/// here a mismatch is a [`ShapeError`] that names both shapes.
pub fn matrix_multiply(
    x: &ArrayRef2<f64>,
    w: &ArrayRef2<f64>,
) -> Result<Array2<f64>, ShapeError> {
    ShapeError::check_multiply(x.dim(), w.dim())?;
    Ok(x.dot(w))
}
// ANCHOR_END: matrix_multiply
