//! The main program's flags for choosing settings fairly: any pair of
//! digits from the shipped data, a validation set held out of the training
//! set (the test set untouched), a decaying learning rate, the gradient
//! noise scale, and the engine as a second trainer with the same numbers.

mod common;

use std::fs;

use common::files::temp_dir;
use common::{train, train_error, train_ok};

#[test]
fn any_pair_of_digits_trains_from_the_shipped_full_mnist() {
    let text = train_ok(&["--classes", "4,9", "--epochs", "2"]);
    assert!(text.starts_with("Data: data/mnist/ (bundled)"), "{text}");
    // Every 4 and 9 of MNIST: 5,842 + 5,949 training and 982 + 1,009 test
    // images (the counts of data/mnist/README.md).
    assert!(text.contains("Training set: 11791 images"), "{text}");
    assert!(
        text.contains("(5842 of class 4, 5949 of class 9)"),
        "{text}"
    );
    assert!(text.contains("Test set: 1991 images"), "{text}");
    let zeros_and_ones = train_ok(&["--epochs", "1", "--limit", "50"]);
    assert!(zeros_and_ones.starts_with("Data: data/ (bundled)"));
}

#[test]
fn validation_reports_on_held_out_training_images_and_never_reads_the_test_set()
{
    // A data directory whose test images are damaged: a run that reads them
    // fails, a validation run does not notice them.
    let dir = temp_dir();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] {
        let file = format!("{name}.gz");
        fs::copy(format!("{data}/{file}"), dir.path().join(&file)).unwrap();
    }
    fs::write(dir.path().join("t10k-images-idx3-ubyte"), b"damaged").unwrap();
    fs::write(dir.path().join("t10k-labels-idx1-ubyte"), b"damaged").unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let common = ["--data-dir", data_dir, "--epochs", "1", "--limit", "1000"];
    assert!(!train(&common).status.success());
    let mut args = common.to_vec();
    args.extend(["--validation", "0.25"]);
    let text = train_ok(&args);
    assert!(text.contains("Training set: 750 images"), "{text}");
    assert!(text.contains("Validation set: 250 images"), "{text}");
    assert!(text.contains("Validation loss: "), "{text}");
    assert!(text.contains("Validation accuracy: "), "{text}");
    assert!(!text.contains("Test "), "{text}");
    assert!(text.contains("The test set was not read"), "{text}");
    // The seed draws the split.
    let mut other = args.clone();
    other.extend(["--seed", "7"]);
    assert_ne!(train_ok(&other), text);
}

#[test]
fn bad_choosing_flags_are_refused_with_what_to_do() {
    for decay in ["-0.5", "nan", "inf"] {
        let stderr = train_error(&["--decay", decay], 2);
        assert!(stderr.contains("decay must be a finite number"), "{stderr}");
    }
    for fraction in ["0", "1", "-0.2", "1.5", "x"] {
        let stderr = train_error(&["--validation", fraction], 2);
        assert!(stderr.contains("--validation"), "{stderr}");
    }
    let stderr = train_error(&["--validation", "0.00001"], 1);
    assert!(
        stderr.contains("leaves the validation set with no sample of class"),
        "{stderr}"
    );
    let stderr = train_error(&["--blog", "--validation", "0.2"], 2);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn a_decaying_rate_is_announced_and_changes_the_run() {
    let common = ["--classes", "4,9", "--limit", "2000", "--epochs", "3"];
    let constant = train_ok(&common);
    let mut args = common.to_vec();
    args.extend(["--decay", "1"]);
    let decayed = train_ok(&args);
    assert!(
        decayed
            .contains("learning rate 0.1 decaying as lr / (1 + 1.0 · epochs)"),
        "{decayed}"
    );
    assert_ne!(constant, decayed);
    let mut args = common.to_vec();
    args.extend(["--decay", "0"]);
    let zero = train_ok(&args);
    let epochs = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with("Epoch"))
            .map(String::from)
            .collect()
    };
    assert_eq!(
        epochs(&zero),
        epochs(&constant),
        "decay 0 is the constant rate"
    );
}

#[test]
fn the_noise_scale_is_printed_and_grows_as_the_loss_falls() {
    let text =
        train_ok(&["--classes", "4,9", "--epochs", "2", "--noise-scale"]);
    let line = text
        .lines()
        .find(|l| l.starts_with("Gradient noise scale B_simple"))
        .unwrap_or_else(|| panic!("no noise scale in:\n{text}"));
    let numbers: Vec<f64> = line
        .split([' ', ','])
        .filter_map(|w| w.parse().ok())
        .collect();
    let [start, end] = numbers[..] else {
        panic!("two values expected in {line:?}")
    };
    assert!(start > 0.0 && end > start, "{line}");
}

#[test]
fn the_engine_prints_what_gradient_descent_prints() {
    for args in [
        vec![],
        vec!["--classes", "4,9", "--batch-size", "8", "--epochs", "3"],
        vec![
            "--validation",
            "0.2",
            "--batch-size",
            "1000",
            "--epochs",
            "4",
        ],
        vec!["--blog", "--batch-size", "1"],
    ] {
        let plain = train_ok(&args);
        let mut with_engine = args.clone();
        with_engine.push("--engine");
        let engine = train_ok(&with_engine);
        let said = "Trainer: the engine (src/engine/), images kept as bytes\n";
        assert!(engine.contains(said), "{engine}");
        assert_eq!(engine.replacen(said, "", 1), plain, "{args:?}");
    }
}
