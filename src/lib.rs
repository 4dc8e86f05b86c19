//! # neural_network
//!
//! The companion crate of the book *Mini-batch gradient descent, by running it*: the Rust
//! counterpart of the blog series' growing `neural_network.py`. Where the Python reads
//! `from neural_network import gradient_descent`, Rust reads
//! `use neural_network::gradient_descent;`.
//!
//! The numeric core (these modules) knows nothing of files, charts or command lines:
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`normalize`](mod@normalize) | [`normalize`], [`Normalization`] |
//! | [`linalg`] | [`matrix_multiply`] |
//! | [`activation`] | [`sigmoid`], [`Activation`] |
//! | [`loss`] | [`mse_loss`], [`binary_cross_entropy`], [`Loss`] |
//! | [`model`] | [`predict`], [`gradient`] |
//! | [`train`] | [`gradient_descent`], [`Settings`], [`Shuffle`], [`Trainer`] |
//! | [`error`] | [`ShapeError`], [`TrainError`] |
//! | [`gradcheck`] | [`gradcheck::numerical_gradient`] |
//!
//! Around the core: [`blog`] holds the blog's epoch transcribed literally, the baseline of
//! the benchmarks; [`timing`] defines the workload that the benchmarks and the
//! `epoch_times` program time; [`memory`] gives large data sets 2 MB pages where Linux
//! allows; [`data`] reads MNIST-style files.
//!
//! [`report`] formats results as text for the programs; it prints nothing itself.
//! [`plot`] draws the book's charts as SVG files.
//!
//! All arithmetic is in `f64`, as NumPy's is, so our numbers can equal the blog's.

pub mod activation;
pub mod blog;
pub mod checksum;
pub mod cli;
pub mod data;
pub mod error;
pub mod files;
pub mod gradcheck;
pub mod linalg;
pub mod loss;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod normalize;
pub mod plot;
pub mod report;
pub mod timing;
pub mod train;

// ANCHOR: reexports
pub use activation::{Activation, sigmoid, sigmoid_scalar};
pub use error::{ShapeError, TrainError};
pub use linalg::matrix_multiply;
pub use loss::{BCE_EPSILON, Loss, binary_cross_entropy, mse_loss};
pub use model::{gradient, predict};
pub use normalize::{Normalization, normalize};
pub use train::{DEFAULT_SEED, EpochEnd, Settings, Shuffle, Trained, Trainer, gradient_descent};
// ANCHOR_END: reexports
