//! Data: MNIST's IDX files, the images of two classes as a data set, and
//! the blog's MNIST example.
//!
//! | module | what it holds | needs |
//! | --- | --- | --- |
//! | `error` | what can go wrong: [`DataError`], and the [`Setting`] or the [`Part`] it is about | |
//! | [`idx`] | the IDX format, read from any stream and written to bytes | |
//! | [`line`](mod@line) | the eight points of `y = 2x` that the first exercises train on | |
//! | [`images`] | labelled images, two classes of them as a [`Dataset`] | |
//! | [`task`] | two classes as a binary task, normalized, ready to train on | |
//! | [`mnist`] | the blog's MNIST example's data: its demo split | |
//! | `read` | a directory of IDX files, raw or gzip-compressed | `files` |
//!
//! The modules without a feature hold no I/O and build for WebAssembly.

mod error;
pub mod idx;
pub mod images;
pub mod line;
pub mod mnist;
#[cfg(feature = "files")]
pub mod read;
pub mod task;

pub use error::{DataError, Part, Setting};
pub use idx::{
    IMAGES_MAGIC, Idx, IdxError, LABELS_MAGIC, MAX_DATA_BYTES, ReadError,
    TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, encode_idx,
    parse_idx, read_idx,
};
pub use images::{Dataset, LabelledImages};
#[cfg(feature = "files")]
pub use read::{Gunzip, IdxDataSet, IdxFiles, read_idx_file};
pub use task::{BinaryTask, Kept};
