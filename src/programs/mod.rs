//! What the command-line programs share: the shipped data ([`bundled`]),
//! flags and error reporting ([`cli`]), text they print ([`report`]), charts
//! they save ([`plot`]) and files they write ([`output`]), and the memory
//! allocator they run with ([`pages`]). The library's other layers print
//! nothing.

pub mod bundled;
pub mod cli;
pub mod output;
pub mod pages;
pub mod plot;
pub mod report;
