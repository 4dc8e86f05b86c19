//! # neural_network
//!
//! The companion crate of the book *Mini-batch gradient descent, by running
//! it*: the Rust counterpart of the blog series' growing `neural_network.py`.
//! Where the Python reads `from neural_network import gradient_descent`, Rust
//! reads `use neural_network::gradient_descent;`.
//!
//! The crate is built in layers, each a folder or a group of modules:
//!
//! | layer | modules | needs |
//! | --- | --- | --- |
//! | the numeric core, what the book teaches | [`normalize`](mod@normalize), [`linalg`], [`activation`], [`loss`], [`model`], [`noise_scale`](mod@noise_scale), [`schedule`], [`train`], [`gradcheck`], [`metrics`], [`error`] | ndarray, rand, rand_chacha, thiserror |
//! | data | [`data`]: the IDX format, data sets, the MNIST example; reading files and checksums with the `files` feature | flate2, sha2 |
//! | the engine, the fast trainer | `engine` | the `engine` feature (rustversion) |
//! | the programs' support | `programs`: the book's charts drawn as SVG text (the `charts` feature: plotters), and flags, reports, chart files, output files | the `programs` feature (clap, …) |
//!
//! The default feature `programs` turns on everything. Built with
//! `--no-default-features`, the crate is the core and the data formats, with
//! no I/O, and it builds for `wasm32-unknown-unknown`; so does the `charts`
//! feature alone, `programs::charts`, with which the book's playground draws
//! in the page.
//!
//! All arithmetic is in `f64`, as NumPy's is, so our numbers can equal the
//! blog's.

pub mod activation;
pub mod data;
pub mod error;
pub mod gradcheck;
pub mod linalg;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod noise_scale;
pub mod normalize;
pub mod schedule;
pub mod train;

#[cfg(feature = "engine")]
pub mod engine;
#[cfg(feature = "charts")]
pub mod programs;

// ANCHOR: reexports
pub use activation::{Activation, sigmoid, sigmoid_scalar};
pub use error::{ShapeError, TrainError};
pub use linalg::matrix_multiply;
pub use loss::{BCE_EPSILON, Loss, binary_cross_entropy, mse_loss};
pub use model::{gradient, predict};
pub use noise_scale::{NoiseScale, noise_scale};
pub use normalize::{Normalization, normalize};
pub use schedule::Schedule;
pub use train::{
    DEFAULT_SEED, EpochEnd, Settings, Shuffle, Trained, gradient_descent,
};
// ANCHOR_END: reexports
