//! Helpers shared by the integration tests: running the crate's programs and
//! reading what they print ([`run`], [`measure`], [`summaries`], [`charts`]),
//! files and folders ([`files`]), building the book ([`book`]) and a static web
//! server ([`http`]).

#![allow(dead_code)]

pub mod book;
pub mod files;
pub mod http;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

/// Runs the main program, `train`, with `args`.
pub fn train(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_train"))
        .args(args)
        .output()
        .expect("the program starts")
}

/// The standard output of a run of the main program that must succeed.
pub fn train_ok(args: &[&str]) -> String {
    run(env!("CARGO_BIN_EXE_train"), args)
}

/// The error of a run of the main program that must fail with `code`: one
/// line, and never a panic.
pub fn train_error(args: &[&str], code: i32) -> String {
    error_of(env!("CARGO_BIN_EXE_train"), args, code)
}

/// The error of a run of `program` with `args` that must fail with `code`:
/// one line, and never a panic.
pub fn error_of(program: &str, args: &[&str], code: i32) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let run = format!("{program} {args:?}");
    assert_eq!(output.status.code(), Some(code), "{run}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{run}: one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{run}: {stderr}");
    stderr
}

/// Starts `command` with its standard output piped, reads the first line
/// of it and closes the pipe, as `command | head -1` does; returns the
/// running child and the line.
pub fn first_line_then_close(command: &mut Command) -> (Child, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("a piped output"))
        .read_line(&mut first)
        .expect("a line of output");
    (child, first)
}

/// Runs one of the package's binaries and returns its standard output; panics with its
/// standard error if it fails.
pub fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("programs print UTF-8")
}

/// Whether this run is CI's (`CI=true`, as `.ci/run` sets it): CI installs
/// everything the tests need, so there no test may skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says that a test cannot run here and why, on both outputs (`cargo test`
/// shows them for a failing test or with `--nocapture`; `scripts/test` names
/// the skips it foresees before it runs the tests). Under CI it fails
/// instead. The caller returns after it.
pub fn skip(reason: &str) {
    assert!(
        !in_ci(),
        "{reason}: CI installs it, so there the test fails"
    );
    println!("SKIPPED: {reason}");
    eprintln!("SKIPPED: {reason}");
}

/// A chart of the book as `charts --list` names it: the program's one list of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// The name `--only` takes.
    pub name: String,
    /// The file it is drawn into.
    pub file: String,
    /// Whether it shows measured times, so that it differs on every run.
    pub measured: bool,
}

/// Every chart the `charts` program draws, in its order.
pub fn charts() -> Vec<Chart> {
    let listed = run(env!("CARGO_BIN_EXE_charts"), &["--list"]);
    let charts: Vec<Chart> = listed
        .lines()
        .map(|line| match line.split(' ').collect::<Vec<_>>()[..] {
            [name, file, kind @ ("drawn" | "measured")] => Chart {
                name: name.to_string(),
                file: file.to_string(),
                measured: kind == "measured",
            },
            _ => panic!("charts --list printed {line:?}"),
        })
        .collect();
    assert!(!charts.is_empty(), "charts --list printed nothing");
    charts
}

/// The numbers after `Final weight W:`, `Final bias b:` and `Loss history:`, as an
/// exercise prints them.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub w: Vec<f64>,
    pub b: f64,
    pub losses: Vec<f64>,
}

/// Every summary in a program's output, in the order printed.
pub fn summaries(text: &str) -> Vec<Summary> {
    let value = |prefix: &str| -> Vec<String> {
        text.lines()
            .filter_map(|line| line.strip_prefix(prefix))
            .map(|rest| rest.trim().to_string())
            .collect()
    };
    let list = |s: &str| -> Vec<f64> {
        s.trim()
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|v| {
                v.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("not a number: {v:?}"))
            })
            .collect()
    };
    // The loss history may wrap onto the following lines, up to its `]`.
    let histories: Vec<String> = text
        .match_indices("Loss history:")
        .map(|(at, label)| {
            let rest = &text[at + label.len()..];
            rest[..=rest.find(']').expect("a closing ]")].replace('\n', " ")
        })
        .collect();
    let (ws, bs, ls) =
        (value("Final weight W:"), value("Final bias b:"), histories);
    assert!(
        ws.len() == bs.len() && bs.len() == ls.len(),
        "incomplete summary in:\n{text}"
    );
    ws.iter()
        .zip(&bs)
        .zip(&ls)
        .map(|((w, b), l)| Summary {
            w: list(w),
            b: b.parse().expect("bias is a number"),
            losses: list(l),
        })
        .collect()
}

/// What a program did when it ran: exit code, output and time.
#[derive(Debug)]
pub struct Measured {
    /// The exit code (`None` if a signal ended it, as when it ran out of memory).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: std::time::Duration,
}

impl Measured {
    /// Checks that the run failed with exit code 1 and one line of error
    /// that contains each of `expected`.
    pub fn assert_refused(&self, expected: &[&str]) {
        self.assert_error(1, expected);
    }

    /// Checks that the run failed with exit code `code` and one line of
    /// error that contains each of `expected`.
    pub fn assert_error(&self, code: i32, expected: &[&str]) {
        assert_eq!(self.code, Some(code), "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "{}", self.stderr);
        for needle in expected {
            assert!(
                self.stderr.contains(needle),
                "{needle:?} not in {}",
                self.stderr
            );
        }
    }
}

/// The most memory a program run by [`measure`] may allocate: 200 MB, the bound
/// for runs on hostile inputs. The main program on the bundled data needs about 140.
pub const MEMORY_LIMIT: u64 = 200_000_000;

/// Runs `program` with `args` and measures it. Its data segment is limited to
/// [`MEMORY_LIMIT`] bytes (`RLIMIT_DATA`, which counts every heap allocation, touched or
/// not): a run that would take more is ended by the allocator, with no exit code. (Its
/// peak memory cannot be read afterwards: Linux's `ru_maxrss` of a child includes the
/// memory of the test process it was forked from.)
pub fn measure(program: &str, args: &[&str]) -> Measured {
    let mut command = Command::new(program);
    command.args(args);
    measure_command(command)
}

/// [`measure`] for a command set up by the caller.
pub fn measure_command(mut command: Command) -> Measured {
    use std::os::unix::process::CommandExt;
    let started = std::time::Instant::now();
    let program = command.get_program().to_string_lossy().into_owned();
    // SAFETY: setrlimit is async-signal-safe and touches nothing but the child's limits.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: MEMORY_LIMIT as libc::rlim_t,
                rlim_max: MEMORY_LIMIT as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    Measured {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// The entries of a folder with their content (or link target) and permissions: equal
/// before and after a run that must change nothing there.
pub fn snapshot(dir: &std::path::Path) -> Vec<(String, String, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let content = if meta.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(&path).unwrap().display())
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                format!("{} bytes, {:x}", bytes.len(), checksum(&bytes))
            } else {
                "(not a regular file)".to_string()
            };
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                content,
                meta.permissions().mode(),
            )
        })
        .collect();
    entries.sort();
    entries
}

/// A cheap checksum (FNV-1a) to tell file contents apart.
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}
