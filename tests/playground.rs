//! The book's playground (`book/mini-batch/playground.md`, built into
//! `book/playground/` by `scripts/build-playground`):
//!
//! - its built files are those of the current sources, and it stays small;
//! - its demo images are the first 1,000 images of their two digits: 0 and 1
//!   from `data/`, 4 and 9 from the full MNIST in `data/mnist/`;
//! - the figures its "Things to try" quote are those the library computes
//!   (`book/outputs/playground_try.txt`);
//! - in a real browser (Debian's Chromium, headless, driven by
//!   `tests/browser/playground.mjs`) it computes what the native programs
//!   compute, on every data set, with a decay, and when some runs diverge;
//!   it asks no other host for anything and logs no error; it measures how
//!   long the MNIST defaults take (recorded, never asserted: the machine may
//!   be busy);
//! - every page of the book, at 400 px, is no wider than the window, logs
//!   no console error and asks no other host for anything.
//!
//! The browser test needs Chromium (`apt-get install chromium`), Node.js and
//! the pinned packages of `tests/browser` (`npm ci --prefix tests/browser`).
//! Without them it says that it was skipped (`common::skip`), except under CI
//! (`CI=true`, as `.ci/run` sets it): there it fails.
//! `UPDATE_OUTPUTS=1` writes its measurement into `book/outputs/playground.txt`
//! and the library's figures into `book/outputs/playground_try.txt`.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::files::{root, temp_dir};
use ndarray::{Array1, array};
use neural_network::data::{
    BinaryTask, Dataset, IMAGES_MAGIC, IdxDataSet, LABELS_MAGIC,
    LabelledImages, mnist, read_idx_file,
};
use neural_network::metrics::Confusion;
use neural_network::programs::checksum::hex_sha256;
use neural_network::{
    Activation, DEFAULT_SEED, Loss, Schedule, Settings, Shuffle, TrainError,
    binary_cross_entropy, gradient_descent, predict,
};

/// The largest difference allowed between the browser's numbers and the
/// native ones: the arithmetic is the same, but `exp` and `ln` come from
/// different libraries and may differ in the last bit.
const TOLERANCE: f64 = 1e-12;
/// The same for the held-out losses of the grid, relative to their size.
/// Runs whose learning rate is too large for their batch size end up sure
/// and wrong about some held-out images: a probability so close to 1 for a
/// 4 that its loss `ln(1 − p)` rests on the few digits of `p` left below 1,
/// and a last-bit difference in `exp` moves it far more than in the last
/// bit (measured: up to 3.2e-6 of the mean, at batch size 8 and rate 1).
const GRID_TOLERANCE: f64 = 1e-5;
/// What the page may weigh: the WebAssembly, its glue, the data, the scripts.
const MAX_BYTES: u64 = 1_000_000;
/// The page's MNIST 0 vs 1 defaults: these batch sizes, 10 epochs, seed 42.
const DIGIT_BATCHES: [usize; 4] = [1, 8, 32, 800];
/// The page's line defaults, Exercise 2's batch sizes.
const LINE_BATCHES: [usize; 2] = [2, 4];
/// The page's MNIST 4 vs 9 defaults: a grid of batch sizes and learning
/// rates, 10 epochs, seed 42.
const GRID_BATCHES: [usize; 5] = [1, 8, 32, 128, 800];
const GRID_RATES: [f64; 4] = [0.001, 0.01, 0.1, 1.0];

fn built() -> PathBuf {
    root().join("book/playground")
}

/// Checks the files named in a `sha256sum` listing (paths relative to
/// `base`) against their sums; returns what differs.
fn check_sums(listing: &Path, base: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(listing)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", listing.display()));
    let mut problems = Vec::new();
    for line in text.lines() {
        let Some((sum, name)) = line.split_once("  ") else {
            problems.push(format!("not a sha256sum line: {line:?}"));
            continue;
        };
        match std::fs::read(base.join(name)) {
            Ok(bytes) if hex_sha256(&bytes) == sum => {}
            Ok(_) => problems.push(format!("{name} has changed")),
            Err(e) => problems.push(format!("{name}: {e}")),
        }
    }
    problems
}

/// The paths a `sha256sum` listing names.
fn listed(listing: &Path) -> Vec<String> {
    std::fs::read_to_string(listing)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once("  ").map(|(_, n)| n.to_string()))
        .collect()
}

#[test]
fn the_built_files_are_those_of_the_current_sources() {
    let sources = built().join("sources.sha256");
    let names = listed(&sources);
    for needed in [
        "playground/src/lib.rs",
        "playground/Cargo.toml",
        "src/train.rs",
        "src/schedule.rs",
        "src/programs/charts.rs",
        "Cargo.lock",
        "scripts/build-playground",
    ] {
        assert!(
            names.iter().any(|n| n == needed),
            "{} does not list {needed}: rebuild with scripts/build-playground",
            sources.display()
        );
    }
    let mut problems = check_sums(&sources, root());
    problems.extend(check_sums(&built().join("built.sha256"), root()));
    assert!(
        problems.is_empty(),
        "book/playground/ is stale: {}.\nRebuild it (scripts/test does it for \
         you outside CI, or run scripts/build-playground) and commit \
         book/playground/.",
        problems.join("; ")
    );
    let outputs = listed(&built().join("built.sha256"));
    for needed in [
        "pkg/playground.js",
        "pkg/playground_bg.wasm",
        "data/0-1/train-images-idx3-ubyte.gz",
        "data/0-1/train-labels-idx1-ubyte.gz",
        "data/4-9/train-images-idx3-ubyte.gz",
        "data/4-9/train-labels-idx1-ubyte.gz",
    ] {
        let path = format!("book/playground/{needed}");
        assert!(outputs.contains(&path), "built.sha256 does not list {path}");
    }
}

#[test]
fn a_changed_source_is_reported_as_stale() {
    let scratch = temp_dir();
    let source = scratch.path().join("lib.rs");
    std::fs::write(&source, "fn f() {}\n").unwrap();
    let listing = scratch.path().join("sources.sha256");
    let sum = hex_sha256(b"fn f() {}\n");
    std::fs::write(&listing, format!("{sum}  lib.rs\n")).unwrap();
    assert!(check_sums(&listing, scratch.path()).is_empty());
    std::fs::write(&source, "fn f() { }\n").unwrap();
    assert_eq!(check_sums(&listing, scratch.path()), ["lib.rs has changed"]);
    std::fs::remove_file(&source).unwrap();
    assert_eq!(check_sums(&listing, scratch.path()).len(), 1);
}

/// Every file of `dir` and below, with its size.
fn sizes(dir: &Path) -> BTreeMap<PathBuf, u64> {
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("a readable entry").path();
        if path.is_dir() {
            found.extend(sizes(&path));
        } else {
            let size = path.metadata().expect("a file's size").len();
            found.insert(path, size);
        }
    }
    found
}

#[test]
fn the_playground_weighs_less_than_a_megabyte() {
    let files = sizes(&built());
    let total: u64 = files.values().sum();
    println!(
        "book/playground/ holds {total} bytes in {} files",
        files.len()
    );
    assert!(
        total < MAX_BYTES,
        "book/playground/ holds {total} bytes, more than {MAX_BYTES}: {files:#?}"
    );
}

/// The playground's demo images of `classes`, as the page reads them.
fn shipped_images(classes: (u8, u8)) -> LabelledImages {
    let folder = built()
        .join("data")
        .join(format!("{}-{}", classes.0, classes.1));
    let read =
        |name: &str, magic| read_idx_file(&folder.join(name), magic).unwrap();
    LabelledImages::pair(
        "train-images-idx3-ubyte".into(),
        read("train-images-idx3-ubyte.gz", IMAGES_MAGIC),
        "train-labels-idx1-ubyte".into(),
        read("train-labels-idx1-ubyte.gz", LABELS_MAGIC),
    )
    .unwrap()
}

/// The training images of a folder of the repository.
fn training_images(folder: &str) -> LabelledImages {
    IdxDataSet::load(&root().join(folder)).unwrap().train
}

#[test]
fn the_demo_images_are_the_first_thousand_of_their_digits() {
    for (classes, folder) in [((0, 1), "data"), ((4, 9), "data/mnist")] {
        let shipped = shipped_images(classes);
        let bundled = training_images(folder);
        let first = bundled
            .of_classes(&[classes.0, classes.1], Some(mnist::DEMO_IMAGES));
        assert_eq!(shipped.len(), mnist::DEMO_IMAGES);
        assert_eq!((shipped.rows, shipped.cols), (first.rows, first.cols));
        assert!(shipped.labels == first.labels, "{classes:?}: labels differ");
        assert!(shipped.pixels == first.pixels, "{classes:?}: pixels differ");
        for seed in [DEFAULT_SEED, 7] {
            let ours: BinaryTask =
                mnist::blog_demo(&shipped, classes, seed).unwrap();
            let blog: BinaryTask =
                mnist::blog_demo(&bundled, classes, seed).unwrap();
            assert_eq!(
                ours, blog,
                "{classes:?}: blog_demo differs, seed {seed}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// The runs the page makes, computed natively with the library.

/// A run as the page shows it, or as the library computes it natively.
#[derive(Debug, Clone, Default)]
struct Run {
    batch: usize,
    lr: f64,
    /// The training loss after each epoch finished.
    losses: Vec<f64>,
    /// The final W (the line only).
    w: Option<f64>,
    b: Option<f64>,
    held_out_loss: Option<f64>,
    accuracy: Option<f64>,
    /// The crate's message, if the run diverged.
    diverged: Option<String>,
}

/// The settings the playground's `Plan::new` makes.
fn settings(
    batch: usize,
    lr: f64,
    decay: f64,
    epochs: usize,
    loss: Loss,
) -> Settings {
    let schedule = if decay == 0.0 {
        Schedule::Constant
    } else {
        Schedule::InverseTime { decay }
    };
    Settings::new(lr, epochs, batch, loss)
        .shuffle(Shuffle::Seeded(DEFAULT_SEED))
        .schedule(schedule)
}

/// What the playground's `descend` does: `gradient_descent` from zero,
/// keeping the loss of each epoch finished; `held_out` measures the result.
fn descend(
    x: &ndarray::Array2<f64>,
    y: &Array1<f64>,
    settings: &Settings,
    held_out: impl FnOnce(&Array1<f64>, f64) -> (Option<f64>, Option<f64>),
) -> Run {
    let mut losses = Vec::new();
    let w = Array1::zeros(x.ncols());
    let result =
        gradient_descent(x, y, &w, 0.0, settings, |end| losses.push(end.loss));
    let mut run = Run {
        batch: settings.batch_size,
        lr: settings.lr,
        losses,
        ..Run::default()
    };
    match result {
        Ok(trained) => {
            (run.held_out_loss, run.accuracy) = held_out(&trained.w, trained.b);
            run.w = (trained.w.len() == 1).then(|| trained.w[0]);
            run.b = Some(trained.b);
        }
        Err(e @ TrainError::Diverged { .. }) => {
            run.diverged = Some(e.to_string())
        }
        Err(e) => panic!("{e}"),
    }
    run
}

/// The page's line run with these settings.
fn native_line(batch: usize, lr: f64, epochs: usize) -> Run {
    let x = array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0]];
    let y = array![2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0];
    let settings = settings(batch.min(8), lr, 0.0, epochs, Loss::Mse);
    descend(&x, &y, &settings, |_, _| (None, None))
}

/// The page's run on the demo split of `images` with these settings.
fn native_digits(
    split: &(Dataset, Dataset),
    batch: usize,
    lr: f64,
    decay: f64,
    epochs: usize,
) -> Run {
    let (train, held_out) = split;
    let settings = settings(batch, lr, decay, epochs, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid);
    descend(&train.x, &train.y, &settings, |w, b| {
        let p = predict(&held_out.x, w, b, Activation::Sigmoid).unwrap();
        let loss = binary_cross_entropy(&p, &held_out.y).unwrap();
        let accuracy = Confusion::of(&p, &held_out.y).unwrap().accuracy();
        (Some(loss), Some(accuracy))
    })
}

/// The demo split of the shipped images of `classes`, seed 42.
fn demo_split(classes: (u8, u8)) -> (Dataset, Dataset) {
    let task: BinaryTask =
        mnist::blog_demo(&shipped_images(classes), classes, DEFAULT_SEED)
            .unwrap();
    (task.train, task.test)
}

/// For each batch size of a grid, the learning rate with the lowest
/// held-out loss among the runs that did not diverge.
fn best_rates(grid: &[Run]) -> BTreeMap<usize, f64> {
    let mut best: BTreeMap<usize, &Run> = BTreeMap::new();
    for run in grid.iter().filter(|r| r.diverged.is_none()) {
        let score = run.held_out_loss.unwrap();
        best.entry(run.batch)
            .and_modify(|b| {
                if score < b.held_out_loss.unwrap() {
                    *b = run;
                }
            })
            .or_insert(run);
    }
    best.into_iter()
        .map(|(batch, run)| (batch, run.lr))
        .collect()
}

/// The 4 vs 9 grid of the page's defaults.
fn native_grid(split: &(Dataset, Dataset)) -> Vec<Run> {
    GRID_BATCHES
        .iter()
        .flat_map(|&batch| {
            GRID_RATES
                .iter()
                .map(move |&lr| native_digits(split, batch, lr, 0.0, 10))
        })
        .collect()
}

/// The figures the page's "Things to try" quote, as the library computes
/// them: the 4 vs 9 grid, what a decay changes, and how many epochs the
/// full batch of 0 vs 1 needs to catch up with batch size 32.
fn things_to_try() -> String {
    let mut text = String::new();
    let split = demo_split((4, 9));
    let grid = native_grid(&split);
    let best = best_rates(&grid);
    text.push_str(
        "MNIST 4 vs 9, the page's defaults: the first 1,000 images of the two digits \
         (800 to train on,\n200 held out, seed 42), 10 epochs, a constant learning rate. \
         Held-out loss:\n\n",
    );
    text.push_str(&format!("{:>10}", "batch size"));
    for lr in GRID_RATES {
        text.push_str(&format!("{:>12}", format!("lr {lr}")));
    }
    text.push('\n');
    for batch in GRID_BATCHES {
        let name = if batch == 800 {
            "full".to_string()
        } else {
            batch.to_string()
        };
        let mut row = format!("{name:>10}");
        for run in grid.iter().filter(|r| r.batch == batch) {
            let mark = if best[&batch] == run.lr { " ◆" } else { "  " };
            let cell = match run.held_out_loss {
                Some(loss) => format!("{loss:.4}{mark}"),
                None => "diverged".to_string(),
            };
            row.push_str(&format!("{cell:>12}"));
        }
        text.push_str(row.trim_end());
        text.push('\n');
    }
    text.push_str("◆ the best learning rate of each batch size\n\n");

    text.push_str(
        "The same images and epochs with decay 1 (lr / (1 + epochs so far)). \
         Held-out loss:\n\n",
    );
    for (batch, lr) in [(1, 0.01), (1, 0.1), (8, 0.1)] {
        let constant = native_digits(&split, batch, lr, 0.0, 10);
        let decaying = native_digits(&split, batch, lr, 1.0, 10);
        text.push_str(&format!(
            "batch size {batch}, lr {lr}: {:.4} with a constant rate, {:.4} with decay 1\n",
            constant.held_out_loss.unwrap(),
            decaying.held_out_loss.unwrap()
        ));
    }

    let split = demo_split((0, 1));
    let target = *native_digits(&split, 32, 0.1, 0.0, 10)
        .losses
        .last()
        .unwrap();
    text.push_str(&format!(
        "\nMNIST 0 vs 1, the blog's 800 training images: batch size 32 at lr 0.1 reaches a \
         training loss\nof {target:.4e} after 10 epochs (250 steps). The full batch \
         (one step per epoch) first gets there:\n"
    ));
    for lr in [0.1, 1.0] {
        let full = native_digits(&split, 800, lr, 0.0, 1000);
        let epochs = full.losses.iter().position(|&l| l <= target);
        text.push_str(&match epochs {
            Some(i) => format!("  at lr {lr}: after {} epochs\n", i + 1),
            None => format!("  at lr {lr}: not within 1000 epochs\n"),
        });
    }
    text.push_str(
        "\nThe 0 vs 1 defaults (lr 0.1) trained for 300 epochs instead of 10:\n\n\
         batch size   training loss   held-out loss\n",
    );
    for batch in DIGIT_BATCHES {
        let run = native_digits(&split, batch, 0.1, 0.0, 300);
        let name = if batch == 800 {
            "full".to_string()
        } else {
            batch.to_string()
        };
        text.push_str(&format!(
            "{name:>10}   {:>13.4e}   {:>13.4}\n",
            run.losses.last().unwrap(),
            run.held_out_loss.unwrap()
        ));
    }
    text
}

/// With `UPDATE_OUTPUTS` set, writes `text` into `book/outputs/NAME` and
/// returns nothing; otherwise returns what that file holds, to check.
fn record(name: &str, text: &str) -> Option<String> {
    let path = root().join("book/outputs").join(name);
    if std::env::var_os("UPDATE_OUTPUTS").is_some() {
        std::fs::write(&path, text).unwrap();
        return None;
    }
    Some(std::fs::read_to_string(&path).unwrap_or_default())
}

#[test]
fn the_things_to_try_quote_what_the_library_computes() {
    let text = things_to_try();
    println!("{text}");
    if let Some(old) = record("playground_try.txt", &text) {
        assert!(
            old == text,
            "book/outputs/playground_try.txt is not what the library computes \
             now; regenerate it with `UPDATE_OUTPUTS=1 cargo test --test \
             playground` and check the page's \"Things to try\":\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------
// The browser test.

/// What the browser test needs and lacks, with how to install it.
fn missing_tools(chromium: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    if !chromium.is_file() {
        missing.push(format!(
            "Chromium at {} (apt-get install chromium, or set PLAYGROUND_CHROMIUM)",
            chromium.display()
        ));
    }
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        missing.push("Node.js (apt-get install nodejs npm)".to_string());
    }
    let package = root().join("tests/browser/node_modules/playwright-core");
    if !package.is_dir() {
        missing.push(
            "playwright-core in tests/browser (npm ci --prefix tests/browser)"
                .to_string(),
        );
    }
    missing
}

/// The pages of the book, as paths of the built book: every chapter that
/// `book/SUMMARY.md` links.
fn book_pages() -> Vec<String> {
    let summary = std::fs::read_to_string(root().join("book/SUMMARY.md"))
        .expect("book/SUMMARY.md");
    summary
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(link, _)| link))
        .filter(|link| link.ends_with(".md"))
        .map(|link| format!("{}.html", link.trim_end_matches(".md")))
        .collect()
}

/// Runs the browser driver on the book served at `book`, with a time limit;
/// returns its records.
fn drive(book: &str, pages: &[String], chromium: &Path) -> Vec<Vec<String>> {
    let mut child = Command::new("node")
        .arg("tests/browser/playground.mjs")
        .arg(book)
        .arg(chromium)
        .arg("--pages")
        .arg(pages.join(","))
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).map(|_| text)
    });
    let deadline = Instant::now() + Duration::from_secs(480);
    let status = loop {
        if let Some(status) = child.try_wait().expect("the driver runs") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the browser driver took longer than 8 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = out.join().unwrap().unwrap_or_default();
    let errors = err.join().unwrap().unwrap_or_default();
    assert!(
        status.success(),
        "the browser driver failed ({status}):\n{errors}\n{text}"
    );
    text.lines()
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

fn number(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|_| panic!("the page shows {text:?}, not a number"))
}

/// The `name=value` fields of a record, after its kind and scenario.
fn fields(record: &[String]) -> BTreeMap<&str, &str> {
    record[2..]
        .iter()
        .filter_map(|field| field.split_once('='))
        .collect()
}

/// The runs the page showed in `scenario`, in its order.
fn page_runs(records: &[Vec<String>], scenario: &str) -> Vec<Run> {
    records
        .iter()
        .filter(|r| r[0] == "run" && r[1] == scenario)
        .map(|r| {
            let f = fields(r);
            let value = |name: &str| f.get(name).map(|v| number(v));
            Run {
                batch: f["batch"].parse().expect("a batch size"),
                lr: number(f["lr"]),
                losses: f["losses"]
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(number)
                    .collect(),
                w: value("w"),
                b: value("b"),
                held_out_loss: value("held-out-loss"),
                accuracy: value("accuracy"),
                diverged: f.get("diverged").map(|v| v.to_string()),
            }
        })
        .collect()
}

/// How far `page` is from `native`, relative to the size of the number
/// (absolute below 1).
fn off(page: f64, native: f64) -> f64 {
    (page - native).abs() / native.abs().max(1.0)
}

/// The largest difference between a run the page showed and the native
/// one; their divergence, losses' lengths and accuracies must agree exactly.
fn compare(page: &Run, native: &Run, what: &str) -> f64 {
    assert_eq!(page.batch, native.batch, "{what}: batch size");
    assert_eq!(
        page.diverged.is_some(),
        native.diverged.is_some(),
        "{what}: the page says {:?}, the library {:?}",
        page.diverged,
        native.diverged
    );
    if let (Some(shown), Some(message)) = (&page.diverged, &native.diverged) {
        assert!(shown.contains(message), "{what}: the page says {shown:?}");
    }
    assert_eq!(page.losses.len(), native.losses.len(), "{what}: epochs");
    assert_eq!(page.accuracy, native.accuracy, "{what}: accuracy");
    let pairs = [
        (page.w, native.w),
        (page.b, native.b),
        (page.held_out_loss, native.held_out_loss),
    ];
    for (shown, computed) in pairs {
        assert_eq!(shown.is_some(), computed.is_some(), "{what}: {pairs:?}");
    }
    page.losses
        .iter()
        .zip(&native.losses)
        .map(|(&a, &b)| (a, b))
        .chain(pairs.into_iter().filter_map(|(a, b)| Some((a?, b?))))
        .map(|(a, b)| off(a, b))
        .fold(0.0, f64::max)
}

/// Compares the page's line runs with `exercise_2`'s output, and its
/// diverging runs with the library; returns the largest difference.
fn compare_line(records: &[Vec<String>]) -> f64 {
    let page = page_runs(records, "line");
    let sizes: Vec<usize> = page.iter().map(|r| r.batch).collect();
    assert_eq!(sizes, LINE_BATCHES, "the line's default batch sizes");
    let output = common::run(env!("CARGO_BIN_EXE_exercise_2"), &[]);
    let native = common::summaries(&output);
    assert_eq!(native.len(), page.len(), "exercise_2's runs:\n{output}");
    let mut largest: f64 = 0.0;
    for (run, expected) in page.iter().zip(&native) {
        let mine = native_line(run.batch, 0.01, 5);
        largest = largest.max(compare(
            run,
            &mine,
            &format!("line, batch {}", run.batch),
        ));
        for (a, b) in run.losses.iter().zip(&expected.losses) {
            largest = largest.max(off(*a, *b));
        }
        largest = largest
            .max(off(run.w.unwrap(), expected.w[0]))
            .max(off(run.b.unwrap(), expected.b));
    }

    // Learning rate 0.5 for 100 epochs: batch sizes 2 and 4 diverge, the
    // full batch does not, and the page keeps and shows all three.
    let page = page_runs(records, "line-diverging");
    let sizes: Vec<usize> = page.iter().map(|r| r.batch).collect();
    assert_eq!(sizes, [2, 4, 8], "the diverging scenario's batch sizes");
    for run in &page {
        let what = format!("line at lr 0.5, batch {}", run.batch);
        largest =
            largest.max(compare(run, &native_line(run.batch, 0.5, 100), &what));
    }
    assert!(
        page[0].diverged.is_some() && page[2].diverged.is_none(),
        "at lr 0.5 batch size 2 should diverge and the full batch not: {page:?}"
    );
    largest
}

/// Compares the page's MNIST 0 vs 1 runs with the library and with `train
/// --blog` (batch size 32); returns the largest difference.
fn compare_zeros_and_ones(records: &[Vec<String>]) -> f64 {
    let page = page_runs(records, "mnist-0-1");
    let sizes: Vec<usize> = page.iter().map(|r| r.batch).collect();
    assert_eq!(sizes, DIGIT_BATCHES, "the MNIST default batch sizes");
    let split = demo_split((0, 1));
    let mut largest: f64 = 0.0;
    for run in &page {
        let native = native_digits(&split, run.batch, 0.1, 0.0, 10);
        let what = format!("MNIST 0 vs 1, batch size {}", run.batch);
        largest = largest.max(compare(run, &native, &what));
    }
    let blog = page.iter().find(|r| r.batch == 32).unwrap();
    largest.max(compare_with_train(blog, &["--blog"]))
}

/// Compares a run of the page with the main program run with `flags`: its
/// losses and held-out figures as printed (four decimals), its bias as
/// `--save-weights` writes it; returns the bias's difference.
fn compare_with_train(run: &Run, flags: &[&str]) -> f64 {
    let scratch = temp_dir();
    let weights = scratch.path().join("weights.json");
    let batch = run.batch.to_string();
    let lr = format!("{:?}", run.lr);
    let mut args = flags.to_vec();
    args.extend(["--batch-size", &batch, "--lr", &lr]);
    args.extend(["--save-weights", weights.to_str().unwrap()]);
    let output = common::run(env!("CARGO_BIN_EXE_train"), &args);
    let printed: Vec<&str> = output
        .lines()
        .filter_map(|l| l.split_once(", Loss: ").map(|(_, v)| v))
        .collect();
    let shown: Vec<String> =
        run.losses.iter().map(|l| format!("{l:.4}")).collect();
    assert_eq!(printed, shown, "train {args:?} printed:\n{output}");
    for (name, value) in [
        ("Test loss", run.held_out_loss.unwrap()),
        ("Test accuracy", run.accuracy.unwrap()),
    ] {
        assert!(
            output.contains(&format!("{name}: {value:.4}\n")),
            "the page's held-out {value} is not train {args:?}'s {name}:\n{output}"
        );
    }
    let json = std::fs::read_to_string(&weights).unwrap();
    let bias = json
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"bias\": "))
        .map(|v| number(v.trim_end_matches(',')))
        .expect("a bias in --save-weights' JSON");
    off(run.b.unwrap(), bias)
}

/// Compares the page's MNIST 4 vs 9 grid and decaying run with the library,
/// and the decaying run with `train --blog --classes 4,9 --decay 1`;
/// returns the largest difference of the runs shown in full, and that of
/// the grid's held-out losses.
fn compare_fours_and_nines(records: &[Vec<String>]) -> (f64, f64) {
    let split = demo_split((4, 9));
    let grid = native_grid(&split);
    let best = best_rates(&grid);
    let cells: Vec<BTreeMap<&str, &str>> = records
        .iter()
        .filter(|r| r[0] == "grid" && r[1] == "mnist-4-9")
        .map(|r| fields(r))
        .collect();
    assert_eq!(cells.len(), grid.len(), "the grid's cells: {cells:?}");
    let (mut largest, mut grid_largest): (f64, f64) = (0.0, 0.0);
    for (cell, native) in cells.iter().zip(&grid) {
        let batch = match cell["batch"] {
            "full" => 800,
            b => b.parse().unwrap(),
        };
        let what =
            format!("the 4 vs 9 grid at batch {batch}, lr {}", cell["lr"]);
        assert_eq!(
            (batch, number(cell["lr"])),
            (native.batch, native.lr),
            "{what}"
        );
        assert_eq!(
            cell.contains_key("diverged"),
            native.diverged.is_some(),
            "{what}"
        );
        if let Some(score) = cell.get("score") {
            let d = off(number(score), native.held_out_loss.unwrap());
            grid_largest = grid_largest.max(d);
            let marked = cell["best"] == "yes";
            assert_eq!(marked, best[&batch] == native.lr, "{what}: best mark");
        }
    }
    // The summary shows each batch size at its best learning rate.
    for run in page_runs(records, "mnist-4-9") {
        assert_eq!(run.lr, best[&run.batch], "the best rate of {}", run.batch);
        let native = grid
            .iter()
            .find(|r| r.batch == run.batch && r.lr == run.lr)
            .unwrap();
        let what = format!("MNIST 4 vs 9, batch size {}", run.batch);
        largest = largest.max(compare(&run, native, &what));
    }
    let decaying = page_runs(records, "mnist-4-9-decay");
    assert_eq!(decaying.len(), 1, "one decaying run: {decaying:?}");
    let run = &decaying[0];
    assert_eq!((run.batch, run.lr), (8, 0.1), "the decaying run's settings");
    let native = native_digits(&split, 8, 0.1, 1.0, 10);
    largest = largest.max(compare(run, &native, "MNIST 4 vs 9 with decay 1"));
    let flags = ["--blog", "--classes", "4,9", "--decay", "1"];
    (largest.max(compare_with_train(run, &flags)), grid_largest)
}

/// A difference as the recorded output writes it: 0, or like 2.2e-16.
fn difference(value: f64) -> String {
    if value == 0.0 {
        "0".to_string()
    } else {
        format!("{value:.1e}")
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The text of the records of `kind` (after the kind itself).
fn texts<'a>(records: &'a [Vec<String>], kind: &str) -> Vec<&'a [String]> {
    records
        .iter()
        .filter(|r| r[0] == kind)
        .map(|r| &r[1..])
        .collect()
}

/// What the page says in the status line after `scenario`.
fn status<'a>(records: &'a [Vec<String>], scenario: &str) -> &'a str {
    texts(records, "status")
        .into_iter()
        .find(|r| r[0] == scenario)
        .map_or("", |r| r[1].as_str())
}

#[test]
fn in_chromium_the_page_computes_what_the_programs_compute() {
    let chromium = std::env::var_os("PLAYGROUND_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    let missing = missing_tools(&chromium);
    if !missing.is_empty() {
        return common::skip(&format!(
            "the browser test of the playground needs: {}",
            missing.join("; ")
        ));
    }
    let (book, _) = common::book::build("playground-book");
    let address = common::http::serve(book);
    let pages = book_pages();
    let records = drive(&format!("{address}/"), &pages, &chromium);

    let problems: Vec<String> = texts(&records, "problem")
        .iter()
        .map(|r| r.join(" "))
        .collect();
    assert!(
        problems.is_empty(),
        "the book had problems:\n  {}",
        problems.join("\n  ")
    );
    let checked: Vec<&str> = texts(&records, "page")
        .iter()
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(checked, pages, "the pages checked at 400 px");
    let nojs = texts(&records, "nojs");
    assert!(
        nojs.len() == 1
            && nojs[0][0].contains("needs JavaScript and WebAssembly"),
        "without JavaScript the page should say what the playground needs, \
         but showed {nojs:?}"
    );
    let diverging = status(&records, "line-diverging");
    assert!(
        diverging.contains("Trained 3 runs")
            && diverging.contains("2 diverged"),
        "with two diverging runs the page should say so and keep all three: {diverging:?}"
    );
    let training = status(&records, "training");
    assert!(
        training.starts_with("Training… run ")
            && training.contains(" of 16, epoch ")
            && training.ends_with(" of 1000"),
        "a long run should say how far it is: {training:?}"
    );
    let stopped = status(&records, "stopped");
    assert!(
        stopped.starts_with("Stopped after ")
            && status(&records, "after-stop").starts_with("Trained "),
        "Stop should stop the training and leave the page ready: {stopped:?}, {:?}",
        status(&records, "after-stop")
    );
    for (axis, label) in [
        ("steps", "steps (log scale)"),
        ("examples", "examples seen"),
    ] {
        let text = texts(&records, "axis")
            .into_iter()
            .find(|r| r[0] == axis)
            .map_or("", |r| r[1].as_str());
        assert!(text.contains(label), "the chart against {axis}: {text:?}");
    }
    let line = compare_line(&records);
    let (fours, grid) = compare_fours_and_nines(&records);
    let digits = compare_zeros_and_ones(&records).max(fours);
    assert!(
        line <= TOLERANCE && digits <= TOLERANCE,
        "the page's numbers differ from the native ones by up to {line} (line) \
         and {digits} (MNIST), more than {TOLERANCE}"
    );
    assert!(
        grid <= GRID_TOLERANCE,
        "the grid's held-out losses differ from the native ones by up to {grid} \
         of their size, more than {GRID_TOLERANCE}"
    );

    let mut times: Vec<f64> = texts(&records, "time")
        .iter()
        .map(|r| number(&r[0]))
        .collect();
    assert!(!times.is_empty(), "no timed run in {records:?}");
    let each = times
        .iter()
        .map(|t| format!("{t}"))
        .collect::<Vec<_>>()
        .join(", ");
    let middle = median(&mut times);
    let browser = texts(&records, "browser")
        .first()
        .map_or("?".to_string(), |r| r[0].clone());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let summary = format!(
        "Chromium {browser}, headless, {cores} cores:\n\
         the MNIST 0 vs 1 defaults (batch sizes {}; 10 epochs)\n\
         took {middle} ms from pressing Train to the drawn charts \
         (median of {} runs: {each} ms).\n\
         Largest difference from the native numbers: {} on the line, \
         {} on MNIST;\n{} (relative) in the held-out losses of the 4 vs 9 grid, \
         some of whose runs are sure and wrong.\n",
        DIGIT_BATCHES.map(|b| b.to_string()).join(", "),
        times.len(),
        difference(line),
        difference(digits),
        difference(grid),
    );
    println!("{summary}");
    if let Some(text) = record("playground.txt", &summary) {
        assert!(
            text.starts_with("Chromium ") && text.contains(" ms from pressing"),
            "book/outputs/playground.txt holds no measurement: record one \
             with `UPDATE_OUTPUTS=1 cargo test --test playground`"
        );
    }
}
