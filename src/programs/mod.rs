//! What the command-line programs share: the shipped data ([`bundled`]),
//! flags and error reporting ([`cli`]), text they print ([`report`]), charts
//! they save ([`plot`]) and files they write ([`output`]). The library's
//! other layers print nothing.

pub mod bundled;
pub mod cli;
pub mod output;
pub mod plot;
pub mod report;
