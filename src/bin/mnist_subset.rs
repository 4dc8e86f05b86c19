//! Writes the IDX files of a few classes of MNIST: how `data/` was made.
//!
//! `cargo run --release --bin mnist_subset -- --from DIR --classes 0,1 --out data`
//!
//! `DIR` holds the four official MNIST files (raw or gzipped) and a `SHA256SUMS` file with
//! the SHA-256 of their decompressed content; every file is verified before anything is
//! written. The output keeps the images of the chosen classes in their original order, as
//! gzip-compressed IDX files, with a `SHA256SUMS` of their decompressed content.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use flate2::Compression;
use flate2::write::GzEncoder;
use neural_network::cli::{exit_with, parse_classes};
use neural_network::data::{
    IMAGES_MAGIC, LABELS_MAGIC, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, encode_idx,
    parse_idx, read_maybe_gzipped,
};
use neural_network::files::write_atomically;
use sha2::{Digest, Sha256};

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
}

fn main() -> ExitCode {
    neural_network::cli::end_quietly_on_broken_pipe();
    exit_with(run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let sums_path = args.from.join("SHA256SUMS");
    let sums = fs::read_to_string(&sums_path).with_context(|| {
        format!(
            "{}: cannot read the checksums the files are verified against",
            sums_path.display()
        )
    })?;
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut out_sums = String::from(
        "# SHA-256 of the decompressed IDX files (check with: zcat FILE.gz | sha256sum)\n",
    );
    for (images_name, labels_name) in [(TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)] {
        let images = parse_idx(&verified(&args.from, images_name, &sums)?, IMAGES_MAGIC)?;
        let labels = parse_idx(&verified(&args.from, labels_name, &sums)?, LABELS_MAGIC)?;
        let size = images.dims[1] * images.dims[2];
        let keep: Vec<usize> = (0..labels.data.len())
            .filter(|&i| [args.classes.0, args.classes.1].contains(&labels.data[i]))
            .collect();
        let kept_pixels: Vec<u8> = keep
            .iter()
            .flat_map(|&i| images.data[i * size..(i + 1) * size].to_vec())
            .collect();
        let kept_labels: Vec<u8> = keep.iter().map(|&i| labels.data[i]).collect();
        for (name, bytes) in [
            (
                images_name,
                encode_idx(
                    IMAGES_MAGIC,
                    &[keep.len(), images.dims[1], images.dims[2]],
                    &kept_pixels,
                ),
            ),
            (
                labels_name,
                encode_idx(LABELS_MAGIC, &[keep.len()], &kept_labels),
            ),
        ] {
            write_gzipped(&args.out.join(format!("{name}.gz")), &bytes)?;
            out_sums.push_str(&format!("{}  {name}\n", hex_sha256(&bytes)));
        }
        let count = |c: u8| kept_labels.iter().filter(|&&l| l == c).count();
        println!(
            "{images_name}: kept {} of {} images ({} of class {}, {} of class {})",
            keep.len(),
            labels.data.len(),
            count(args.classes.0),
            args.classes.0,
            count(args.classes.1),
            args.classes.1
        );
    }
    write_atomically(&args.out.join("SHA256SUMS"), out_sums.as_bytes())?;
    println!("wrote {} and its SHA256SUMS", args.out.display());
    Ok(())
}

/// The decompressed content of `name` in `dir`, after checking it against `sums`.
fn verified(dir: &Path, name: &str, sums: &str) -> anyhow::Result<Vec<u8>> {
    let expected = sums
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            l.split_once("  ")
                .filter(|(_, n)| n.trim() == name)
                .map(|(h, _)| h.trim().to_lowercase())
        })
        .with_context(|| {
            format!(
                "{}: no checksum for {name}",
                dir.join("SHA256SUMS").display()
            )
        })?;
    let path = [dir.join(format!("{name}.gz")), dir.join(name)]
        .into_iter()
        .find(|p| p.is_file())
        .with_context(|| format!("{}: no file {name} or {name}.gz", dir.display()))?;
    let content = read_maybe_gzipped(&path)?;
    let found = hex_sha256(&content);
    if found != expected {
        bail!(
            "{}: SHA-256 {found} does not match {expected}: the file is damaged or not the official one",
            path.display()
        );
    }
    Ok(content)
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Gzips `bytes` (best compression, no name or time in the header, so the output is the
/// same on every run) into `path`.
fn write_gzipped(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    let compressed = encoder.finish()?;
    write_atomically(path, &compressed).with_context(|| format!("cannot write {}", path.display()))
}
