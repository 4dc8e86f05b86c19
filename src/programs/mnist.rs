//! The blog's MNIST example as the programs train it: logistic regression
//! (sigmoid, binary cross-entropy) on two digit classes, with the blog's
//! learning rate, batch size and number of epochs. Its data, the demo split,
//! is the data layer's (`data::mnist`).

use crate::{Activation, Loss, Settings};

/// The blog's learning rate for MNIST.
pub const LEARNING_RATE: f64 = 0.1;
/// The blog's batch size for MNIST.
pub const BATCH_SIZE: usize = 32;
/// The blog's number of epochs for MNIST.
pub const EPOCHS: usize = 10;

/// Logistic regression with the blog's learning rate and these batch size
/// and epochs, shuffled with the default seed.
pub fn settings(batch_size: usize, num_epochs: usize) -> Settings {
    Settings::new(
        LEARNING_RATE,
        num_epochs,
        batch_size,
        Loss::BinaryCrossEntropy,
    )
    .activation(Activation::Sigmoid)
}
