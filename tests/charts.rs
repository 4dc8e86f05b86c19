//! The book's charts are drawn by `cargo run --bin charts` and committed in `book/charts/`.
//! Drawing is deterministic (seeded training, SVG text with no font measuring), so this
//! test draws every chart again into a scratch folder and fails when a committed file is
//! missing or differs: the book cannot show a chart the code no longer produces.
//!
//! After an intended change, run `cargo run --bin charts` from the repository's root and
//! look at the new charts before committing them.

mod common;

use std::path::Path;

/// Every chart the `charts` program writes.
const CHARTS: &[&str] = &[
    "batch_sizes.svg",
    "mnist_shuffling.svg",
    "mnist_weights.svg",
    "mnist_epochs.svg",
    "mnist_examples.svg",
    "batch_size_heatmap.svg",
    "batch_size_tradeoff.svg",
    "batch_size_test.svg",
    "batch_size_floor.svg",
    "batch_size_time.svg",
];

/// Charts of measured times: drawn by the same program, different on every run, so they
/// are only checked to exist.
const MEASURED: &[&str] = &["mnist_time.svg"];

#[test]
fn committed_charts_match_what_the_charts_program_draws_now() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("charts-test");
    let _ = std::fs::remove_dir_all(&scratch);
    common::run(
        env!("CARGO_BIN_EXE_charts"),
        &["--out-dir", scratch.to_str().expect("a UTF-8 path")],
    );
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/charts");
    let mut stale = Vec::new();
    for chart in CHARTS {
        let now = std::fs::read(scratch.join(chart)).unwrap_or_else(|e| {
            panic!("the charts program did not write {chart}: {e}")
        });
        if std::fs::read(committed.join(chart)).ok() != Some(now) {
            stale.push(*chart);
        }
    }
    assert!(
        stale.is_empty(),
        "these charts in book/charts/ differ from what `cargo run --bin charts` draws now: \
         {stale:?}\nredraw them with `cargo run --bin charts` and look at them before committing"
    );
    let drawn: Vec<String> = std::fs::read_dir(&scratch)
        .expect("the scratch folder exists")
        .map(|entry| {
            entry
                .expect("a readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for file in &drawn {
        assert!(
            CHARTS.contains(&file.as_str())
                || MEASURED.contains(&file.as_str()),
            "the charts program wrote {file}, which this test does not check: add it to CHARTS"
        );
    }
    for chart in MEASURED {
        assert!(
            drawn.iter().any(|f| f == chart),
            "the charts program did not write {chart}"
        );
        assert!(
            committed.join(chart).is_file(),
            "book/charts/{chart} is missing: draw it with `cargo run --release --bin charts`"
        );
    }
}
