//! The book's playground (`book/mini-batch/playground.md`, built into
//! `book/playground/` by `scripts/build-playground`):
//!
//! - its built files are those of the current sources, and it stays small;
//! - its demo images are the first 1,000 zeros and ones of `data/`;
//! - in a real browser (Debian's Chromium, headless, driven by
//!   `tests/browser/playground.mjs`) it computes what the native programs
//!   compute, asks no other host for anything, logs no error, and trains the
//!   MNIST defaults in under a second.
//!
//! The browser test needs Chromium (`apt-get install chromium`), Node.js and
//! the pinned packages of `tests/browser` (`npm ci --prefix tests/browser`).
//! Without them it says that it was skipped (`common::skip`), except under CI
//! (`CI=true`, as `.ci/run` sets it): there it fails.
//! `UPDATE_OUTPUTS=1` writes its measurement into `book/outputs/playground.txt`.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::files::{bundled, root, temp_dir};
use ndarray::Array1;
use neural_network::data::checksum::hex_sha256;
use neural_network::data::{
    IMAGES_MAGIC, IdxDataSet, LABELS_MAGIC, LabelledImages, mnist,
    read_idx_file,
};
use neural_network::metrics::Confusion;
use neural_network::{
    Activation, DEFAULT_SEED, Loss, Settings, Shuffle, gradient_descent,
    predict,
};

/// The largest difference allowed between the browser's numbers and the
/// native ones: the arithmetic is the same, but `exp` and `ln` come from
/// different libraries and may differ in the last bit.
const TOLERANCE: f64 = 1e-12;
/// What the page may weigh: the WebAssembly, its glue, the data, the scripts.
const MAX_BYTES: u64 = 1_000_000;
/// The slowest acceptable median time of the MNIST defaults, in ms.
const MAX_MS: f64 = 1000.0;
/// The page's MNIST defaults: these batch sizes, 10 epochs, seed 42.
const DIGIT_BATCHES: [usize; 4] = [1, 8, 32, 800];
/// The page's line defaults, Exercise 2's batch sizes.
const LINE_BATCHES: [usize; 2] = [2, 4];

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
        "data/train-images-idx3-ubyte.gz",
        "data/train-labels-idx1-ubyte.gz",
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

/// The playground's demo images, as the page reads them.
fn shipped_images() -> LabelledImages {
    let read = |name: &str, magic| {
        let path = built().join("data").join(name);
        read_idx_file(&path, magic).unwrap()
    };
    LabelledImages::pair(
        "train-images-idx3-ubyte".into(),
        read("train-images-idx3-ubyte.gz", IMAGES_MAGIC),
        "train-labels-idx1-ubyte".into(),
        read("train-labels-idx1-ubyte.gz", LABELS_MAGIC),
    )
    .unwrap()
}

/// The training images of the bundled `data/`.
fn bundled_images() -> LabelledImages {
    IdxDataSet::load(&bundled()).unwrap().train
}

#[test]
fn the_demo_images_are_the_first_thousand_zeros_and_ones_of_data() {
    let shipped = shipped_images();
    let bundled = bundled_images();
    let first = bundled.of_classes(&[0, 1], Some(mnist::DEMO_IMAGES));
    assert_eq!(shipped.len(), mnist::DEMO_IMAGES);
    assert_eq!((shipped.rows, shipped.cols), (first.rows, first.cols));
    assert!(shipped.labels == first.labels, "the labels differ");
    assert!(shipped.pixels == first.pixels, "the pixels differ");
    for seed in [DEFAULT_SEED, 7] {
        let ours = mnist::blog_demo(&shipped, (0, 1), seed).unwrap();
        let blog = mnist::blog_demo(&bundled, (0, 1), seed).unwrap();
        assert_eq!(ours, blog, "blog_demo differs with seed {seed}");
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

/// Runs the browser driver on `url`, with a time limit; returns its records.
fn drive(url: &str, chromium: &Path) -> Vec<Vec<String>> {
    let mut child = Command::new("node")
        .arg("tests/browser/playground.mjs")
        .arg(url)
        .arg(chromium)
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
    let deadline = Instant::now() + Duration::from_secs(240);
    let status = loop {
        if let Some(status) = child.try_wait().expect("the driver runs") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the browser driver took longer than 4 minutes");
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

fn numbers(text: &str) -> Vec<f64> {
    text.split(',').map(number).collect()
}

/// The largest difference between two lists of numbers of the same length.
fn largest_difference(page: &[f64], native: &[f64], what: &str) -> f64 {
    assert_eq!(page.len(), native.len(), "{what}: lengths differ");
    page.iter()
        .zip(native)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// A finished run, as the page showed it or as the native code computes it.
#[derive(Debug)]
struct Run {
    batch_size: usize,
    /// Final W (line) or test accuracy (digits).
    value: f64,
    bias: f64,
    losses: Vec<f64>,
}

fn runs(records: &[Vec<String>], kind: &str) -> Vec<Run> {
    records
        .iter()
        .filter(|r| r[0] == kind)
        .map(|r| {
            assert_eq!(r.len(), 5, "a malformed record: {r:?}");
            Run {
                batch_size: r[1].parse().expect("a batch size"),
                value: number(&r[2]),
                bias: number(&r[3]),
                losses: numbers(&r[4]),
            }
        })
        .collect()
}

/// Compares the page's line runs with `exercise_2`'s output; returns the
/// largest difference.
fn compare_line(page: &[Run]) -> f64 {
    let sizes: Vec<usize> = page.iter().map(|r| r.batch_size).collect();
    assert_eq!(sizes, LINE_BATCHES, "the line's default batch sizes");
    let output = common::run(env!("CARGO_BIN_EXE_exercise_2"), &[]);
    let native = common::summaries(&output);
    assert_eq!(native.len(), page.len(), "exercise_2's runs:\n{output}");
    let mut largest: f64 = 0.0;
    for (run, expected) in page.iter().zip(&native) {
        let what = format!("line, batch size {}", run.batch_size);
        largest = largest
            .max(largest_difference(&run.losses, &expected.losses, &what))
            .max((run.value - expected.w[0]).abs())
            .max((run.bias - expected.b).abs());
    }
    largest
}

/// The page's MNIST runs computed natively with the library, as the page's
/// `train_digits` does.
fn native_digits() -> Vec<Run> {
    let images = bundled_images();
    let (train, test, _) =
        mnist::blog_demo(&images, (0, 1), DEFAULT_SEED).unwrap();
    DIGIT_BATCHES
        .iter()
        .map(|&batch_size| {
            let settings =
                Settings::new(0.1, 10, batch_size, Loss::BinaryCrossEntropy)
                    .activation(Activation::Sigmoid)
                    .shuffle(Shuffle::Seeded(DEFAULT_SEED));
            let w = Array1::zeros(train.x.ncols());
            let trained = gradient_descent(
                &train.x,
                &train.y,
                &w,
                0.0,
                &settings,
                |_| {},
            )
            .unwrap();
            let p =
                predict(&test.x, &trained.w, trained.b, Activation::Sigmoid)
                    .unwrap();
            Run {
                batch_size,
                value: Confusion::of(&p, &test.y).unwrap().accuracy(),
                bias: trained.b,
                losses: trained.loss_history,
            }
        })
        .collect()
}

/// Compares the page's MNIST runs with the native library and with `train
/// --blog` (batch size 32); returns the largest difference.
fn compare_digits(page: &[Run]) -> f64 {
    let sizes: Vec<usize> = page.iter().map(|r| r.batch_size).collect();
    assert_eq!(sizes, DIGIT_BATCHES, "the MNIST default batch sizes");
    let mut largest: f64 = 0.0;
    for (run, native) in page.iter().zip(native_digits()) {
        let what = format!("MNIST, batch size {}", run.batch_size);
        assert_eq!(run.value, native.value, "{what}: test accuracy");
        largest = largest
            .max(largest_difference(&run.losses, &native.losses, &what))
            .max((run.bias - native.bias).abs());
    }

    // `train --blog` prints its losses and accuracy to four decimals and
    // saves its bias exactly.
    let scratch = temp_dir();
    let weights = scratch.path().join("weights.json");
    let output = common::run(
        env!("CARGO_BIN_EXE_train"),
        &["--blog", "--save-weights", weights.to_str().unwrap()],
    );
    let blog = page.iter().find(|r| r.batch_size == 32).unwrap();
    let printed: Vec<&str> = output
        .lines()
        .filter_map(|l| l.split_once(", Loss: ").map(|(_, v)| v))
        .collect();
    let shown: Vec<String> =
        blog.losses.iter().map(|l| format!("{l:.4}")).collect();
    assert_eq!(printed, shown, "train --blog printed:\n{output}");
    assert!(
        output.contains(&format!("Test accuracy: {:.4}\n", blog.value)),
        "the page's accuracy {} is not train --blog's:\n{output}",
        blog.value
    );
    let json = std::fs::read_to_string(&weights).unwrap();
    let bias = json
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"bias\": "))
        .map(|v| number(v.trim_end_matches(',')))
        .expect("a bias in --save-weights' JSON");
    largest.max((blog.bias - bias).abs())
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
    let url = format!("{address}/mini-batch/playground.html");
    let records = drive(&url, &chromium);

    let problems: Vec<String> = records
        .iter()
        .filter(|r| r[0] == "problem")
        .map(|r| r[1..].join(" "))
        .collect();
    assert!(
        problems.is_empty(),
        "the page had problems:\n  {}",
        problems.join("\n  ")
    );
    let diverged: Vec<&Vec<String>> =
        records.iter().filter(|r| r[0] == "diverged").collect();
    assert!(
        diverged.len() == 1 && diverged[0][1].contains("diverged"),
        "with learning rate 0.5 for 100 epochs the page should report the \
         crate's divergence error, but said {diverged:?}"
    );
    let nojs: Vec<&Vec<String>> =
        records.iter().filter(|r| r[0] == "nojs").collect();
    assert!(
        nojs.len() == 1
            && nojs[0][1].contains("needs JavaScript and WebAssembly"),
        "without JavaScript the page should say what the playground needs, \
         but showed {nojs:?}"
    );
    let line = compare_line(&runs(&records, "line"));
    let digits = compare_digits(&runs(&records, "digits"));
    assert!(
        line <= TOLERANCE && digits <= TOLERANCE,
        "the page's numbers differ from the native ones by up to {} (line) \
         and {} (MNIST), more than {TOLERANCE}",
        line,
        digits
    );

    let mut times: Vec<f64> = records
        .iter()
        .filter(|r| r[0] == "time")
        .map(|r| number(&r[1]))
        .collect();
    assert!(!times.is_empty(), "no timed run in {records:?}");
    let each = times
        .iter()
        .map(|t| format!("{t}"))
        .collect::<Vec<_>>()
        .join(", ");
    let middle = median(&mut times);
    let browser = records
        .iter()
        .find(|r| r[0] == "browser")
        .map_or("?", |r| r[1].as_str());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let summary = format!(
        "Chromium {browser}, headless, {cores} cores:\n\
         the MNIST defaults (batch sizes {}; 10 epochs)\n\
         took {middle} ms from pressing Train to the drawn charts \
         (median of {} runs: {each} ms).\n\
         Largest difference from the native numbers: {} on the line, \
         {} on MNIST.\n",
        DIGIT_BATCHES.map(|b| b.to_string()).join(", "),
        times.len(),
        difference(line),
        difference(digits),
    );
    println!("{summary}");
    assert!(
        middle < MAX_MS,
        "the MNIST defaults took {middle} ms, more than {MAX_MS} ms:\n{summary}"
    );
    let recorded = root().join("book/outputs/playground.txt");
    if std::env::var_os("UPDATE_OUTPUTS").is_some() {
        std::fs::write(&recorded, &summary).unwrap();
    } else {
        let text = std::fs::read_to_string(&recorded).unwrap_or_default();
        assert!(
            text.starts_with("Chromium ") && text.contains(" ms from pressing"),
            "{} holds no measurement: record one with \
             `UPDATE_OUTPUTS=1 cargo test --test playground`",
            recorded.display()
        );
    }
}
