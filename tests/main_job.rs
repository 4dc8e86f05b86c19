//! The main program, `cargo run --release`, as a user meets it: real MNIST, its flags, and a
//! clear one-line error with a non-zero exit (and no output file) for every bad input.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::files::{
    bundled, bundled_copy, root, set_length, temp_dir, write_idx_set,
};
use common::{train, train_error, train_ok};

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The value after `prefix` on the line that starts with it.
fn value_after(text: &str, prefix: &str) -> f64 {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in:\n{text}"));
    line.trim().parse().unwrap()
}

#[test]
fn default_run_reaches_the_accuracy_the_readme_states() {
    let output = train(&[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    assert!(
        text.starts_with("Data: "),
        "what data was used comes first:\n{text}"
    );
    assert!(
        text.contains("Training set: 12665 images")
            && text.contains("Test set: 2115 images")
    );
    assert_eq!(text.lines().filter(|l| l.starts_with("Epoch ")).count(), 10);
    assert!(value_after(&text, "Test accuracy:") >= 0.995, "{text}");
    assert!(text.contains("predicted 0") && text.contains("true 1"));
    assert!(
        output.stderr.is_empty(),
        "no progress bar when output is not a terminal"
    );
}

#[test]
fn flags_change_the_run() {
    let text = stdout(&train(&[
        "--limit",
        "300",
        "--epochs",
        "2",
        "--batch-size",
        "7",
        "--lr",
        "0.05",
        "--no-shuffle",
    ]));
    assert!(
        text.contains("Training set: 300 images")
            && text.contains("Test set: 300 images"),
        "{text}"
    );
    assert!(
        text.contains(
            "batch size 7, learning rate 0.05, 2 epochs, not shuffled"
        ),
        "{text}"
    );
    assert!(text.contains("Epoch 2/2,") && !text.contains("Epoch 3/"));

    let blog = stdout(&train(&["--blog"]));
    assert!(
        blog.contains("Training set: 800 images")
            && blog.contains("Test set: 200 images"),
        "{blog}"
    );
    assert!(value_after(&blog, "Test accuracy:") >= 0.95);
}

#[test]
fn the_same_seed_gives_the_same_run_and_another_seed_another() {
    let a = stdout(&train(&["--limit", "500", "--seed", "3"]));
    assert_eq!(a, stdout(&train(&["--limit", "500", "--seed", "3"])));
    assert_ne!(a, stdout(&train(&["--limit", "500", "--seed", "4"])));
}

#[test]
fn any_directory_of_idx_files_works_and_weights_are_saved() {
    let dir = temp_dir();
    // Raw (not gzipped) files with labels 3 and 8 and 4×4 images.
    let labels: Vec<u8> =
        (0..40).map(|i| if i % 2 == 0 { 3 } else { 8 }).collect();
    let pixels: Vec<u8> = (0..40 * 16)
        .map(|i| {
            if (i / 16) % 2 == 0 {
                (i % 7) as u8
            } else {
                200
            }
        })
        .collect();
    write_idx_set(dir.path(), [4, 4], &pixels, &labels, false);
    let weights = dir.path().join("weights.json");
    let data_dir = dir.path().to_str().unwrap();
    let text = train_ok(&[
        "--data-dir",
        data_dir,
        "--classes",
        "3,8",
        "--save-weights",
        weights.to_str().unwrap(),
    ]);
    assert!(
        text.contains("4×4 pixels (20 of class 3, 20 of class 8)"),
        "{text}"
    );
    assert_eq!(value_after(&text, "Test accuracy:"), 1.0);
    let json = fs::read_to_string(&weights).unwrap();
    let chart = dir.path().join("loss.svg");
    train_ok(&[
        "--data-dir",
        data_dir,
        "--classes",
        "3,8",
        "--loss-chart",
        chart.to_str().unwrap(),
    ]);
    assert!(fs::read_to_string(&chart).unwrap().starts_with("<svg"));
    assert!(
        json.contains("\"classes\": [3, 8]") && json.matches(',').count() >= 16,
        "{json}"
    );
}

/// A way to break a data directory.
type Breakage = fn(&Path);

/// Runs with `args` plus `--save-weights`, and checks the one-line error, the exit code,
/// that nothing panicked and that no output file was left behind.
fn assert_refused(args: &[&str], expected: &str) {
    let dir = temp_dir();
    let weights = dir.path().join("w.json");
    let chart = dir.path().join("loss.svg");
    let mut all = args.to_vec();
    all.extend([
        "--save-weights",
        weights.to_str().unwrap(),
        "--loss-chart",
        chart.to_str().unwrap(),
    ]);
    let output = train(&all);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{args:?} should fail");
    assert!(
        stderr.contains(expected),
        "{args:?}: expected {expected:?} in:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?} panicked:\n{stderr}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "{args:?} left a file behind"
    );
}

#[test]
fn bad_flags_are_refused() {
    assert_refused(&["--classes", "3,3"], "the two classes must differ");
    assert_refused(&["--classes", "0"], "--classes");
    assert_refused(&["--batch-size", "0"], "--batch-size");
    for lr in ["0", "-1", "nan", "inf"] {
        assert_refused(
            &["--lr", lr],
            "learning rate must be a finite number greater than 0",
        );
    }
    assert_refused(&["--epochs", "0"], "--epochs");
    assert_refused(&["--limit", "0"], "--limit");
    assert_refused(
        &["--classes", "2,10"],
        "class 10 has no samples in the training set",
    );
    assert_refused(
        &["--blog", "--limit", "3"],
        "the argument '--blog' cannot be used with '--limit <N>'",
    );
    assert_refused(
        &["--limit", "1"],
        "class 1 has no samples among the first 1 images",
    );
    assert_refused(
        &["--data-dir", "README.md"],
        "README.md is a file, not a directory",
    );
}

#[test]
fn bad_data_is_refused_with_the_file_named() {
    let scratch = temp_dir();
    let missing = scratch.path().join("missing");
    let missing = missing.to_str().unwrap();
    assert_refused(
        &["--data-dir", missing],
        &format!("data directory {missing} does not exist"),
    );
    // A copy of the shipped data, broken one way each time.
    let cases: [(Breakage, &str); 4] = [
        (
            |dir| {
                fs::remove_file(dir.join("t10k-labels-idx1-ubyte.gz")).unwrap()
            },
            "no file t10k-labels-idx1-ubyte",
        ),
        (
            |dir| {
                set_length(&dir.join("train-images-idx3-ubyte.gz"), |n| n / 3)
            },
            "train-images-idx3-ubyte.gz: damaged gzip data",
        ),
        (
            |dir| {
                let labels = dir.join("t10k-labels-idx1-ubyte.gz");
                fs::rename(&labels, dir.join("t10k-images-idx3-ubyte.gz"))
                    .unwrap();
                fs::copy(bundled().join("train-labels-idx1-ubyte.gz"), labels)
                    .unwrap();
            },
            "wrong magic number",
        ),
        (
            |dir| {
                let labels = dir.join("t10k-labels-idx1-ubyte.gz");
                fs::copy(bundled().join("train-labels-idx1-ubyte.gz"), labels)
                    .unwrap();
            },
            "holds 2115 images but",
        ),
    ];
    for (break_data, expected) in cases {
        let dir = bundled_copy();
        break_data(dir.path());
        assert_refused(&["--data-dir", dir.path().to_str().unwrap()], expected);
    }
}

#[test]
fn a_diverging_run_reports_the_epoch() {
    assert_refused(
        &["--lr", "1e308", "--limit", "200"],
        "training diverged: the loss became NaN at epoch 1",
    );
}

#[test]
fn a_reader_that_goes_away_ends_every_program_quietly() {
    use std::process::Stdio;
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    let scratch = temp_dir();
    let out = scratch.path().to_str().unwrap();
    let programs: [(&str, &[&str]); 4] = [
        (env!("CARGO_BIN_EXE_train"), &["--epochs", "50"]),
        (env!("CARGO_BIN_EXE_exercise_2"), &[]),
        (
            env!("CARGO_BIN_EXE_epoch_times"),
            &["--data-dir", data, "--epochs", "1", "--floor-repeats", "1"],
        ),
        (
            env!("CARGO_BIN_EXE_mnist_subset"),
            &["--from", data, "--out", out],
        ),
    ];
    for (program, args) in programs {
        // The pipe's reading end is closed after a line, as `| head -1` does.
        let (child, _) = common::first_line_then_close(
            Command::new(program).args(args).stderr(Stdio::piped()),
        );
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Quiet: ended by the broken pipe's signal, as `head` expects of a
        // Unix tool, or finished before it wrote again; never an error.
        use std::os::unix::process::ExitStatusExt;
        let status = output.status;
        assert!(
            status.success() || status.signal() == Some(libc::SIGPIPE),
            "{program} ended with {status}: {stderr}"
        );
        assert!(stderr.is_empty(), "{program} printed: {stderr}");
    }
}

#[test]
fn without_shuffling_mnist_training_prints_what_the_numpy_reference_prints() {
    // tests/reference/mnist_no_shuffle.txt comes from `python3 tools/reference_mnist.py
    // --no-shuffle`: the blog's algorithm in NumPy on the same data and settings.
    let reference = include_str!("reference/mnist_no_shuffle.txt");
    let ours = stdout(&train(&["--no-shuffle"]));
    let ours: Vec<&str> = ours
        .lines()
        .filter(|l| {
            l.starts_with("Epoch ")
                || l.starts_with("Test loss:")
                || l.starts_with("Test accuracy:")
        })
        .collect();
    assert_eq!(ours, reference.lines().collect::<Vec<_>>());
}

#[test]
fn an_unwritable_chart_is_an_error_that_names_the_flag() {
    let scratch = temp_dir();
    let chart = scratch.path().join("missing").join("loss.svg");
    let output =
        train(&["--limit", "100", "--loss-chart", chart.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("--loss-chart")
            && stderr.contains(chart.to_str().unwrap()),
        "{stderr}"
    );
}

/// Runs with `args` and returns standard error, checking a failure with `code` and one line.
#[test]
fn values_that_look_negative_get_a_message_about_the_value() {
    let stderr = train_error(&["--seed", "-1"], 2);
    assert!(
        stderr.contains("invalid value '-1' for '--seed <N>'")
            && stderr.contains("is not a seed: give a whole number from 0 to"),
        "{stderr}"
    );
    let stderr = train_error(&["--classes", "-1,1"], 2);
    assert!(
        stderr.contains("invalid value '-1,1' for '--classes <A,B>'")
            && stderr.contains("\"-1\" is not a class label"),
        "{stderr}"
    );
}

#[test]
fn command_line_errors_are_one_line_in_every_program() {
    let programs: [(&str, &[&str], &str); 4] = [
        (
            env!("CARGO_BIN_EXE_train"),
            &["--epochs"],
            "a value is required for '--epochs <N>'",
        ),
        (
            env!("CARGO_BIN_EXE_train"),
            &["--forse"],
            "tip: a similar argument exists: '--force'",
        ),
        (
            env!("CARGO_BIN_EXE_exercise_1"),
            &["--seed", "x"],
            "is not a seed",
        ),
        (
            env!("CARGO_BIN_EXE_mnist_subset"),
            &[],
            "required arguments were not provided: --from <DIR>",
        ),
    ];
    for (program, args, expected) in programs {
        let stderr = common::error_of(program, args, 2);
        assert!(
            stderr.starts_with("error: ")
                && stderr.contains(expected)
                && stderr.trim_end().ends_with("; see --help"),
            "{program} {args:?}: {stderr}"
        );
    }
}

/// The flags of the README's table, as it writes them: `--batch-size N`,
/// `--no-shuffle`, … (the backquoted flags of the table's first column).
fn readme_flags() -> Vec<String> {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let table = readme
        .split("| flag | meaning | default |")
        .nth(1)
        .expect("the README's table of the main program's flags");
    let flags: Vec<String> = table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .filter_map(|row| row.split('|').nth(1))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2))
        .map(str::to_string)
        .collect();
    assert!(
        flags.len() > 10,
        "too few flags in the README's table: {flags:?}"
    );
    flags
}

#[test]
fn the_help_names_flags_and_values_as_the_readme_does() {
    let help = stdout(&train(&["--help"]));
    // The flags the help describes, each as `--name <VALUE>` or `--name`.
    let described: Vec<String> = help
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with("--"))
        .map(|line| line.split("  ").next().unwrap().trim().to_string())
        .collect();
    let readme: Vec<String> = readme_flags()
        .iter()
        .map(|flag| match flag.split_once(' ') {
            Some((name, value)) => format!("{name} <{value}>"),
            None => flag.clone(),
        })
        .collect();
    for flag in &readme {
        assert!(
            described.contains(flag),
            "the README's {flag} is not in the help:\n{help}"
        );
    }
    for flag in &described {
        assert!(
            readme.contains(flag) || flag == "--help",
            "the help's {flag} is not in the README's table"
        );
    }
}

#[test]
fn the_data_line_and_the_class_names_read_well() {
    let text = stdout(&train(&["--limit", "200", "--epochs", "1"]));
    assert!(
        text.starts_with("Data: data/ (bundled), normalized with mean "),
        "{text}"
    );
    // Classes, not digits: the same lines serve Fashion-MNIST's clothes.
    assert!(!text.contains("digit"), "{text}");
    assert!(text.contains("(90 of class 0, 110 of class 1)"), "{text}");
    assert!(text.contains("0 is class 0, 1 is class 1"), "{text}");
    assert!(text.contains("1 epoch, "), "{text}");
}

#[test]
fn a_batch_larger_than_the_training_set_is_shown_as_the_whole_set() {
    let text = stdout(&train(&[
        "--limit",
        "300",
        "--epochs",
        "1",
        "--batch-size",
        "999999999",
    ]));
    assert!(
        text.contains(
            "batch size 300 (the whole training set; --batch-size 999999999 is larger)"
        ),
        "{text}"
    );
}

/// A learning rate too small to change anything, or so large that training
/// diverges, is an error that says which way to change it; the divergence
/// advice does not suggest normalizing inputs that are normalized already.
#[test]
fn a_learning_rate_that_trains_nothing_says_which_way_to_change_it() {
    for (lr, needles) in [
        (
            "1e-320",
            [
                "training changed no prediction",
                "learning rate 1e-320 are too small",
                "pass a larger --lr",
            ],
        ),
        (
            "1e308",
            ["training diverged", "are too large", "pass a smaller --lr"],
        ),
    ] {
        let stderr = train_error(&["--limit", "300", "--lr", lr], 1);
        for needle in needles {
            assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
        }
        assert!(!stderr.contains("normalize"), "{stderr}");
    }
}

#[test]
fn the_blog_demo_takes_the_usual_training_flags() {
    let text =
        stdout(&train(&["--blog", "--epochs", "3", "--batch-size", "16"]));
    assert!(text.contains("Training set: 800 images"), "{text}");
    assert!(
        text.contains("batch size 16, learning rate 0.1, 3 epochs"),
        "{text}"
    );
    assert!(text.contains("Epoch 3/3,") && !text.contains("Epoch 4/"));
}

#[test]
fn mnist_subset_never_writes_over_its_inputs() {
    let from = bundled_copy();
    let before: Vec<Vec<u8>> = fs::read_dir(from.path())
        .unwrap()
        .map(|e| fs::read(e.unwrap().path()).unwrap())
        .collect();
    let dir = from.path().to_str().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mnist_subset"))
        .args(["--from", dir, "--out", dir])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(": is the input file "), "{stderr}");
    let after: Vec<Vec<u8>> = fs::read_dir(from.path())
        .unwrap()
        .map(|e| fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(before, after);

    // Into a new folder, it rewrites the bundled files byte for byte.
    let out = temp_dir();
    let out = out.path().join("subset");
    common::run(
        env!("CARGO_BIN_EXE_mnist_subset"),
        &["--from", dir, "--out", out.to_str().unwrap()],
    );
    for entry in fs::read_dir(bundled()).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue; // data/mnist/, the full MNIST
        }
        let name = path.file_name().unwrap();
        if name == "README.md" {
            continue;
        }
        assert_eq!(
            fs::read(&path).unwrap(),
            fs::read(out.join(name)).unwrap(),
            "{name:?}"
        );
    }
}

/// The data layer's errors speak of data; each program names its own flag for
/// the setting an error is about.
#[test]
fn data_errors_name_the_flag_of_the_program_that_reports_them() {
    let scratch = temp_dir();
    let missing = scratch.path().join("missing");
    let missing = missing.to_str().unwrap();
    let out = scratch.path().join("out");
    let out = out.to_str().unwrap();
    let cases: [(&str, &[&str], &str); 4] = [
        (
            env!("CARGO_BIN_EXE_train"),
            &["--data-dir", missing],
            "error: --data-dir: data directory",
        ),
        (
            env!("CARGO_BIN_EXE_train"),
            &["--data-dir", "data", "--classes", "0,9"],
            "error: --classes: class 9 has no samples in the training set",
        ),
        (
            env!("CARGO_BIN_EXE_mnist_subset"),
            &["--from", missing, "--out", out],
            "error: --from: data directory",
        ),
        (
            env!("CARGO_BIN_EXE_mnist_subset"),
            &["--from", "data/mnist", "--limit", "1", "--out", out],
            "error: --limit: class 1 has no samples among the first 1 images",
        ),
    ];
    for (program, args, expected) in cases {
        let output = Command::new(program)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("pass --"), "{args:?}: {stderr}");
    }
    assert!(!Path::new(out).exists(), "mnist_subset left {out} behind");
}
