//! Pieces shared by the command-line programs: argument parsers and error reporting.
//! The numeric core does not use this module.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser};

use crate::data::DataError;
use crate::{DEFAULT_SEED, Schedule};

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

/// Parses a learning-rate decay: a finite number of at least 0 (see
/// [`Schedule::InverseTime`]).
pub fn parse_decay(text: &str) -> Result<f64, String> {
    let decay = text
        .parse::<f64>()
        .map_err(|_| format!("{text:?} is not a number"))?;
    let schedule = Schedule::InverseTime { decay };
    schedule.validate().map_err(|e| e.to_string())?;
    Ok(decay)
}

/// Parses the share of the training set held out for validation: a number
/// strictly between 0 and 1.
pub fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if f > 0.0 && f < 1.0 => Ok(f),
        Ok(f) => Err(DataError::ValidationFraction(f).to_string()),
        Err(_) => Err(format!("{text:?} is not a number")),
    }
}

/// Parses the seed of a random generator: a whole number from 0 to 2^64 − 1.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse::<u64>().map_err(|_| {
        format!(
            "{text:?} is not a seed: give a whole number from 0 to {}",
            u64::MAX
        )
    })
}

/// Parses the path of a chart to draw: the charts are SVG, so the name must
/// end in `.svg`, never a `.png` that would hold SVG text.
pub fn parse_svg_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    match path.extension() {
        Some(e) if e.eq_ignore_ascii_case("svg") => Ok(path),
        _ => Err(format!(
            "the chart is drawn as SVG: give a file name ending in .svg, such as loss.svg, got {text:?}"
        )),
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

/// The program's flags, parsed from its command line; a bad command line is
/// reported by [`exit_on_bad_flags`].
pub fn parse_args<T: Parser>() -> T {
    T::try_parse().unwrap_or_else(|e| exit_on_bad_flags(e))
}

/// Reports a bad command line on one line of standard error, as every other
/// error of the programs is, and exits with code 2: clap's message without
/// its usage block, its tips kept. `--help` and `--version` print as usual.
pub fn exit_on_bad_flags(error: clap::Error) -> ! {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit();
    }
    eprintln!("{}", one_line_usage_error(&error.render().to_string()));
    std::process::exit(2);
}

/// clap's rendered error text as one line: the first paragraph (the error)
/// and any `tip:` paragraph, each joined into one line, then "see --help".
fn one_line_usage_error(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect();
    let mut parts: Vec<&str> = paragraphs
        .iter()
        .enumerate()
        .filter(|(i, p)| *i == 0 || p.starts_with("tip:"))
        .map(|(_, p)| p.as_str())
        .collect();
    parts.push("see --help");
    parts.join("; ")
}

/// The one flag every exercise takes.
#[derive(Parser)]
struct ExerciseArgs {
    /// Seed of the generator that shuffles the samples each epoch.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEED,
          value_parser = parse_seed, allow_hyphen_values = true)]
    seed: u64,
}

/// Starts an exercise program: ends it quietly on a closed pipe, reads its
/// only flag, `--seed N` (default [`DEFAULT_SEED`]), prints what the exercise
/// runs (`about`, which `--help` also shows) with the seed, and returns the
/// seed. Bad flags print one line and exit with code 2.
pub fn start_exercise(about: &'static str) -> u64 {
    end_quietly_on_broken_pipe();
    let seed = ExerciseArgs::command()
        .about(about)
        .try_get_matches()
        .and_then(|matches| ExerciseArgs::from_arg_matches(&matches))
        .map_or_else(|e| exit_on_bad_flags(e), |args| args.seed);
    println!("{about}; shuffling seed {seed}\n");
    seed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_become_one_line_with_their_tips() {
        let clap_text = "error: unexpected argument '--forse' found\n\n  \
            tip: a similar argument exists: '--force'\n\nUsage: train --force\n\n\
            For more information, try '--help'.\n";
        assert_eq!(
            one_line_usage_error(clap_text),
            "error: unexpected argument '--forse' found; tip: a similar \
             argument exists: '--force'; see --help"
        );
        let missing = "error: the following required arguments were not provided:\n  \
            --from <DIR>\n\nUsage: mnist_subset --from <DIR>\n";
        assert_eq!(
            one_line_usage_error(missing),
            "error: the following required arguments were not provided: --from <DIR>; see --help"
        );
    }

    #[test]
    fn seeds_and_chart_names() {
        assert_eq!(parse_seed("7"), Ok(7));
        assert!(parse_seed("-1").unwrap_err().contains("not a seed"));
        assert!(parse_svg_path("a/b.SVG").is_ok());
        assert!(
            parse_svg_path("c.png")
                .unwrap_err()
                .contains("ending in .svg")
        );
    }
}
