//! Every program output the book shows is a file in `book/outputs/`, written by running the
//! program. This test runs each program again and fails when its output has changed, so the
//! book cannot drift from the code.
//!
//! After an intended change, regenerate the files with
//! `UPDATE_OUTPUTS=1 cargo test --test outputs` and review the diff.

mod common;

use std::path::Path;

use common::files::read_text;

/// Where charts drawn only for their printed numbers go.
const SCRATCH: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/outputs-charts");

/// (file in `book/outputs/`, program, arguments)
const PROGRAMS: &[(&str, &str, &[&str])] = &[
    ("exercise_1.txt", env!("CARGO_BIN_EXE_exercise_1"), &[]),
    ("exercise_2.txt", env!("CARGO_BIN_EXE_exercise_2"), &[]),
    ("exercise_3.txt", env!("CARGO_BIN_EXE_exercise_3"), &[]),
    ("exercise_4.txt", env!("CARGO_BIN_EXE_exercise_4"), &[]),
    ("train.txt", env!("CARGO_BIN_EXE_train"), &[]),
    ("train_blog.txt", env!("CARGO_BIN_EXE_train"), &["--blog"]),
    (
        "train_batch_1.txt",
        env!("CARGO_BIN_EXE_train"),
        &["--batch-size", "1"],
    ),
    (
        "train_unshuffled.txt",
        env!("CARGO_BIN_EXE_train"),
        &["--no-shuffle"],
    ),
];

/// Every output the book shows: those of [`PROGRAMS`], then the numbers the
/// `charts` program prints behind each chart that is not measured
/// (`charts_NAME.txt` for `NAME.svg`). The charts themselves are checked by
/// tests/charts.rs, so here they are drawn into a scratch folder.
fn outputs() -> Vec<(String, &'static str, Vec<String>)> {
    let programs = PROGRAMS.iter().map(|&(file, program, args)| {
        let args = args.iter().map(|a| a.to_string()).collect();
        (file.to_string(), program, args)
    });
    let charts =
        common::charts()
            .into_iter()
            .filter(|c| !c.measured)
            .map(|c| {
                let stem = c.file.trim_end_matches(".svg");
                let args = ["--only", &c.name, "--out-dir", SCRATCH];
                (
                    format!("charts_{stem}.txt"),
                    env!("CARGO_BIN_EXE_charts"),
                    args.map(String::from).to_vec(),
                )
            });
    programs.chain(charts).chain(sweep_reports()).collect()
}

/// The reports of the book's sweeps (`sweep --report` on the tables in
/// `book/sweeps/`), as `sweep_NAME.txt` for the sweep `NAME`.
fn sweep_reports() -> Vec<(String, &'static str, Vec<String>)> {
    use neural_network::programs::sweep::{BOOK_SWEEPS, book_flags};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    BOOK_SWEEPS
        .iter()
        .map(|(name, _)| {
            let file = format!("sweep_{}.txt", name.replace('-', "_"));
            let mut args = book_flags(root, name, &["--report"]);
            args.remove(0);
            (file, env!("CARGO_BIN_EXE_sweep"), args)
        })
        .collect()
}

#[test]
fn committed_outputs_match_what_the_programs_print_now() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/outputs");
    let update = std::env::var_os("UPDATE_OUTPUTS").is_some();
    let mut stale = Vec::new();
    for (file, program, args) in outputs() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let now = common::run(program, &args);
        let path = dir.join(&file);
        if update {
            std::fs::write(&path, &now).unwrap_or_else(|e| {
                panic!("cannot write {}: {e}", path.display())
            });
        } else if std::fs::read_to_string(&path).ok().as_deref()
            != Some(now.as_str())
        {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "these outputs differ from what the programs print now: {stale:?}\n\
         regenerate them with `UPDATE_OUTPUTS=1 cargo test --test outputs` and review the diff"
    );
}

/// The times per epoch that the page "Choosing the batch size" quotes and
/// charts are measured (`sweep --time-epochs 5`), so no test can rerun
/// them; but they must be a table the chart can be drawn from, for every
/// batch size of the book's grid.
#[test]
fn the_measured_times_per_epoch_cover_the_grid() {
    use neural_network::programs::sweep::times::EpochTimes;
    let text = read_text("book/outputs/sweep_times.txt");
    let times = EpochTimes::parse(&text).unwrap();
    let sizes: Vec<usize> = times.times.iter().map(|t| t.0).collect();
    assert_eq!(
        sizes,
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, times.rows],
        "rerun `cargo run --release --bin sweep -- --time-epochs 5 > book/outputs/sweep_times.txt`"
    );
    assert!(times.times.iter().all(|t| t.1 > 0.0 && t.2 > 0.0));
}

/// The speed comparison is measured, so no test can rerun it; but the README shows the
/// same table as `book/outputs/compare.md` (the output of `python3 tools/compare.py`), and
/// must not drift from it.
#[test]
fn the_readme_shows_the_measured_comparison_of_the_book() {
    let compare = read_text("book/outputs/compare.md");
    let readme = read_text("README.md");
    let rows: Vec<&str> =
        compare.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(
        rows.len(),
        8,
        "a header, a rule and six batch sizes in compare.md"
    );
    for row in rows {
        assert!(
            readme.contains(row),
            "README.md lacks this row of book/outputs/compare.md:\n{row}"
        );
    }
}

/// The book shows the part of `compare.md` between its `lesson` anchors; the
/// targets after it belong to the README.
#[test]
fn the_comparison_marks_the_part_the_book_shows() {
    let compare = read_text("book/outputs/compare.md");
    let start = compare.find("<!-- ANCHOR: lesson -->");
    let end = compare.find("<!-- ANCHOR_END: lesson -->");
    assert!(
        matches!((start, end), (Some(s), Some(e)) if s < e),
        "compare.md lacks the lesson anchors: rerun python3 tools/compare.py"
    );
    let lesson = &compare[start.unwrap()..end.unwrap()];
    assert!(lesson.contains("| batch size |") && !lesson.contains("Targets"));
}

/// The page "Choosing the batch size" quotes the tables of choices of the
/// sweep reports by line numbers (`{{#include file:FIRST:LAST}}`), which a
/// report that gains a line above them would shift: each quoted range must
/// still begin with a table's title and end with its verdict on the grid.
#[test]
fn the_batch_size_page_quotes_whole_tables_of_choices() {
    let page = read_text("book/mini-batch/batch-size.md");
    let mut quoted = 0;
    for include in page.split("{{#include ../outputs/").skip(1) {
        let target = &include[..include.find("}}").unwrap()];
        let Some((file, range)) = target.split_once(':') else {
            continue;
        };
        let (first, last) = range.split_once(':').unwrap();
        let (first, last): (usize, usize) =
            (first.parse().unwrap(), last.parse().unwrap());
        let text = read_text(&format!("book/outputs/{file}"));
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[first - 1].starts_with("Chosen on validation data"),
            "{file}:{first} is {:?}; move the page's line numbers",
            lines[first - 1]
        );
        assert!(
            lines[last - 1].starts_with("Every best learning rate")
                || lines[last - 1].starts_with("WARNING"),
            "{file}:{last} is {:?}; move the page's line numbers",
            lines[last - 1]
        );
        quoted += 1;
    }
    assert_eq!(quoted, 2, "the page quotes two tables by line numbers");
}
