//! The batch-size sweep: its trainer with checkpoints against
//! `gradient_descent`, its tables, its choices, and the program.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::files::temp_dir;
use ndarray::{Array1, Array2};
use neural_network::data::IdxDataSet;
use neural_network::gradcheck::loss_at;
use neural_network::programs::sweep::checkpoints::train_with_checkpoints;
use neural_network::{
    Activation, Loss, Schedule, Settings, Shuffle, gradient_descent,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A logistic-regression problem that no line separates: 50 samples of 6
/// features, labels drawn from the model's own probabilities.
fn problem() -> (Array2<f64>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x: Array2<f64> =
        Array2::from_shape_simple_fn((50, 6), || rng.random_range(-2.0..2.0));
    let y = x
        .rows()
        .into_iter()
        .map(|row| {
            let p: f64 = 1.0 / (1.0 + (row[1] - row[0]).exp());
            if rng.random::<f64>() < p { 1.0 } else { 0.0 }
        })
        .collect();
    (x, y)
}

fn logistic(lr: f64, epochs: usize, batch_size: usize, seed: u64) -> Settings {
    Settings::new(lr, epochs, batch_size, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid)
        .shuffle(Shuffle::Seeded(seed))
}

// ANCHOR: equal_at_epoch_ends
#[test]
fn checkpoints_within_epochs_change_nothing_at_their_ends() {
    let (x, y) = problem();
    let n = x.nrows();
    for schedule in [Schedule::Constant, Schedule::InverseTime { decay: 0.7 }] {
        // 7 does not divide 50: every epoch ends with a batch of 1.
        for batch_size in [1, 7, 50, 64] {
            let epochs = 4;
            let settings =
                logistic(0.3, epochs, batch_size, 11).schedule(schedule);
            let w0 = Array1::zeros(x.ncols());
            let whole =
                gradient_descent(&x, &y, &w0, 0.0, &settings, |_| {}).unwrap();

            let per_epoch = n.div_ceil(batch_size);
            let mut stops: Vec<usize> =
                (1..=epochs).map(|e| e * per_epoch).collect();
            stops.extend([1, 2, per_epoch / 2 + 1, per_epoch + 3]);
            stops.retain(|&s| s <= epochs * per_epoch);
            stops.sort_unstable();
            stops.dedup();
            let mut at_ends = Vec::new();
            let mut last = (Array1::zeros(0), 0.0);
            train_with_checkpoints(&x, &y, &settings, &stops, |step, w, b| {
                if step % per_epoch == 0 {
                    let loss = Loss::BinaryCrossEntropy;
                    at_ends.push(loss_at(
                        &x,
                        &y,
                        w,
                        b,
                        loss,
                        Activation::Sigmoid,
                    )?);
                }
                last = (w.clone(), b);
                Ok::<(), neural_network::ShapeError>(())
            })
            .unwrap();

            let bits =
                |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            let case = format!("batch size {batch_size}, {schedule}");
            assert_eq!(bits(&at_ends), bits(&whole.loss_history), "{case}");
            assert_eq!(
                bits(last.0.as_slice().unwrap()),
                bits(whole.w.as_slice().unwrap()),
                "{case}"
            );
            assert_eq!(last.1.to_bits(), whole.b.to_bits(), "{case}");
        }
    }
}
// ANCHOR_END: equal_at_epoch_ends

// ---------------------------------------------------------------------------
// The program, on a small data set made from the bundled images

/// A data folder of the first 400 training and 100 test images of the
/// bundled digits 0 and 1, so that a whole sweep takes seconds.
fn small_data() -> tempfile::TempDir {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let data = IdxDataSet::load(&bundled).unwrap();
    let dir = temp_dir();
    for (images, limit, prefix) in
        [(&data.train, 400, "train"), (&data.test, 100, "t10k")]
    {
        let (pixels, labels) = images.of_classes(&[0, 1], Some(limit)).to_idx();
        fs::write(
            dir.path().join(format!("{prefix}-images-idx3-ubyte")),
            pixels,
        )
        .unwrap();
        fs::write(
            dir.path().join(format!("{prefix}-labels-idx1-ubyte")),
            labels,
        )
        .unwrap();
    }
    dir
}

/// The flags of a small sweep on `data`, writing into `out`.
fn small_sweep(data: &Path, out: &Path) -> Vec<String> {
    [
        "--data-dir",
        data.to_str().unwrap(),
        "--classes",
        "0,1",
        "--batch-sizes",
        "1,16,full",
        "--learning-rates",
        "2^-6..2^-3",
        "--seeds",
        "1,2",
        "--epochs",
        "2",
        "--steps",
        "20",
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn sweep(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sweep"))
        .args(args)
        .output()
        .expect("the sweep starts")
}

fn succeeds(args: &[String]) -> String {
    let output = sweep(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?} failed:\n{stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// The one line of standard error of a sweep that must fail with `code`.
fn fails(args: &[String], code: i32) -> String {
    let output = sweep(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(code), "{args:?}:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}:\n{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

fn tables(out: &Path) -> (String, String) {
    let read = |name: &str| fs::read_to_string(out.join(name)).unwrap();
    (read("runs.csv"), read("chosen.csv"))
}

fn with(mut args: Vec<String>, more: &[&str]) -> Vec<String> {
    args.extend(more.iter().map(|s| s.to_string()));
    args
}

#[test]
fn the_same_seeds_give_the_same_tables_and_report() {
    let data = small_data();
    let scratch = temp_dir();
    let (one, two) = (scratch.path().join("one"), scratch.path().join("two"));
    let first =
        succeeds(&with(small_sweep(data.path(), &one), &["--threads", "2"]));
    let second =
        succeeds(&with(small_sweep(data.path(), &two), &["--threads", "1"]));
    assert_eq!(first, second);
    assert_eq!(tables(&one), tables(&two));
    // 3 batch sizes × 4 rates, two seeds but one for the full batch.
    let (runs, _) = tables(&one);
    assert_eq!(
        runs.lines().filter(|l| l.ends_with(",1")).count(),
        4 * 2 * 2 + 4
    );
    assert!(
        first.contains("Chosen on validation data after 2 epochs"),
        "{first}"
    );
    // Reporting on the finished tables trains nothing and says the same.
    let report = succeeds(&with(small_sweep(data.path(), &one), &["--report"]));
    assert_eq!(report, first);
}

/// The rows of `table` without the runs after the first `keep`, and with
/// half of the next run's first rows, as a sweep stopped in the middle of
/// writing leaves it.
fn interrupted(table: &str, keep: usize) -> String {
    let mut text = String::new();
    let mut finished = 0;
    for line in table.split_inclusive('\n') {
        if finished == keep
            && !line.starts_with('#')
            && !line.starts_with("batch_size")
        {
            text.push_str(&line[..line.len() / 2]);
            return text;
        }
        text.push_str(line);
        if line.trim_end().ends_with(",1") && !line.starts_with('#') {
            finished += 1;
        }
    }
    text
}

#[test]
fn an_interrupted_sweep_resumes_and_ends_as_an_uninterrupted_one() {
    let data = small_data();
    let scratch = temp_dir();
    let (whole, cut) =
        (scratch.path().join("whole"), scratch.path().join("cut"));
    let report = succeeds(&small_sweep(data.path(), &whole));
    let (runs, chosen) = tables(&whole);
    fs::create_dir(&cut).unwrap();
    fs::write(cut.join("runs.csv"), interrupted(&runs, 5)).unwrap();
    // With the grid cut short, the report says it is not finished.
    let missing =
        fails(&with(small_sweep(data.path(), &cut), &["--report"]), 1);
    assert!(
        missing.contains("of the grid's runs are not in the table"),
        "{missing}"
    );
    assert_eq!(succeeds(&small_sweep(data.path(), &cut)), report);
    assert_eq!(tables(&cut), (runs.clone(), chosen.clone()));
    // The same when the chosen runs were cut short.
    fs::write(cut.join("chosen.csv"), interrupted(&chosen, 2)).unwrap();
    assert_eq!(succeeds(&small_sweep(data.path(), &cut)), report);
    assert_eq!(tables(&cut), (runs, chosen));
}

#[test]
fn a_table_of_another_sweep_is_refused_and_left_alone() {
    let data = small_data();
    let out = temp_dir();
    succeeds(&small_sweep(data.path(), out.path()));
    let before = tables(out.path());
    let mut other = small_sweep(data.path(), out.path());
    let epochs = other.iter().position(|a| a == "--epochs").unwrap();
    other[epochs + 1] = "3".to_string();
    let error = fails(&other, 1);
    assert!(error.contains("was made by another sweep"), "{error}");
    assert!(error.contains("budget: 3 epochs"), "{error}");
    assert_eq!(tables(out.path()), before);
}

// ANCHOR: only_validation
#[test]
fn the_choices_read_validation_data_only() {
    let data = small_data();
    let out = temp_dir();
    let report = succeeds(&small_sweep(data.path(), out.path()));
    // Make every test result absurd: the learning rates chosen, and what
    // they reached on validation data, stay as they were.
    let chosen_path = out.path().join("chosen.csv");
    let chosen = fs::read_to_string(&chosen_path).unwrap();
    let absurd: String = chosen
        .lines()
        .map(|line| absurd_test(line) + "\n")
        .collect();
    assert_ne!(absurd, chosen);
    fs::write(&chosen_path, &absurd).unwrap();
    let tampered =
        succeeds(&with(small_sweep(data.path(), out.path()), &["--report"]));
    let validation_columns = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains("2^-"))
            .map(|l| {
                // batch, lr, steps, epochs, the validation loss and its
                // spread (a full batch has one seed, so no spread).
                let cells: Vec<&str> = l.split_whitespace().collect();
                let spread = cells.get(5).is_some_and(|c| c.starts_with('('));
                cells[..5 + usize::from(spread)].join(" ")
            })
            .collect()
    };
    assert_ne!(tampered, report);
    assert_eq!(validation_columns(&tampered), validation_columns(&report));
    // Make another learning rate the best on validation data at batch size
    // 16: its runs must now be trained again and tested, which --report
    // does not do.
    let runs_path = out.path().join("runs.csv");
    let runs = fs::read_to_string(&runs_path).unwrap();
    let better: String = runs
        .lines()
        .map(|line| {
            let mut f: Vec<&str> = line.split(',').collect();
            if f.len() == 10 && f[0] == "16" && f[1] == "0.015625" {
                f[7] = "1e-9";
            }
            f.join(",") + "\n"
        })
        .collect();
    fs::write(&runs_path, better).unwrap();
    let error = fails(
        &with(small_sweep(data.path(), out.path()), &["--report"]),
        1,
    );
    assert!(error.contains("chosen.csv"), "{error}");
    assert!(error.contains("lr: 0.015625"), "{error}");
}
// ANCHOR_END: only_validation

/// A row of `chosen.csv` whose test loss and accuracy, when it has them,
/// become 9 and 0.
fn absurd_test(line: &str) -> String {
    let mut fields: Vec<&str> = line.split(',').collect();
    let n = fields.len();
    if n == 15 && fields[0] != "compared" && !fields[13].is_empty() {
        fields[13] = "9e0";
        fields[14] = "0e0";
    }
    fields.join(",")
}

#[test]
fn bad_flags_are_one_line_errors() {
    let data = small_data();
    let out = temp_dir();
    let base = small_sweep(data.path(), &out.path().join("t"));
    let bad = |flag: &str, value: &str| {
        let mut args = base.clone();
        let at = args.iter().position(|a| a == flag);
        match at {
            Some(i) => args[i + 1] = value.to_string(),
            None => args.extend([flag.to_string(), value.to_string()]),
        }
        fails(&args, 2)
    };
    // One bad value per flag, to show that each reaches the user as a
    // one-line error; the parsers' own tests (src/programs/sweep/flags.rs,
    // src/programs/cli.rs) try their other bad values.
    for (flag, value, says) in [
        ("--batch-sizes", "4,lots", "or full"),
        ("--learning-rates", "2^x", "power of two"),
        ("--decays", "-1", "decay"),
        ("--validation", "1", "strictly between 0 and 1"),
        ("--steps", "0", "or none"),
        ("--epochs", "0", "at least 1"),
        ("--seeds", "x", "not a seed"),
        ("--classes", "4,4", "must differ"),
        ("--threads", "0", "at least 1"),
    ] {
        let error = bad(flag, value);
        assert!(error.contains(says), "{flag} {value}: {error}");
    }
    // Errors found once the flags are read: one line, exit code 1, and no
    // folder left behind.
    let none = out.path().join("none");
    let mut missing = base.clone();
    missing[1] = none.display().to_string();
    let error = fails(&missing, 1);
    assert!(error.contains("does not exist"), "{error}");
    let mut absent = base.clone();
    absent[3] = "3,5".to_string();
    assert!(fails(&absent, 1).contains("class 3 has no samples"));
    let report = fails(&with(base.clone(), &["--report"]), 1);
    assert!(report.contains("there is no table"), "{report}");
    assert!(!out.path().join("t").exists());
}
