//! The gradient noise scale: how large a batch must be before its gradient
//! is mostly signal.
//!
//! A mini-batch gradient is the full gradient `G` plus noise. McCandlish,
//! Kaplan, Amodei et al. ("An Empirical Model of Large-Batch Training",
//! 2018) measure the noise against the signal with the *simple noise
//! scale* `B_simple = tr(Σ) / |G|²`, where `Σ` is the covariance of the
//! per-example gradients. A batch of `B` examples drawn at random has
//! noise `E|g_B − G|² = tr(Σ) / B`, so at `B = B_simple` the noise is as
//! large as the signal: well below it, doubling the batch nearly halves the
//! steps training needs; well above it, a larger batch buys little.
//!
//! For the chapter's model the per-example gradient is known exactly, so
//! nothing needs estimating: example `i` contributes `eᵢ · (xᵢ, 1)` with
//! `eᵢ = prediction − target`, the step direction of the blog's loop.

use ndarray::{ArrayRef1, ArrayRef2, Zip};

use crate::error::ShapeError;
use crate::model::gradient;

// ANCHOR: noise_scale
/// The two halves of the simple noise scale, at one point of training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseScale {
    /// `|G|²`: the squared length of the mean gradient over the data set.
    pub gradient_norm_sq: f64,
    /// `tr(Σ)`: the mean squared distance of a per-example gradient from
    /// `G`, the noise of a batch of one.
    pub trace: f64,
}

impl NoiseScale {
    /// `B_simple = tr(Σ) / |G|²`: the batch size at which a batch's noise
    /// is as large as the gradient itself.
    pub fn simple(&self) -> f64 {
        self.trace / self.gradient_norm_sq
    }
}

/// Measures the noise scale at one point of training from the data set's
/// inputs `x` and the model's errors there, `error = prediction − y`: the
/// per-example gradients are `eᵢ · (xᵢ, 1)` and their mean is `G`.
pub fn noise_scale(
    x: &ArrayRef2<f64>,
    error: &ArrayRef1<f64>,
) -> Result<NoiseScale, ShapeError> {
    let (grad_w, grad_b) = gradient(x, error)?;
    // Σᵢ |eᵢ·xᵢ − G_w|² + (eᵢ − G_b)², summed row by row: taking the
    // difference per example, not `mean|gᵢ|² − |G|²`, keeps the result
    // accurate when the noise is small next to the gradient.
    let mut sum = 0.0;
    Zip::from(x.rows()).and(error).for_each(|row, &e| {
        let weights: f64 = Zip::from(row)
            .and(&grad_w)
            .fold(0.0, |acc, &v, &g| acc + (e * v - g) * (e * v - g));
        sum += weights + (e - grad_b) * (e - grad_b);
    });
    Ok(NoiseScale {
        gradient_norm_sq: grad_w.dot(&grad_w) + grad_b * grad_b,
        trace: sum / error.len() as f64,
    })
}
// ANCHOR_END: noise_scale

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2, array};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::{Activation, predict};

    #[test]
    fn a_problem_worked_by_hand() {
        // An identity model at w = 0, b = 0 errs by −y, so example i's
        // gradient is −yᵢ·(xᵢ, 1) = −(yᵢ, yᵢ) with x = 1 everywhere. With
        // y = 1, 3, 1, 3: G = −(2, 2), |G|² = 8; every example is (1, 1)
        // away from G, |1|² + |1|² = 2, so tr(Σ) = 2 and B_simple = 1/4.
        let x = array![[1.0], [1.0], [1.0], [1.0]];
        let error = array![-1.0, -3.0, -1.0, -3.0];
        let s = noise_scale(&x, &error).unwrap();
        assert_eq!(s.gradient_norm_sq, 8.0);
        assert_eq!(s.trace, 2.0);
        assert_eq!(s.simple(), 0.25);
    }

    /// A random problem, the same for a given seed: its inputs, and the
    /// errors of a random sigmoid model on them.
    fn problem(seed: u64) -> (Array2<f64>, Array1<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x = Array2::from_shape_simple_fn((40, 3), || {
            rng.random_range(-2.0..2.0)
        });
        let y = Array1::from_shape_simple_fn(40, || {
            if rng.random::<f64>() < 0.4 { 1.0 } else { 0.0 }
        });
        let w = Array1::from_shape_simple_fn(3, || rng.random_range(-1.0..1.0));
        let b = rng.random_range(-1.0..1.0);
        let error = predict(&x, &w, b, Activation::Sigmoid).unwrap() - &y;
        (x, error)
    }

    /// The per-example gradients `eᵢ·(xᵢ, 1)` written out, one row each.
    fn per_example(x: &Array2<f64>, error: &Array1<f64>) -> Array2<f64> {
        Array2::from_shape_fn((x.nrows(), x.ncols() + 1), |(i, j)| {
            let feature = if j < x.ncols() { x[[i, j]] } else { 1.0 };
            error[i] * feature
        })
    }

    #[test]
    fn equals_the_trace_of_the_covariance_matrix() {
        // Σ as a matrix, from the per-example gradients: its trace is the
        // sum of its diagonal.
        for seed in 0..5 {
            let (x, error) = problem(seed);
            let g = per_example(&x, &error);
            let mean = g.mean_axis(ndarray::Axis(0)).unwrap();
            let centred = &g - &mean;
            let sigma = centred.t().dot(&centred) / g.nrows() as f64;
            let s = noise_scale(&x, &error).unwrap();
            let trace: f64 = sigma.diag().sum();
            assert!((s.trace - trace).abs() < 1e-12 * trace);
            let norm = mean.dot(&mean);
            assert!((s.gradient_norm_sq - norm).abs() < 1e-12 * norm);
        }
    }

    #[test]
    fn a_batch_of_b_has_noise_trace_over_b() {
        // What the noise scale means: the mean gradient of B examples drawn
        // with replacement is off from G by tr(Σ)/B on average. 20,000
        // draws put the average within a few per cent of it.
        let (x, error) = problem(7);
        let g = per_example(&x, &error);
        let full = g.mean_axis(ndarray::Axis(0)).unwrap();
        let s = noise_scale(&x, &error).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for batch in [1, 4, 16] {
            let draws = 20_000;
            let mut total = 0.0;
            for _ in 0..draws {
                let rows: Vec<usize> =
                    (0..batch).map(|_| rng.random_range(0..40)).collect();
                let g_b = g
                    .select(ndarray::Axis(0), &rows)
                    .mean_axis(ndarray::Axis(0))
                    .unwrap();
                let d = &g_b - &full;
                total += d.dot(&d);
            }
            let measured = total / draws as f64;
            let expected = s.trace / batch as f64;
            assert!(
                (measured / expected - 1.0).abs() < 0.05,
                "batch {batch}: {measured} against {expected}"
            );
        }
    }

    #[test]
    fn shapes_that_do_not_fit_are_errors() {
        let x = Array2::<f64>::zeros((3, 2));
        assert!(noise_scale(&x, &Array1::zeros(2)).is_err());
        let none = Array2::<f64>::zeros((0, 2));
        assert_eq!(
            noise_scale(&none, &Array1::zeros(0)),
            Err(ShapeError::Empty)
        );
    }
}
