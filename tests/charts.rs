//! The book's charts are drawn by `cargo run --bin charts` and committed in `book/charts/`.
//! Drawing is deterministic (seeded training, SVG text with no font measuring), so this
//! test draws every chart again into a scratch folder and fails when a committed file is
//! missing or differs: the book cannot show a chart the code no longer produces. Which
//! charts there are, and which of them are measured (drawn from timings, so only checked
//! to exist), the program says itself (`charts --list`).
//!
//! After an intended change, run `cargo run --bin charts` from the repository's root and
//! look at the new charts before committing them.

mod common;

#[test]
fn committed_charts_match_what_the_charts_program_draws_now() {
    let charts = common::charts();
    let scratch = common::files::fresh_dir("charts-test");
    common::run(
        env!("CARGO_BIN_EXE_charts"),
        &["--out-dir", scratch.to_str().expect("a UTF-8 path")],
    );
    let committed = common::files::root().join("book/charts");
    let mut stale = Vec::new();
    for chart in &charts {
        let file = &chart.file;
        let now = std::fs::read(scratch.join(file)).unwrap_or_else(|e| {
            panic!("the charts program did not write {file}: {e}")
        });
        // A measured chart differs on every run: it only has to be there.
        let matches = if chart.measured {
            committed.join(file).is_file()
        } else {
            std::fs::read(committed.join(file)).ok() == Some(now)
        };
        if !matches {
            stale.push(file.as_str());
        }
    }
    assert!(
        stale.is_empty(),
        "these charts in book/charts/ are missing or differ from what \
         `cargo run --bin charts` draws now: {stale:?}\nredraw them with \
         `cargo run --release --bin charts` and look at them before committing"
    );
    for entry in std::fs::read_dir(&scratch).expect("the scratch folder exists")
    {
        let file = entry.expect("a readable entry").file_name();
        let file = file.to_string_lossy();
        assert!(
            charts.iter().any(|chart| chart.file == file),
            "the charts program wrote {file}, which its --list does not name"
        );
    }
}
