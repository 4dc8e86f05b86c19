//! What the command-line programs share: the shipped data ([`bundled`]),
//! flags and error reporting ([`cli`]), text they print ([`report`]), charts
//! they save ([`plot`]), files they write ([`output`]) and the exercises'
//! checks of the reader's code ([`your_turn`]). The library's other layers
//! print nothing.

pub mod bundled;
pub mod cli;
pub mod output;
pub mod plot;
pub mod report;
pub mod your_turn;
