//! The solution of Exercise 4's "Your turn", compiled and tested with
//! `exercises/exercise_4.rs` (`cargo test --bin exercise_4`).

use ndarray::{Array1, Array2, s};
use neural_network::{Settings, Trained, mse_loss};

// ANCHOR: solution
/// The copy without its shuffle: no generator, no shuffled copies, and the
/// batches sliced from `x` and `y` as they are.
pub fn gradient_descent_no_shuffle(
    x: &Array2<f64>,
    y: &Array1<f64>,
    settings: &Settings,
) -> anyhow::Result<Trained> {
    let (lr, batch_size, n) = (settings.lr, settings.batch_size, x.nrows());
    let (mut w, mut b) = (Array1::zeros(x.ncols()), 0.0);
    let mut loss_history = Vec::new();
    for _epoch in 0..settings.num_epochs {
        for start in (0..n).step_by(batch_size) {
            let end = (start + batch_size).min(n);
            let x_batch = x.slice(s![start..end, ..]);
            let y_batch = y.slice(s![start..end]);
            let batch_len = (end - start) as f64;
            let error = x_batch.dot(&w) + b - y_batch;
            let grad_w = x_batch.t().dot(&error) / batch_len;
            let grad_b = error.sum() / batch_len;
            w = w - lr * grad_w;
            b -= lr * grad_b;
        }
        loss_history.push(mse_loss(&(x.dot(&w) + b), y)?);
    }
    Ok(Trained { w, b, loss_history })
}
// ANCHOR_END: solution
