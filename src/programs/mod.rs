//! What the programs share: the book's charts ([`charts`], drawn as SVG text;
//! the book's playground, a program in the browser, draws with them too),
//! and for the command-line programs the shipped data (`bundled`), how the
//! blog's MNIST example trains (`mnist`), flags and error reporting (`cli`),
//! what they print and how a failed write ends them (`console`), the memory
//! a run may hold (`budget`), the checks of their data sets before training
//! (`checks`), the SHA-256 sums the data files are verified with
//! (`checksum`), text they print (`report`), charts they save (`plot`), files
//! they write (`output`), folders of files they replace as one (`folder`),
//! the exercises' checks of the reader's code (`your_turn`), the memory
//! allocator they run with (`pages`) and the BLAS routines with which
//! ndarray computes their matrix products (`blas`). The
//! library's other layers print nothing.
//!
//! With the `charts` feature alone (plotters, which builds for WebAssembly)
//! only [`charts`] is here; the `programs` feature adds the rest.

pub mod charts;

// The rest is for the `programs` feature only.
#[cfg(feature = "programs")]
pub mod blas;
#[cfg(feature = "programs")]
pub mod budget;
#[cfg(feature = "programs")]
pub mod bundled;
#[cfg(feature = "programs")]
pub mod checks;
#[cfg(feature = "programs")]
pub mod checksum;
#[cfg(feature = "programs")]
pub mod cli;
#[cfg(feature = "programs")]
pub mod console;
#[cfg(feature = "programs")]
pub mod folder;
#[cfg(feature = "programs")]
pub mod mnist;
#[cfg(feature = "programs")]
pub mod output;
#[cfg(feature = "programs")]
pub mod pages;
#[cfg(feature = "programs")]
pub mod plot;
#[cfg(feature = "programs")]
pub mod report;
#[cfg(feature = "programs")]
pub mod sweep;
#[cfg(feature = "programs")]
pub mod your_turn;
