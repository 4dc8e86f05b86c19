//! Every program, run as a careless or hostile user would run it: with its
//! standard output or error on a full device, with its reader gone, with
//! counts that overflow, killed in the middle of writing a folder. None may
//! panic (exit code 101), lose an error, or leave a file damaged; see
//! `src/programs/console.rs` for the rules these tests hold them to.

mod common;

use std::fs::{self, File};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::files::{ZEROS, gzip, temp_dir, zeros_member};
use neural_network::programs::checksum::read_sums;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");

/// A program and a quick run of it that succeeds and prints, writing its
/// files (if it writes any) into the folder it is given.
struct Program {
    name: &'static str,
    path: &'static str,
    /// The flags of the quick run, given the scratch folder for its files.
    quick: fn(&Path) -> Vec<String>,
    /// The files the quick run writes into the scratch folder.
    writes: &'static [&'static str],
}

/// A [`Program`] named `$name`, whose quick run passes `$flag`s and, with
/// `writes`, the path of `$file` in the scratch folder after them.
macro_rules! program {
    ($name:literal, [$($flag:expr),* $(,)?]) => {
        Program {
            name: $name,
            path: env!(concat!("CARGO_BIN_EXE_", $name)),
            quick: |_| args(&[$($flag),*]),
            writes: &[],
        }
    };
    ($name:literal, [$($flag:expr),* $(,)?], writes $file:literal) => {
        Program {
            name: $name,
            path: env!(concat!("CARGO_BIN_EXE_", $name)),
            quick: |out| {
                let mut flags = args(&[$($flag),*]);
                flags.push(in_(out, $file));
                flags
            },
            writes: &[$file],
        }
    };
}

/// Every program of the package, in Cargo.toml's order.
const PROGRAMS: &[Program] = &[
    program!(
        "train",
        ["--limit", "200", "--epochs", "2", "--save-weights"],
        writes "w.json"
    ),
    program!("exercise_1", []),
    program!("exercise_2", []),
    program!("exercise_3", []),
    program!("exercise_4", []),
    program!("charts", ["--only", "batch-sizes", "--out-dir"], writes "charts"),
    program!(
        "epoch_times",
        [
            "--epochs",
            "1",
            "--floor-repeats",
            "1",
            "--batch-sizes",
            "full"
        ]
    ),
    program!(
        "mnist_subset",
        ["--from", DATA, "--limit", "300", "--out"],
        writes "subset"
    ),
    program!(
        "sweep",
        [
            "--data-dir", DATA, "--classes", "0,1", // the data
            "--batch-sizes", "full", "--learning-rates", "0.5", // the grid
            "--seeds", "1", "--epochs", "1", "--steps", "none", // the budget
            "--out",
        ],
        writes "sweep"
    ),
];

/// Programs that write their files as they go, before they print: the
/// sweep writes each run's rows to its tables when the run ends (so that an
/// interruption loses nothing), and prints its report last. A failed print
/// then leaves those tables whole, and the run resumable.
const WRITES_BEFORE_PRINTING: &[&str] = &["sweep"];

/// Programs of the package that these tests do not run, and why: none
/// since the downloader went.
const NOT_RUN_HERE: &[(&str, &str)] = &[];

fn args(flags: &[&str]) -> Vec<String> {
    flags.iter().map(|f| f.to_string()).collect()
}

fn in_(folder: &Path, name: &str) -> String {
    folder.join(name).to_str().unwrap().to_string()
}

/// Runs `program` with `args`, standard input empty, standard output and
/// error as given.
impl Program {
    /// Runs the quick run with its files in `scratch` and its outputs to
    /// `out` and `err`.
    fn run_quick(&self, scratch: &Path, out: Stdio, err: Stdio) -> Output {
        run(self.path, &(self.quick)(scratch), out, err)
    }
}

fn run(program: &str, args: &[String], out: Stdio, err: Stdio) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"))
}

/// A handle on the full device, where every write fails with "No space
/// left on device".
fn full() -> Stdio {
    Stdio::from(File::options().write(true).open("/dev/full").unwrap())
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The entries a folder holds, sorted.
fn entries(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_program_of_the_package_is_run_here() {
    let manifest =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
            .unwrap();
    let bins: Vec<&str> = manifest
        .split("[[bin]]")
        .skip(1)
        .filter_map(|section| {
            let line = section.lines().find(|l| l.starts_with("name = "))?;
            Some(line.trim_start_matches("name = ").trim_matches('"'))
        })
        .collect();
    assert!(bins.contains(&"train"), "{bins:?}");
    for bin in bins {
        assert!(
            PROGRAMS.iter().any(|p| p.name == bin)
                || NOT_RUN_HERE.iter().any(|(name, _)| *name == bin),
            "{bin} is a program of Cargo.toml missing from PROGRAMS"
        );
    }
}

#[test]
fn every_quick_run_succeeds_and_writes_its_files() {
    for program in PROGRAMS {
        let scratch = temp_dir();
        let output =
            program.run_quick(scratch.path(), Stdio::piped(), Stdio::piped());
        assert!(
            output.status.success(),
            "{}: {}",
            program.name,
            stderr(&output)
        );
        assert!(
            !output.stdout.is_empty(),
            "{} printed nothing",
            program.name
        );
        assert_eq!(entries(scratch.path()), program.writes, "{}", program.name);
    }
}

#[test]
fn a_full_standard_output_is_an_error_and_no_file_is_written() {
    for program in PROGRAMS {
        let scratch = temp_dir();
        let output = program.run_quick(scratch.path(), full(), Stdio::piped());
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{}: {stderr}", program.name);
        assert_eq!(stderr.lines().count(), 1, "{}: {stderr}", program.name);
        if WRITES_BEFORE_PRINTING.contains(&program.name) {
            assert!(
                stderr.contains("error: cannot write to standard output"),
                "{}: {stderr}",
                program.name
            );
            assert_eq!(entries(scratch.path()), program.writes);
            continue;
        }
        let expected = if program.writes.is_empty() {
            "error: cannot write to standard output: No space left on device (os error 28)"
        } else {
            // It carried on to its files, and refused to write them.
            "not written: standard output could not be written (No space left on device \
             (os error 28)), so the run has failed"
        };
        assert!(stderr.contains(expected), "{}: {stderr}", program.name);
        if let Some(file) = program.writes.first() {
            let file = in_(scratch.path(), file);
            assert!(stderr.contains(&file), "{}: {stderr}", program.name);
        }
        assert!(entries(scratch.path()).is_empty(), "{}", program.name);
    }
}

#[test]
fn a_full_standard_error_ends_with_the_error_code_never_a_panic() {
    for program in PROGRAMS {
        let scratch = temp_dir();
        // A bad command line still exits with code 2.
        let bad = run(
            program.path,
            &args(&["--no-such-flag"]),
            Stdio::piped(),
            full(),
        );
        assert_eq!(bad.status.code(), Some(2), "{}", program.name);
        // A quick run that succeeds, with nothing to say on standard error.
        let ok = program.run_quick(scratch.path(), Stdio::null(), full());
        assert_eq!(ok.status.code(), Some(0), "{}", program.name);
    }
    // A run that fails: its error cannot be shown, its exit code still is.
    let failed = run(
        env!("CARGO_BIN_EXE_train"),
        &args(&["--data-dir", "/nonexistent"]),
        Stdio::piped(),
        full(),
    );
    assert_eq!(failed.status.code(), Some(1));
}

#[test]
fn help_into_a_full_device_fails_and_help_into_a_pipe_works() {
    for program in PROGRAMS {
        let output =
            run(program.path, &args(&["--help"]), full(), Stdio::piped());
        assert_eq!(output.status.code(), Some(1), "{}", program.name);
        assert_eq!(
            stderr(&output),
            "error: cannot write to standard output: No space left on device (os error 28)\n",
            "{}",
            program.name
        );
        let output = run(
            program.path,
            &args(&["--help"]),
            Stdio::piped(),
            Stdio::piped(),
        );
        assert_eq!(output.status.code(), Some(0), "{}", program.name);
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage: "),
            "{}",
            program.name
        );
    }
}

#[test]
fn a_closed_standard_output_ends_quietly_after_the_files_are_written() {
    for program in PROGRAMS {
        let scratch = temp_dir();
        let mut child = Command::new(program.path)
            .args((program.quick)(scratch.path()))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the program writes anything.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let status = output.status;
        assert!(
            status.success() || status.signal() == Some(libc::SIGPIPE),
            "{} ended with {status}: {}",
            program.name,
            stderr(&output)
        );
        assert_eq!(stderr(&output), "", "{}", program.name);
        assert_eq!(entries(scratch.path()), program.writes, "{}", program.name);
    }
}

#[test]
fn weights_are_written_even_when_the_reader_left_after_the_first_line() {
    let scratch = temp_dir();
    let weights = scratch.path().join("w.json");
    // As `train --save-weights w.json | head -1` does.
    let (mut child, _) = common::first_line_then_close(
        Command::new(env!("CARGO_BIN_EXE_train")).args([
            "--epochs",
            "20",
            "--save-weights",
            weights.to_str().unwrap(),
        ]),
    );
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status}");
    let json = fs::read_to_string(&weights).unwrap();
    assert!(json.starts_with("{\n  \"classes\": [0, 1],"), "{json}");
    assert!(json.trim_end().ends_with('}'), "{json}");
}

/// The count flags of each program, beside one more flag that makes the
/// run quick should a value be accepted.
const COUNT_FLAGS: &[(&str, &[&str])] = &[
    (
        env!("CARGO_BIN_EXE_train"),
        &["--epochs", "--batch-size", "--limit"],
    ),
    (
        env!("CARGO_BIN_EXE_epoch_times"),
        &["--epochs", "--floor-repeats", "--rounds", "--batch-sizes"],
    ),
    (env!("CARGO_BIN_EXE_mnist_subset"), &["--limit"]),
    (
        env!("CARGO_BIN_EXE_sweep"),
        &["--epochs", "--threads", "--time-epochs"],
    ),
];

#[test]
fn counts_out_of_range_are_refused_by_the_parser_naming_the_flag() {
    for &(program, flags) in COUNT_FLAGS {
        for &flag in flags {
            for value in [
                "18446744073709551615",
                "1099511627776",
                "99999999999999999999999",
                "-1",
                "0",
            ] {
                let stderr = common::error_of(program, &[flag, value], 2);
                assert!(
                    stderr.contains(&format!(
                        "invalid value '{value}' for '{flag} <"
                    )) && (stderr.contains("must be at most")
                        || stderr.contains("must be at least 1")),
                    "{program} {flag} {value}: {stderr}"
                );
            }
        }
    }
    for program in PROGRAMS.iter().filter(|p| p.name.starts_with("exercise")) {
        let output = Command::new(program.path)
            .args(["--seed", "18446744073709551616"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", program.name);
        assert!(
            stderr(&output).contains("is not a seed"),
            "{}",
            program.name
        );
    }
}

#[test]
fn the_largest_batch_size_is_one_batch_of_the_whole_set() {
    let text = common::run(
        env!("CARGO_BIN_EXE_train"),
        &[
            "--limit",
            "200",
            "--epochs",
            "1",
            "--batch-size",
            "4294967295",
        ],
    );
    assert!(
        text.contains("batch size 200 (the whole training set; --batch-size 4294967295 is larger)"),
        "{text}"
    );
}

/// The five files `mnist_subset` writes into a folder, and whether they
/// agree with each other: every data file's SHA-256 is the one the
/// folder's `SHA256SUMS` lists.
fn consistent(folder: &Path) -> bool {
    let listed = read_sums(&folder.join("SHA256SUMS")).unwrap();
    assert_eq!(listed.len(), 4, "{listed:?}");
    listed.iter().all(|(name, sum)| {
        let gz = fs::read(folder.join(format!("{name}.gz"))).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&gz[..]),
            &mut bytes,
        )
        .unwrap();
        neural_network::programs::checksum::hex_sha256(&bytes) == *sum
    })
}

#[test]
fn a_folder_of_data_killed_while_written_is_all_old_or_all_new() {
    let scratch = temp_dir();
    let out = scratch.path().join("data");
    let subset = |limit: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mnist_subset"));
        command
            .args(["--from", DATA, "--limit", limit, "--out"])
            .arg(&out)
            .stdout(Stdio::null());
        command
    };
    assert!(subset("10000").status().unwrap().success());
    fs::write(out.join("README.md"), "notes").unwrap();
    let old = fs::read(out.join("train-labels-idx1-ubyte.gz")).unwrap();
    // Killed ever later, until a run gets to its end: every folder left is
    // whole, the old one or the new one (of fewer images).
    let (mut killed, mut finished) = (0, false);
    let mut after = std::time::Duration::from_millis(20);
    while !finished {
        let mut child = subset("5000").spawn().unwrap();
        std::thread::sleep(after);
        finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(consistent(&out), "killed after {after:?}");
        assert_eq!(fs::read_to_string(out.join("README.md")).unwrap(), "notes");
        let labels = fs::read(out.join("train-labels-idx1-ubyte.gz")).unwrap();
        if finished {
            assert!(labels != old, "not replaced");
            break;
        }
        assert!(labels == old, "replaced, yet not finished");
        killed += 1;
        // What the killed run left beside the folder goes with the next run.
        assert!(
            entries(scratch.path()).len() <= 2,
            "{:?}",
            entries(scratch.path())
        );
        after = after * 4 / 3;
    }
    assert!(killed > 0, "no run was killed");
    // The main program reads the new folder.
    let text = common::run(
        env!("CARGO_BIN_EXE_train"),
        &["--data-dir", out.to_str().unwrap(), "--epochs", "1"],
    );
    assert!(text.contains("Training set: 5000 images"), "{text}");
    let after: Vec<PathBuf> = fs::read_dir(scratch.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        after,
        std::slice::from_ref(&out),
        "nothing left beside the folder"
    );
}

/// The files of the programs, where a `println!` would come back.
fn program_sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut folders = vec![root.join("src"), root.join("exercises")];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn no_program_prints_with_the_macros_that_panic() {
    let banned = ["println!", "print!", "eprintln!", "eprint!"];
    for file in program_sources() {
        let text = fs::read_to_string(&file).unwrap();
        // Unit tests may print; they run under the test harness.
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (number, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            for macro_name in banned {
                let found = line.match_indices(macro_name).any(|(at, _)| {
                    !line[..at]
                        .ends_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                assert!(
                    !found,
                    "{}:{}: {macro_name} panics when its stream fails: use say! or note!",
                    file.display(),
                    number + 1
                );
            }
        }
    }
}

/// A data directory whose files take 9 MB on disk and declare `images`
/// images of 28×28 pixels in each set: gzip members of zeros, which a
/// gigabyte of compresses to a megabyte, labelled 0 and 1 in turn; and a
/// `SHA256SUMS` for them (wrong, as it is never got to).
fn declared_huge(images: usize) -> tempfile::TempDir {
    use neural_network::data::{
        IMAGES_MAGIC, LABELS_MAGIC, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES,
        TRAIN_LABELS, encode_idx,
    };
    let dir = temp_dir();
    let (block, zeros) = (ZEROS, zeros_member());
    let pixels = images * 28 * 28;
    let mut file = gzip(&encode_idx(IMAGES_MAGIC, &[images, 28, 28], &[]));
    for _ in 0..pixels / block {
        file.extend_from_slice(zeros);
    }
    file.extend(gzip(&vec![0; pixels % block]));
    let labels: Vec<u8> = (0..images).map(|i| (i % 2) as u8).collect();
    let labels = gzip(&encode_idx(LABELS_MAGIC, &[images], &labels));
    let mut sums = String::new();
    for (images_name, labels_name) in
        [(TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)]
    {
        fs::write(dir.path().join(format!("{images_name}.gz")), &file).unwrap();
        fs::write(dir.path().join(format!("{labels_name}.gz")), &labels)
            .unwrap();
        for name in [images_name, labels_name] {
            sums.push_str(&format!("{}  {name}\n", "0".repeat(64)));
        }
    }
    fs::write(dir.path().join("SHA256SUMS"), sums).unwrap();
    dir
}

#[test]
fn a_huge_declared_data_set_is_refused_before_it_is_read() {
    // The file: 4.7 MB of gzip whose header declares 1,369,000 images,
    // which drove epoch_times to 16.8 GB and train to 12.6 GB.
    let dir = declared_huge(1_369_000);
    let data = dir.path().to_str().unwrap();
    let out = temp_dir();
    let subset = in_(out.path(), "subset");
    let cases: [(&str, Vec<&str>, &[&str]); 7] = [
        (
            env!("CARGO_BIN_EXE_train"),
            vec!["--data-dir", data],
            &[
                "the files' data: 2.01 GiB",
                "raise the budget with --max-memory 3GiB",
            ],
        ),
        (
            env!("CARGO_BIN_EXE_train"),
            vec!["--data-dir", data, "--max-memory", "3GiB"],
            &[
                "1369000 training images in f64, and shuffled into a copy each epoch",
                "pass --limit N to keep fewer images, or --engine to keep them as bytes",
            ],
        ),
        (
            env!("CARGO_BIN_EXE_train"),
            vec!["--data-dir", data, "--max-memory", "3GiB", "--engine"],
            &[
                "1369000 training images as bytes",
                "pass --limit N to keep fewer images, or",
            ],
        ),
        (
            env!("CARGO_BIN_EXE_train"),
            vec![
                "--data-dir",
                data,
                "--max-memory",
                "3GiB",
                "--validation",
                "0.2",
            ],
            &[
                "1369000 training images in f64, and shuffled into a copy each epoch, or held out",
            ],
        ),
        (
            env!("CARGO_BIN_EXE_epoch_times"),
            vec!["--data-dir", data, "--max-memory", "3GiB"],
            &["1369000 training images as bytes and in f64 three times"],
        ),
        (
            env!("CARGO_BIN_EXE_mnist_subset"),
            vec!["--from", data, "--out", &subset, "--max-memory", "3GiB"],
            &[
                "1369000 training images copied, encoded and compressed",
                "--limit N",
            ],
        ),
        (
            env!("CARGO_BIN_EXE_sweep"),
            vec![
                "--data-dir",
                data,
                "--classes",
                "0,1",
                "--max-memory",
                "3GiB",
            ],
            &[
                "1369000 training images in f64, and shuffled into a copy by each run",
                "pass --threads 1 to train one run at a time",
            ],
        ),
    ];
    for (program, args, expected) in cases {
        let run = common::measure(program, &args);
        run.assert_refused(expected);
        assert!(
            run.stderr.starts_with("error: this run would hold up to ")
                && run.stderr.contains("if the machine has that much"),
            "{program} {args:?}: {}",
            run.stderr
        );
        assert!(run.elapsed < std::time::Duration::from_secs(3), "{run:?}");
    }
    assert!(entries(out.path()).is_empty());
}

#[test]
fn the_budget_is_a_flag_that_every_program_reading_data_takes() {
    let out = temp_dir();
    let subset = in_(out.path(), "subset");
    let cases: [(&str, Vec<&str>); 3] = [
        (env!("CARGO_BIN_EXE_train"), vec!["--epochs", "1"]),
        (
            env!("CARGO_BIN_EXE_epoch_times"),
            vec!["--epochs", "1", "--batch-sizes", "full"],
        ),
        (
            env!("CARGO_BIN_EXE_mnist_subset"),
            vec!["--from", DATA, "--out", &subset],
        ),
    ];
    for (program, args) in cases {
        // The default budget lets the run on the bundled data through, a smaller one not.
        let small = [args.clone(), vec!["--max-memory", "40MiB"]].concat();
        let output = Command::new(program).args(&small).output().unwrap();
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{program}: {stderr}");
        assert!(
            stderr.contains("more than its budget of 40 MiB: ")
                && stderr.contains("raise the budget with --max-memory 1GiB"),
            "{program}: {stderr}"
        );
        let output = Command::new(program).args(&args).output().unwrap();
        assert!(
            output.status.success(),
            "{program}: {}",
            self::stderr(&output)
        );
    }
    let output = Command::new(env!("CARGO_BIN_EXE_train"))
        .args(["--max-memory", "4"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("give a number and its unit, such as 4GiB")
    );
}
