//! Standard output and standard error for the programs: [`say!`](crate::say)
//! and [`note!`](crate::note), the programs' `println!` and `eprintln!`,
//! which never panic.
//!
//! Rust's `println!` panics when standard output cannot be written: into a
//! full device (`> /dev/full`), or after the reader of a pipe has gone
//! (`| head -3`). Every program and exercise writes through these two macros
//! instead, and they follow three rules:
//!
//! 1. **A failed write is an error.** Output stops; the program ends with
//!    exit code 1 and, when it was standard output that failed, the line
//!    `error: cannot write to standard output: …` on standard error.
//! 2. **A closed pipe is not.** When the reader has gone, output stops and
//!    the program ends quietly, as a Unix tool does: by the `SIGPIPE` signal,
//!    which shells do not report (on other systems, with exit code 0).
//! 3. **Files first.** While the program holds a [`Hold`] (every
//!    [`Outputs`] plan, [`NewFolders`] and [`Folder`] holds one), a failed
//!    write does not end it at once. After a closed pipe it carries on
//!    without printing, writes its files and then ends quietly; after any
//!    other failure it carries on only until its next file, which is not
//!    written ([`check`] refuses it), and ends with the error.
//!
//! A program gets all of this by being written as
//!
//! ```ignore
//! use neural_network::programs::cli::{parse_args, run_main};
//! use neural_network::say;
//!
//! fn main() -> ExitCode {
//!     run_main(|| run(parse_args()))
//! }
//!
//! fn run(args: Args) -> anyhow::Result<()> {
//!     say!("{} runs", args.count); // instead of println!
//!     Ok(())
//! }
//! ```
//!
//! [`run_main`](super::cli::run_main) reports the body's error and the
//! outcome of the output in one exit code. Nothing else is needed: a
//! program that writes files plans them with [`Outputs`] (or a [`Folder`]),
//! and the rules above follow. A new program, a `sweep` say, is written the
//! same way and added to the table of `tests/every_program.rs`, which runs
//! every program of `Cargo.toml` with its output full and closed (and fails
//! for one missing from the table), and fails for any `println!` in the
//! programs' code.
//!
//! [`Outputs`]: super::output::Outputs
//! [`NewFolders`]: super::output::NewFolders
//! [`Folder`]: super::folder::Folder

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Writes a line to standard output, as `println!` does, without ever
/// panicking: see [the module's rules](crate::programs::console).
#[macro_export]
macro_rules! say {
    () => {
        $crate::programs::console::say(::std::format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::programs::console::say(::std::format_args!($($arg)*))
    };
}

/// Writes a line to standard error, as `eprintln!` does, without ever
/// panicking: see [the module's rules](crate::programs::console).
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::programs::console::note(::std::format_args!($($arg)*))
    };
}

/// One of the two streams a program writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output: the report.
    Out,
    /// Standard error: errors and progress.
    Err,
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Out => "standard output",
            Self::Err => "standard error",
        })
    }
}

/// Why a stream stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stopped {
    /// The reader of a pipe went away: not an error.
    Closed,
    /// A write failed (the device is full, say): the run has failed. The
    /// reason is the system's, such as "No space left on device (os error 28)".
    Failed(String),
}

/// A write to standard output or error failed, so the run has failed and
/// writes no more files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{stream} could not be written ({reason}), so the run has failed")]
pub struct StreamFailed {
    /// The stream that failed.
    pub stream: Stream,
    /// The system's reason.
    pub reason: String,
}

/// What this process's output has come to.
struct State {
    /// Why standard output stopped, if it has.
    out: Option<Stopped>,
    /// Why standard error stopped, if it has.
    err: Option<Stopped>,
    /// How many [`Hold`]s are alive.
    holds: usize,
}

impl State {
    /// Where `stream` stands.
    fn of(&mut self, stream: Stream) -> &mut Option<Stopped> {
        match stream {
            Stream::Out => &mut self.out,
            Stream::Err => &mut self.err,
        }
    }

    /// The stream that stopped, and why, that decides how the program
    /// ends: a failed one before a closed one, standard output first.
    fn stopped(&self) -> Option<(Stream, Stopped)> {
        let streams = [(Stream::Out, &self.out), (Stream::Err, &self.err)];
        let failed =
            |s: &&Option<Stopped>| matches!(s, Some(Stopped::Failed(_)));
        let (stream, stopped) = streams
            .iter()
            .find(|(_, s)| failed(s))
            .or_else(|| streams.iter().find(|(_, s)| s.is_some()))?;
        Some((*stream, (*stopped).clone()?))
    }
}

static STATE: Mutex<State> = Mutex::new(State {
    out: None,
    err: None,
    holds: 0,
});

/// The state; no code holding it can panic, so a poisoned lock is as good.
fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What [`say!`](crate::say) calls.
pub fn say(line: fmt::Arguments<'_>) {
    write_line(Stream::Out, line);
}

/// What [`note!`](crate::note) calls.
pub fn note(line: fmt::Arguments<'_>) {
    write_line(Stream::Err, line);
}

/// Writes `line` and a newline to `stream` and flushes it, unless that
/// stream has stopped; a failure stops it. Writing to a stopped stream ends
/// the program, unless it holds a [`Hold`].
fn write_line(stream: Stream, line: fmt::Arguments<'_>) {
    let mut state = state();
    if state.of(stream).is_none() {
        let written = match stream {
            Stream::Out => write_to(&mut io::stdout().lock(), line),
            Stream::Err => write_to(&mut io::stderr().lock(), line),
        };
        if let Err(error) = written {
            *state.of(stream) = Some(stopped_by(&error));
        }
    }
    end_if_stopped(state, stream);
}

fn write_to(out: &mut impl Write, line: fmt::Arguments<'_>) -> io::Result<()> {
    out.write_fmt(line)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Records that writing `stream` failed with `error` (the caller wrote to
/// it some other way, as clap prints `--help`), and ends the program unless
/// it holds a [`Hold`].
pub fn failed(stream: Stream, error: &io::Error) {
    let mut state = state();
    state.of(stream).get_or_insert_with(|| stopped_by(error));
    end_if_stopped(state, stream);
}

/// Ends the program if `stream` has stopped and nothing holds it.
fn end_if_stopped(mut state: MutexGuard<'static, State>, stream: Stream) {
    if state.holds == 0 {
        if let Some(stopped) = state.of(stream).clone() {
            drop(state);
            end(stream, &stopped);
        }
    }
}

/// What a failed write means: a closed pipe, or a failure.
fn stopped_by(error: &io::Error) -> Stopped {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Stopped::Closed
    } else {
        Stopped::Failed(error.to_string())
    }
}

/// Ends the process as `stopped`, what became of `stream`, says: quietly
/// after a closed pipe, with exit code 1 (and a message, if standard error
/// still works) otherwise.
fn end(stream: Stream, stopped: &Stopped) -> ! {
    match stopped {
        Stopped::Closed => end_by_broken_pipe(),
        Stopped::Failed(reason) => {
            if stream == Stream::Out {
                // Nothing is left to do if this fails too.
                let _ = writeln!(
                    io::stderr(),
                    "error: cannot write to {stream}: {reason}"
                );
            }
            std::process::exit(1)
        }
    }
}

/// Ends the process as the reader of its pipe expects: killed by
/// `SIGPIPE`, which Rust otherwise ignores.
fn end_by_broken_pipe() -> ! {
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE and raising it in the
    // process itself have no preconditions; the default action ends it.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    std::process::exit(0)
}

/// `Err` once a write to standard output or error has failed (not merely
/// found its pipe closed): the run has failed, and no file may be written
/// after that. [`write_atomically`](super::output::write_atomically) asks
/// before every file.
pub fn check() -> Result<(), StreamFailed> {
    match state().stopped() {
        Some((stream, Stopped::Failed(reason))) => {
            Err(StreamFailed { stream, reason })
        }
        _ => Ok(()),
    }
}

/// While alive, a failed write does not end the program at once: it has
/// files to write (or folders to remove) first. See rule 3 of
/// [the module](crate::programs::console).
#[derive(Debug)]
#[must_use = "the hold ends when it is dropped"]
pub struct Hold(());

impl Hold {
    /// Holds the program's end until the hold is dropped.
    pub fn new() -> Self {
        state().holds += 1;
        Self(())
    }
}

impl Default for Hold {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        // The program ends at its next write or when `finish` is called,
        // not here: an error on its way to `run_main` must still be shown.
        state().holds -= 1;
    }
}

/// The exit code of a program whose body has ended, successfully or not
/// (its error already reported): flushes standard output, then, after a
/// successful body, fails with code 1 if a write failed, or ends quietly
/// if a pipe closed. A failed body keeps its code 1.
pub fn finish(succeeded: bool) -> ExitCode {
    if let Err(error) = io::stdout().lock().flush() {
        state().out.get_or_insert_with(|| stopped_by(&error));
    }
    if !succeeded {
        return ExitCode::FAILURE;
    }
    let stopped = state().stopped();
    match stopped {
        Some((stream, stopped)) => end(stream, &stopped),
        None => ExitCode::SUCCESS,
    }
}
