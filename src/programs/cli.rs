//! Pieces shared by the command-line programs: argument parsers and error reporting.
//! The numeric core does not use this module.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

use crate::DEFAULT_SEED;

/// Lets the program end quietly when the reader of its output goes away, as in
/// `cargo run --release | head -3`, like every Unix command-line tool.
///
/// Rust ignores `SIGPIPE`, so after the reader has gone `println!` fails and panics with
/// "failed printing to stdout". Restoring the default action ends the process at that
/// point instead, without a message. Call it first in `main`.
pub fn end_quietly_on_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: setting the disposition of SIGPIPE to its default before any other thread
    // exists has no preconditions; `signal` only fails for invalid signal numbers.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Parses `A,B` into two class labels, e.g. `0,1` (digit 0 becomes target 0, digit 1 target 1).
pub fn parse_classes(text: &str) -> Result<(u8, u8), String> {
    let (a, b) = text.split_once(',').ok_or_else(|| {
        format!(
            "expected two labels separated by a comma, like 0,1, got {text:?}"
        )
    })?;
    let label = |s: &str| {
        s.trim().parse::<u8>().map_err(|_| {
            format!("{s:?} is not a class label (a whole number from 0 to 255)")
        })
    };
    let classes = (label(a)?, label(b)?);
    if classes.0 == classes.1 {
        return Err(format!(
            "the two classes must differ, got {} twice",
            classes.0
        ));
    }
    Ok(classes)
}

/// Parses a learning rate: a finite number greater than 0.
pub fn parse_learning_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(lr) if lr.is_finite() && lr > 0.0 => Ok(lr),
        Ok(lr) => Err(format!(
            "the learning rate must be a finite number greater than 0, got {lr:?}"
        )),
        Err(_) => Err(format!("{text:?} is not a number")),
    }
}

/// Parses a count that must be at least 1 (batch size, epochs, limit).
pub fn parse_positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1, got 0".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// An error and its causes on one line, `outer: inner: innermost`, leaving out a cause
/// whose text the line already holds (many of our errors quote their cause themselves).
fn one_line(error: &anyhow::Error) -> String {
    let mut line = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !line.contains(&cause) {
            line = format!("{line}: {cause}");
        }
    }
    line
}

/// Runs a program's body: first makes a closed pipe end the program quietly, then turns
/// an error into one line on standard error and exit code 1, so that no error reaches the
/// user as a panic or a debug dump. Use it as `fn main() -> ExitCode { run_main(|| …) }`.
pub fn run_main(body: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    end_quietly_on_broken_pipe();
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

/// The one flag every exercise takes.
#[derive(Parser)]
struct ExerciseArgs {
    /// Seed of the generator that shuffles the samples each epoch.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
}

/// Starts an exercise program: ends it quietly on a closed pipe, reads its
/// only flag, `--seed N` (default [`DEFAULT_SEED`]), prints what the exercise
/// runs (`about`, which `--help` also shows) with the seed, and returns the
/// seed. Bad flags print clap's usage message and exit with code 2.
pub fn start_exercise(about: &'static str) -> u64 {
    end_quietly_on_broken_pipe();
    let matches = ExerciseArgs::command().about(about).get_matches();
    let seed = ExerciseArgs::from_arg_matches(&matches)
        .map_or_else(|e| e.exit(), |args| args.seed);
    println!("{about}; shuffling seed {seed}\n");
    seed
}
