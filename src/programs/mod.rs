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

// The rest is for the `programs` feature only. (`console` is declared on its
// own: a module declared inside a macro cannot export `say!`.)
#[cfg(feature = "programs")]
pub mod console;
cfg_if::cfg_if! {
    if #[cfg(feature = "programs")] {
        pub mod blas;
        pub mod budget;
        pub mod bundled;
        pub mod checks;
        pub mod checksum;
        pub mod cli;
        pub mod folder;
        pub mod mnist;
        pub mod output;
        pub mod pages;
        pub mod plot;
        pub mod report;
        pub mod sweep;
        pub mod your_turn;
    }
}
