//! Writes the IDX files of a few classes of MNIST: how `data/` was made.
//!
//! `cargo run --release --bin mnist_subset -- --from DIR --classes 0,1 --out data`
//!
//! The book's playground ships the blog's demo images, made from `data/` by
//! `scripts/build-playground` with `--limit 1000 --train-only`.
//!
//! `DIR` holds the four official MNIST files (raw or gzipped) and a `SHA256SUMS` file with
//! the SHA-256 of their decompressed content; every file is verified before anything is
//! written. The output keeps the images of the chosen classes in their original order, as
//! gzip-compressed IDX files, with a `SHA256SUMS` of their decompressed content.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use flate2::Compression;
use flate2::write::GzEncoder;
use neural_network::data::checksum::{hex_sha256, parse_sums};
use neural_network::data::{
    IMAGES_MAGIC, LABELS_MAGIC, LabelledImages, TEST_IMAGES, TEST_LABELS,
    TRAIN_IMAGES, TRAIN_LABELS, find_idx_file, parse_idx, read_maybe_gzipped,
};
use neural_network::programs::cli::{parse_classes, parse_positive, run_main};
use neural_network::programs::output::write_atomically;

/// Filter verified MNIST IDX files down to some classes.
#[derive(Parser)]
struct Args {
    /// Directory with the four official IDX files and their SHA256SUMS.
    #[arg(long)]
    from: PathBuf,
    /// The classes to keep, as A,B.
    #[arg(long, default_value = "0,1", value_parser = parse_classes)]
    classes: (u8, u8),
    /// Directory to write the subset to (created if missing).
    #[arg(long, default_value = "data")]
    out: PathBuf,
    /// Keep only the first N images of the classes in each file.
    #[arg(long, value_name = "N", value_parser = parse_positive)]
    limit: Option<usize>,
    /// Write only the training set's two files.
    #[arg(long)]
    train_only: bool,
}

fn main() -> ExitCode {
    run_main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let sums_path = args.from.join("SHA256SUMS");
    let sums_text = fs::read_to_string(&sums_path).with_context(|| {
        format!(
            "{}: cannot read the checksums the files are verified against",
            sums_path.display()
        )
    })?;
    let sums = parse_sums(&sums_text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", sums_path.display()))?;
    let classes = [args.classes.0, args.classes.1];

    // Everything is read, verified and filtered before anything is written.
    let mut files = Vec::new();
    let mut report = Vec::new();
    let parts: &[_] = if args.train_only {
        &[(TRAIN_IMAGES, TRAIN_LABELS)]
    } else {
        &[(TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)]
    };
    for &(images_name, labels_name) in parts {
        let images = parse_idx(
            &verified(&args.from, images_name, &sums)?,
            IMAGES_MAGIC,
        )?;
        let labels = parse_idx(
            &verified(&args.from, labels_name, &sums)?,
            LABELS_MAGIC,
        )?;
        let set = LabelledImages::pair(
            PathBuf::from(images_name),
            images,
            PathBuf::from(labels_name),
            labels,
        )?;
        for class in classes {
            if set.count(class) == 0 {
                bail!(
                    "{images_name}: no image has label {class}: pick classes that occur in the labels"
                );
            }
        }
        let kept = set.of_classes(&classes, args.limit);
        for class in classes {
            if kept.count(class) == 0 {
                bail!(
                    "{images_name}: the first {} images of the classes hold none of class {class}: \
                     raise --limit",
                    kept.len()
                );
            }
        }
        let (images, labels) = kept.to_idx();
        files.push((images_name, images));
        files.push((labels_name, labels));
        report.push(format!(
            "{images_name}: kept {} of {} images ({} of class {}, {} of class {})",
            kept.len(),
            set.len(),
            kept.count(classes[0]),
            classes[0],
            kept.count(classes[1]),
            classes[1]
        ));
    }

    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut out_sums = String::from(
        "# SHA-256 of the decompressed IDX files (check with: zcat FILE.gz | sha256sum)\n",
    );
    for (name, bytes) in &files {
        write_gzipped(&args.out.join(format!("{name}.gz")), bytes)?;
        out_sums.push_str(&format!("{}  {name}\n", hex_sha256(bytes)));
    }
    write_atomically(&args.out.join("SHA256SUMS"), out_sums.as_bytes())?;
    for line in report {
        println!("{line}");
    }
    println!("wrote {} and its SHA256SUMS", args.out.display());
    Ok(())
}

/// The decompressed content of `name` in `dir`, after checking it against `sums`.
fn verified(
    dir: &Path,
    name: &'static str,
    sums: &HashMap<String, String>,
) -> anyhow::Result<Vec<u8>> {
    let expected = sums.get(name).with_context(|| {
        format!(
            "{}: no checksum for {name}",
            dir.join("SHA256SUMS").display()
        )
    })?;
    let path = find_idx_file(dir, name)?;
    let content = read_maybe_gzipped(&path)?;
    let found = hex_sha256(&content);
    if &found != expected {
        bail!(
            "{}: SHA-256 {found} does not match {expected}: the file is damaged or not the official one",
            path.display()
        );
    }
    Ok(content)
}

/// Gzips `bytes` (best compression, no name or time in the header, so the output is the
/// same on every run) into `path`.
fn write_gzipped(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    let compressed = encoder.finish()?;
    write_atomically(path, &compressed)
        .with_context(|| format!("cannot write {}", path.display()))
}
