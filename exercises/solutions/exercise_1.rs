//! The solution of Exercise 1's "Your turn", compiled and tested with
//! `exercises/exercise_1.rs` (`cargo test --bin exercise_1`). It solves
//! Exercise 4's too, and is tested there as well: a copy of
//! `gradient_descent` without its shuffle is this loop.

use ndarray::{Array1, Array2, s};
use neural_network::{Settings, Trained, mse_loss};

// ANCHOR: solution
/// Mini-batch gradient descent without shuffling: one step per batch of
/// `settings.batch_size` rows, each divided by the batch's real size.
pub fn your_gradient_descent(
    x: &Array2<f64>,
    y: &Array1<f64>,
    settings: &Settings,
) -> anyhow::Result<Trained> {
    let (mut w, mut b) = (Array1::zeros(x.ncols()), 0.0);
    let mut loss_history = Vec::new();
    let n = x.nrows();
    for _epoch in 0..settings.num_epochs {
        for start in (0..n).step_by(settings.batch_size) {
            let end = (start + settings.batch_size).min(n);
            let x_batch = x.slice(s![start..end, ..]);
            let y_batch = y.slice(s![start..end]);
            let batch_len = (end - start) as f64;
            let error = x_batch.dot(&w) + b - y_batch;
            let grad_w = x_batch.t().dot(&error) / batch_len;
            let grad_b = error.sum() / batch_len;
            w = w - settings.lr * grad_w;
            b -= settings.lr * grad_b;
        }
        loss_history.push(mse_loss(&(x.dot(&w) + b), y)?);
    }
    Ok(Trained { w, b, loss_history })
}
// ANCHOR_END: solution
