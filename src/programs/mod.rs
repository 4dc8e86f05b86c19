//! What the command-line programs share: the shipped data ([`bundled`]),
//! flags and error reporting ([`cli`]), what they print and how a failed
//! write ends them ([`console`]), the memory a run may hold ([`budget`]),
//! the checks of their data sets before training ([`checks`]), text they
//! print ([`report`]), charts they save ([`plot`]), files they write
//! ([`output`]), folders of files they replace as one ([`folder`]), and the
//! memory allocator they run with ([`pages`]). The library's other layers
//! print nothing.

pub mod budget;
pub mod bundled;
pub mod checks;
pub mod cli;
pub mod console;
pub mod folder;
pub mod output;
pub mod pages;
pub mod plot;
pub mod report;
