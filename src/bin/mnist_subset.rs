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
//!
//! The files replace those in the `--out` folder together
//! ([`Folder`]): a run that fails or is
//! stopped leaves the folder as it was, never new files beside old ones.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use clap::Parser;
use flate2::Compression;
use flate2::write::GzEncoder;
use neural_network::data::{
    IMAGES_MAGIC, IdxFiles, LABELS_MAGIC, LabelledImages, Part, Setting,
    TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS,
};
use neural_network::programs::budget::{Budget, HeldOut, Keeps, Run};
use neural_network::programs::checksum::{
    hex_sha256, read_sums, read_verified,
};
use neural_network::programs::cli::{
    name_flag, parse_args, parse_classes, parse_images, parse_memory,
    parse_output_path, run_main,
};
use neural_network::programs::folder::Folder;
use neural_network::say;

/// Filter verified MNIST IDX files down to some classes.
#[derive(Parser)]
struct Args {
    /// Directory with the four official IDX files and their SHA256SUMS.
    #[arg(long, value_name = "DIR")]
    from: PathBuf,
    /// The classes to keep, as A,B.
    #[arg(long, value_name = "A,B", default_value = "0,1", value_parser = parse_classes, allow_hyphen_values = true)]
    classes: (u8, u8),
    /// Directory to write the subset to (created if missing).
    #[arg(long, value_name = "DIR", default_value = "data", value_parser = parse_output_path)]
    out: PathBuf,
    /// Keep only the first N images of the classes in each file.
    #[arg(long, value_name = "N", value_parser = parse_images)]
    limit: Option<usize>,
    /// Write only the training set's two files.
    #[arg(long)]
    train_only: bool,
    /// Replace files in the --out directory even if they are read-only.
    #[arg(long)]
    force: bool,
    /// The most memory the run may hold, such as 4GiB.
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = parse_memory)]
    max_memory: u64,
}

fn main() -> ExitCode {
    run_main(|| run(parse_args()).map_err(|e| name_flag(e, flag)))
}

/// This program's flag for a setting of the data.
fn flag(setting: Setting) -> Option<&'static str> {
    match setting {
        Setting::Dir => Some("--from"),
        Setting::Classes => Some("--classes"),
        Setting::Limit => Some("--limit"),
        Setting::Validation => None,
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let sources = IdxFiles::find(&args.from)?;
    let sums_path = args.from.join("SHA256SUMS");
    let sums = read_sums(&sums_path).map_err(|e| {
        anyhow::anyhow!("{e} (the checksums the files are verified against)")
    })?;
    check_memory(&sources, &args)?;

    // Every output is checked, then everything is read, verified and filtered,
    // before anything is written; the files replace the old ones together.
    // Pairs of (images, labels) among `NAMES`.
    let parts: &[(usize, usize)] = if args.train_only {
        &[(0, 1)]
    } else {
        &[(0, 1), (2, 3)]
    };
    let targets: Vec<String> = NAMES[..2 * parts.len()]
        .iter()
        .map(|name| format!("{name}.gz"))
        .chain(["SHA256SUMS".to_string()])
        .collect();
    if args.train_only {
        refuse_other_test_files(&args.out)?;
    }
    let inputs: Vec<PathBuf> = sources
        .paths
        .iter()
        .chain(&sources.unread)
        .chain([&sums_path])
        .cloned()
        .collect();
    let plan: Vec<&str> = targets.iter().map(String::as_str).collect();
    let folder = Folder::plan("--out", &args.out, &plan, &inputs, args.force)?;

    let (files, report) = subset(&sources, (&sums, &sums_path), parts, &args)?;

    write_subset(&folder, &files)?;
    // Said before the files are put in place: if it cannot be said, they
    // are not.
    for line in report {
        say!("{line}");
    }
    folder.commit()?;
    say!("wrote {} and its SHA256SUMS", args.out.display());
    Ok(())
}

/// Refuses to write only the training files into a folder that holds test
/// files: they would come from another run and not pair with the new
/// training files or their `SHA256SUMS`.
fn refuse_other_test_files(out: &Path) -> anyhow::Result<()> {
    for name in [TEST_IMAGES, TEST_LABELS] {
        for file in [name.to_string(), format!("{name}.gz")] {
            if fs::symlink_metadata(out.join(&file)).is_ok() {
                bail!(
                    "--out {}: holds {file}, which --train-only would leave beside new \
                     training files it does not belong with: remove it, or write all four \
                     files (without --train-only)",
                    out.display()
                );
            }
        }
    }
    Ok(())
}

/// The four files of a data directory, in the order of `IdxFiles::paths`.
const NAMES: [&str; 4] = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS];

/// The bytes of an IDX file, and its standard name.
type Named = (&'static str, Vec<u8>);

/// The IDX files of the chosen classes, by name, from each pair of image
/// and label files of `sources` in `parts`, every file read verified against
/// `sums` (read from the file `sums.1`); and a line on what each kept.
fn subset(
    sources: &IdxFiles,
    (sums, sums_path): (&HashMap<String, String>, &Path),
    parts: &[(usize, usize)],
    args: &Args,
) -> anyhow::Result<(Vec<Named>, Vec<String>)> {
    let classes = [args.classes.0, args.classes.1];
    let mut files = Vec::new();
    let mut report = Vec::new();
    // The i-th file's content, verified against its checksum.
    let verified = |i: usize, magic| {
        let name = NAMES[i];
        let expected = sums.get(name).ok_or_else(|| {
            anyhow::anyhow!("{}: no checksum for {name}", sums_path.display())
        })?;
        anyhow::Ok(read_verified(&sources.paths[i], magic, expected)?)
    };
    for &(images, labels) in parts {
        let set = LabelledImages::pair(
            sources.paths[images].clone(),
            verified(images, IMAGES_MAGIC)?,
            sources.paths[labels].clone(),
            verified(labels, LABELS_MAGIC)?,
        )?;
        let (images_name, labels_name) = (NAMES[images], NAMES[labels]);
        let part = if images == 0 { Part::Train } else { Part::Test };
        let kept = set.two_classes(args.classes, args.limit, part)?;
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
    Ok((files, report))
}

/// Refuses a run that would hold more memory than `--max-memory`, before
/// it reads the images.
fn check_memory(sources: &IdxFiles, args: &Args) -> anyhow::Result<()> {
    let run = Run {
        classes: args.classes,
        limit: args.limit,
        held_out: if args.train_only {
            HeldOut::None
        } else {
            HeldOut::TestFiles
        },
        epochs: 0,
    };
    let fewer = ["pass --limit N to keep fewer images"];
    Budget(args.max_memory).check_run(sources, &run, Keeps::SUBSET, &fewer)?;
    Ok(())
}

/// Writes `files` into `folder`, each gzip-compressed, and a `SHA256SUMS` of
/// their decompressed content.
fn write_subset(folder: &Folder, files: &[Named]) -> anyhow::Result<()> {
    let mut sums = String::from(
        "# SHA-256 of the decompressed IDX files (check with: zcat FILE.gz | sha256sum)\n",
    );
    for (name, bytes) in files {
        folder.write(&format!("{name}.gz"), &gzipped(bytes)?)?;
        sums.push_str(&format!("{}  {name}\n", hex_sha256(bytes)));
    }
    folder.write("SHA256SUMS", sums.as_bytes())?;
    Ok(())
}

/// `bytes` gzipped with the best compression and no name or time in the header, so the
/// output is the same on every run.
fn gzipped(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}
