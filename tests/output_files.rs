//! No run of the main program can destroy a file: every output path is checked before
//! training and written through a temporary file, and each refusal is one line that names
//! the flag and the file, with a non-zero exit and nothing created, changed or left behind.

mod common;

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;

use common::files::{bundled_copy, temp_dir};
use common::{measure, snapshot};

const TRAIN: &str = env!("CARGO_BIN_EXE_train");

/// A quick run: a few images, one epoch.
const QUICK: [&str; 4] = ["--limit", "200", "--epochs", "1"];

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs the main program quickly with `args` in `dir` and checks that it is refused:
/// exit code 1, one line on standard error holding each of `expected`, no training done,
/// and `dir` exactly as it was.
fn assert_refused_in(dir: &Path, args: &[&str], expected: &[&str]) {
    assert_refused_with(1, dir, args, expected);
}

/// [`assert_refused_in`] with exit code `code` (2 for a bad command line, as clap has it).
fn assert_refused_with(
    code: i32,
    dir: &Path,
    args: &[&str],
    expected: &[&str],
) {
    let before = snapshot(dir);
    let mut all = QUICK.to_vec();
    all.extend(args);
    let run = measure(TRAIN, &all);
    run.assert_error(code, expected);
    assert!(
        !run.stdout.contains("Epoch"),
        "{args:?}: refused only after training:\n{}",
        run.stdout
    );
    assert_eq!(snapshot(dir), before, "{args:?} changed {}", dir.display());
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn devices_are_never_replaced() {
    for device in ["/dev/null", "/dev/full"] {
        let before = fs::metadata(device).unwrap();
        let run =
            measure(TRAIN, &[&QUICK[..], &["--save-weights", device]].concat());
        run.assert_refused(&[&format!(
            "--save-weights {device}: is a device, not a regular file"
        )]);
        let after = fs::metadata(device).unwrap();
        assert!(after.file_type() == before.file_type() && !after.is_file());
    }
    let scratch = temp_dir();
    let fifo = scratch.path().join("pipe.svg");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    assert_refused_in(
        scratch.path(),
        &["--loss-chart", path(&fifo)],
        &["--loss-chart", "is a FIFO (named pipe), not a regular file"],
    );
}

#[test]
fn a_symbolic_link_is_followed_and_stays_a_link() {
    let scratch = temp_dir();
    let target = scratch.path().join("weights.json");
    fs::write(&target, "old").unwrap();
    let link = scratch.path().join("link.json");
    symlink("weights.json", &link).unwrap();
    let run = measure(
        TRAIN,
        &[&QUICK[..], &["--save-weights", path(&link)]].concat(),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(fs::read_to_string(&target).unwrap().contains("\"weights\""));
    assert_eq!(
        fs::read_dir(scratch.path()).unwrap().count(),
        2,
        "no leftovers"
    );

    let dangling = scratch.path().join("dangling.json");
    symlink("nowhere/at/all.json", &dangling).unwrap();
    assert_refused_in(
        scratch.path(),
        &["--save-weights", path(&dangling)],
        &["--save-weights", "is a symbolic link that leads to no file"],
    );
    let (a, b) = (scratch.path().join("a.json"), scratch.path().join("b.json"));
    symlink("b.json", &a).unwrap();
    symlink("a.json", &b).unwrap();
    assert_refused_in(
        scratch.path(),
        &["--save-weights", path(&a)],
        &["is a symbolic link that leads to no file"],
    );
}

#[test]
fn a_read_only_file_is_replaced_only_with_force_and_stays_read_only() {
    let scratch = temp_dir();
    let weights = scratch.path().join("weights.json");
    fs::write(&weights, "keep me").unwrap();
    fs::set_permissions(&weights, fs::Permissions::from_mode(0o444)).unwrap();
    assert_refused_in(
        scratch.path(),
        &["--save-weights", path(&weights)],
        &[
            &format!(
                "--save-weights {}: the file is read-only",
                path(&weights)
            ),
            "pass --force",
        ],
    );
    let run = measure(
        TRAIN,
        &[&QUICK[..], &["--save-weights", path(&weights), "--force"]].concat(),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        fs::read_to_string(&weights)
            .unwrap()
            .contains("\"weights\"")
    );
    assert_eq!(mode(&weights), 0o444, "replaced, but still read-only");
    assert_eq!(fs::read_dir(scratch.path()).unwrap().count(), 1);
}

#[test]
fn a_new_file_gets_the_usual_permissions() {
    let scratch = temp_dir();
    let weights = scratch.path().join("w.json");
    let run = measure(
        TRAIN,
        &[&QUICK[..], &["--save-weights", path(&weights)]].concat(),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // 0666 less the umask: readable by others, unlike a temporary file's 0600.
    assert_ne!(mode(&weights) & 0o044, 0, "{:o}", mode(&weights));
}

#[test]
fn no_output_may_be_an_input_file() {
    let data = bundled_copy();
    let images = data.path().join("train-images-idx3-ubyte.gz");
    // By its name, through a symbolic link and through a hard link.
    let elsewhere = temp_dir();
    let soft = elsewhere.path().join("soft.json");
    symlink(&images, &soft).unwrap();
    let hard = elsewhere.path().join("hard.svg");
    fs::hard_link(&images, &hard).unwrap();
    for (flag, output) in [
        ("--save-weights", images.as_path()),
        ("--save-weights", soft.as_path()),
        ("--loss-chart", hard.as_path()),
    ] {
        let before = snapshot(data.path());
        let run = measure(
            TRAIN,
            &[
                &QUICK[..],
                &["--data-dir", path(data.path()), flag, path(output)],
            ]
            .concat(),
        );
        run.assert_refused(&[&format!(
            "{flag} {}: is the input file",
            path(output)
        )]);
        assert_eq!(snapshot(data.path()), before);
    }
}

#[test]
fn two_outputs_may_not_share_a_file() {
    let scratch = temp_dir();
    let chart = scratch.path().join("run.svg");
    let same = scratch.path().join(".").join("run.svg");
    assert_refused_in(
        scratch.path(),
        &["--save-weights", path(&chart), "--loss-chart", path(&same)],
        &[
            &format!(
                "--loss-chart {}: is also named by --save-weights",
                path(&same)
            ),
            "give each its own file",
        ],
    );
    fs::write(&chart, "old").unwrap();
    let link = scratch.path().join("link.svg");
    symlink(&chart, &link).unwrap();
    assert_refused_in(
        scratch.path(),
        &["--save-weights", path(&chart), "--loss-chart", path(&link)],
        &["is also named by --save-weights"],
    );
}

#[test]
fn a_bad_output_path_is_refused_before_training() {
    let scratch = temp_dir();
    let dir = path(scratch.path()).to_string();
    let file = scratch.path().join("file");
    fs::write(&file, "x").unwrap();
    let cases: [(String, &str); 6] = [
        (dir.clone(), "is a directory, not a regular file"),
        (format!("{dir}/"), "names a directory, not a file"),
        (".".to_string(), "names a directory, not a file"),
        (format!("{dir}/missing/w.json"), "the folder"),
        (format!("{}/w.json", path(&file)), "is not a folder"),
        ("/proc/w.json".to_string(), "cannot create a file in /proc"),
    ];
    for (output, expected) in &cases {
        assert_refused_in(
            scratch.path(),
            &["--save-weights", output],
            &[&format!("--save-weights {output}: "), expected],
        );
    }
}

#[test]
fn a_chart_must_be_named_svg() {
    let scratch = temp_dir();
    let png = scratch.path().join("c.png");
    assert_refused_with(
        2,
        scratch.path(),
        &["--loss-chart", path(&png)],
        &[
            "--loss-chart",
            "the chart is drawn as SVG: give a file name ending in .svg",
        ],
    );
}

#[test]
fn a_killed_run_leaves_the_previous_file_and_nothing_else() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let scratch = temp_dir();
    let weights = scratch.path().join("weights.json");
    fs::write(&weights, "previous").unwrap();
    let before = snapshot(scratch.path());
    let mut child = Command::new(TRAIN)
        .args(["--epochs", "1000", "--save-weights", path(&weights)])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.unwrap().starts_with("Epoch 1/")),
        "training started"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(snapshot(scratch.path()), before);
}
