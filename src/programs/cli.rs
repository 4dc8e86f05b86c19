//! Pieces shared by the command-line programs: argument parsers and error reporting
//! (with [`console`] for what they print). The numeric core does not use this module.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser};

use super::console::{self, Stream};
use crate::data::{DataError, Setting};
use crate::{DEFAULT_SEED, Schedule, note, say};

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
    let path = parse_output_path(text)?;
    match path.extension() {
        Some(e) if e.eq_ignore_ascii_case("svg") => Ok(path),
        _ => Err(format!(
            "the chart is drawn as SVG: give a file name ending in .svg, such as loss.svg, got {text:?}"
        )),
    }
}

/// The most repetitions a flag asks for (epochs, repeats, rounds): ten
/// million, more epochs than a day of training; a program may keep one
/// `f64` per repetition (a loss per epoch, a time per repeat), which costs
/// at most 80 MB.
pub const MAX_COUNT: usize = 10_000_000;

/// Parses a number of repetitions from 1 to [`MAX_COUNT`] (epochs, repeats,
/// rounds, and `epoch_times`'s batch sizes).
pub fn parse_positive(text: &str) -> Result<usize, String> {
    parse_count(text, 1, MAX_COUNT)
}

/// Parses a number of images (a batch size, a limit) from 1 to the most an
/// IDX header can declare, 2³² − 1: a batch size above the set's size is
/// one batch of all of it, a limit above it keeps everything.
pub fn parse_images(text: &str) -> Result<usize, String> {
    parse_count(text, 1, u32::MAX as usize)
}

/// Parses a whole number from `min` to `max`; the message says which bound
/// a number outside them passes.
pub fn parse_count(
    text: &str,
    min: usize,
    max: usize,
) -> Result<usize, String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{text:?} is not a whole number from {min} to {max}"
        ));
    }
    match text.parse::<usize>() {
        Ok(n) if n < min => Err(format!("must be at least {min}, got {n}")),
        Ok(n) if n <= max => Ok(n),
        _ if text.starts_with('-') => {
            Err(format!("must be at least {min}, got {text}"))
        }
        _ => Err(format!("must be at most {max}, got {text}")),
    }
}

/// Parses an amount of memory: a number and its unit, `B`, `kB`, `MB`,
/// `GB`, `TB` (powers of 1000) or `KiB`, `MiB`, `GiB`, `TiB` (powers of
/// 1024), such as `4GiB` or `1.5GB`.
pub fn parse_memory(text: &str) -> Result<u64, String> {
    let units: [(&str, u64); 9] = [
        ("kib", 1 << 10),
        ("mib", 1 << 20),
        ("gib", 1 << 30),
        ("tib", 1 << 40),
        ("kb", 1_000),
        ("mb", 1_000_000),
        ("gb", 1_000_000_000),
        ("tb", 1_000_000_000_000),
        ("b", 1),
    ];
    let lower = text.trim().to_ascii_lowercase();
    let wrong = || {
        format!(
            "{text:?} is not an amount of memory: give a number and its unit, such as 4GiB, \
             1.5GB or 512MiB"
        )
    };
    let (number, unit) = units
        .iter()
        .find_map(|&(unit, bytes)| Some((lower.strip_suffix(unit)?, bytes)))
        .ok_or_else(wrong)?;
    match number.trim().parse::<f64>() {
        Ok(n)
            if n.is_finite()
                && n >= 0.0
                && n * unit as f64 <= u64::MAX as f64 =>
        {
            Ok((n * unit as f64) as u64)
        }
        _ => Err(wrong()),
    }
}

/// Parses the path of a file or folder to write. `-`, which many tools
/// read as standard output, is refused: standard output carries the
/// report, and a file named `-` is rarely what was meant (`./-` names one).
pub fn parse_output_path(text: &str) -> Result<PathBuf, String> {
    if text == "-" {
        return Err("\"-\" is not standard output here, which carries the \
             report: give a path (./- for one named -)"
            .to_string());
    }
    Ok(PathBuf::from(text))
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

/// Runs a program's body: turns an error into one line on standard error
/// and exit code 1, so that no error reaches the user as a panic or a debug
/// dump, and ends as [`console::finish`] says when writing the output
/// failed. Use it as `fn main() -> ExitCode { run_main(|| …) }`.
pub fn run_main(body: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    let result = body();
    if let Err(error) = &result {
        note!("error: {}", one_line(error));
    }
    console::finish(result.is_ok())
}

/// The program's flags, parsed from its command line; a bad command line is
/// reported by [`exit_on_bad_flags`].
///
/// A negative number after a flag goes to the flag's own parser, so that
/// `--epochs -1` is answered about the value, not as an unknown flag `-1`.
/// (A flag that takes words starting with `-`, such as `--lr -inf`, says so
/// with `allow_hyphen_values`.)
pub fn parse_args<T: Parser>() -> T {
    T::command()
        .mut_args(|arg| {
            if arg.get_action().takes_values() {
                arg.allow_negative_numbers(true)
            } else {
                arg
            }
        })
        .try_get_matches()
        .and_then(|matches| T::from_arg_matches(&matches))
        .unwrap_or_else(|e| exit_on_bad_flags(e))
}

/// Reports a bad command line on one line of standard error, as every other
/// error of the programs is, and exits with code 2: clap's message without
/// its usage block, its tips kept. `--help` and `--version` print as usual,
/// and exit with code 0 only if what they print could be written.
pub fn exit_on_bad_flags(error: clap::Error) -> ! {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // clap writes the help itself (in colour on a terminal).
        let printed = error
            .print()
            .and_then(|()| std::io::stdout().lock().flush());
        if let Err(failure) = printed {
            console::failed(Stream::Out, &failure);
        }
        std::process::exit(0);
    }
    // The code says that the command line was bad, even if standard error
    // cannot say more.
    let line = one_line_usage_error(&error.render().to_string());
    let _ = writeln!(std::io::stderr(), "{line}");
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

/// Starts an exercise program: reads its only flag, `--seed N` (default
/// [`DEFAULT_SEED`]), prints what the exercise runs (`about`, which `--help`
/// also shows) with the seed, and returns the seed. Bad flags print one
/// line and exit with code 2.
pub fn start_exercise(about: &'static str) -> u64 {
    let seed = ExerciseArgs::command()
        .about(about)
        .try_get_matches()
        .and_then(|matches| ExerciseArgs::from_arg_matches(&matches))
        .map_or_else(|e| exit_on_bad_flags(e), |args| args.seed);
    say!("{about}; shuffling seed {seed}\n");
    seed
}

/// Runs an exercise program: [`start_exercise`] with `about`, then
/// `solution` with the seed, then "Your turn": the heading of the
/// exercise's `(number, task)` and what `your_turn` says of the reader's
/// code with the seed. An error is reported as [`run_main`] does.
pub fn exercise(
    about: &'static str,
    (number, task): (u8, &str),
    solution: impl FnOnce(u64) -> anyhow::Result<()>,
    your_turn: impl FnOnce(u64) -> anyhow::Result<String>,
) -> ExitCode {
    let seed = start_exercise(about);
    run_main(|| {
        solution(seed)?;
        say!("{}", super::your_turn::heading(number, task));
        say!("{}", your_turn(seed)?);
        Ok(())
    })
}

/// A [`DataError`] with the program's flag for the [`Setting`] it is about
/// in front, as in `--limit: class 1 has no samples among …`; `flag` names a
/// program's flags (`None` for a setting it has no flag for). Other errors
/// are left as they are.
pub fn name_flag(
    error: anyhow::Error,
    flag: impl Fn(Setting) -> Option<&'static str>,
) -> anyhow::Error {
    let setting = error
        .downcast_ref::<DataError>()
        .and_then(DataError::setting);
    match setting.and_then(flag) {
        Some(flag) => error.context(flag),
        None => error,
    }
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
    fn amounts_of_memory_with_their_units() {
        assert_eq!(parse_memory("4GiB"), Ok(4 << 30));
        assert_eq!(parse_memory("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_memory("512 MiB"), Ok(512 << 20));
        assert_eq!(parse_memory("100b"), Ok(100));
        for bad in ["4", "GiB", "-1GB", "nanGB", "1e30TB", "4 GiBs"] {
            assert!(parse_memory(bad).is_err(), "{bad}");
        }
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
