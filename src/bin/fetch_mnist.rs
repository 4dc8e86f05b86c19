//! Downloads the four official MNIST files and verifies them: the full data set for the
//! main program's `--data-dir`.
//!
//! `cargo run --release --bin fetch_mnist -- --out mnist`
//!
//! The downloading, resuming and verifying are `neural_network::data::download`; this
//! program reads the flags, checks where it will write, prints what happens and moves
//! each verified file to its final name. Files already present and verified are skipped,
//! so running it again is cheap. At the end it writes the checksums it verified against
//! to `SHA256SUMS` in the output directory, which makes that directory a valid `--from`
//! for `mnist_subset`. A run that fails removes the folders it created, if they are
//! still empty.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use neural_network::data::checksum::{parse_sums, read_sums};
use neural_network::data::download::{
    Downloader, Event, OFFICIAL_SUMS, Start, Wanted, parse_mirror,
};
use neural_network::programs::cli::{parse_args, run_main};
use neural_network::programs::output::{NewFolders, Outputs};
use neural_network::{note, say};

/// Download the four MNIST files, verify their SHA-256 and write them to a directory.
#[derive(Parser)]
#[command(
    after_help = "Then train on them with: cargo run --release -- --data-dir DIR \
--classes 3,8. Without internet, put the four files in a directory and pass --data-dir DIR."
)]
struct Args {
    /// Directory to write train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
    /// t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz to (created if missing)
    #[arg(long, value_name = "DIR", default_value = "mnist")]
    out: PathBuf,
    /// Base URL to download the files from; repeat to try several in order
    /// [default: the mirrors torchvision and TensorFlow use]
    #[arg(long = "mirror", value_name = "URL", value_parser = parse_mirror)]
    mirrors: Vec<String>,
    /// SHA256SUMS file with the SHA-256 of each file's decompressed content, as
    /// `HASH  NAME` lines with NAME without .gz [default: the official MNIST values]
    #[arg(long, value_name = "FILE")]
    sums: Option<PathBuf>,
    /// Replace files in DIR even if they are read-only
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    run_main(|| run(parse_args()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (sums, origin) = match &args.sums {
        Some(path) => (
            read_sums(path).map_err(|e| anyhow::anyhow!("--sums {e}"))?,
            path.display().to_string(),
        ),
        None => (
            parse_sums(OFFICIAL_SUMS).map_err(anyhow::Error::msg)?,
            "the official sums".to_string(),
        ),
    };
    let wanted = Wanted::all(&sums, &origin)?;
    // Folders made for this run go again if it fails and nothing landed in them; a
    // partial download keeps its folder, for the next run to resume.
    let folders = NewFolders::create("--out", &args.out)?;
    fetch_all(&args, &wanted)?;
    folders.keep();
    Ok(())
}

/// Skips the files already there and verified, checks every file it will write, then
/// downloads the others and writes SHA256SUMS.
fn fetch_all(args: &Args, wanted: &[Wanted]) -> anyhow::Result<()> {
    let mut missing = Vec::new();
    for file in wanted {
        let present = file.present_in(&args.out, &mut |event| show(&event));
        match present {
            Some(path) => {
                say!(
                    "{}: already present and verified, skipped",
                    path.display()
                )
            }
            None => missing.push(file),
        }
    }
    let sums_path = args.out.join("SHA256SUMS");
    let mut sums_text = String::from(
        "# SHA-256 of the decompressed IDX files (check with: zcat FILE.gz | sha256sum)\n",
    );
    for file in wanted {
        sums_text.push_str(&format!("{}  {}\n", file.sha256, file.name));
    }
    // The checksums are rewritten only where they differ: `--sums DIR/SHA256SUMS` is
    // read and left as it is.
    let same_sums = read_sums(&sums_path).is_ok_and(|there| {
        wanted.iter().all(|f| there.get(f.name) == Some(&f.sha256))
    });
    let targets: Vec<PathBuf> = missing
        .iter()
        .map(|f| args.out.join(f.gz_name()))
        .chain((!same_sums).then(|| sums_path.clone()))
        .collect();
    let plan: Vec<(&str, &Path)> = targets
        .iter()
        .map(|path| ("--out", path.as_path()))
        .collect();
    let inputs: Vec<PathBuf> = args.sums.iter().cloned().collect();
    let outputs = Outputs::plan(&plan, &inputs, args.force)?;

    let downloader = Downloader::new(&args.mirrors);
    let mut bar = None;
    for file in missing {
        let target = args.out.join(file.gz_name());
        let fetched = downloader
            .fetch(&target, file, &mut |event| progress(&event, &mut bar));
        if let Some(bar) = bar.take() {
            bar.abandon();
        }
        outputs.place(&fetched?, &target)?;
        say!("{}: SHA-256 verified, saved", target.display());
    }
    if !same_sums {
        outputs.write(&sums_path, sums_text.as_bytes())?;
    }
    say!(
        "All four files are in {} and verified. Train on them with: \
         cargo run --release -- --data-dir {}",
        args.out.display(),
        args.out.display()
    );
    Ok(())
}

/// Shows a download's progress: a byte counter on standard error when it is a terminal
/// (hidden otherwise, so that logs and tests see only the printed lines).
fn progress(event: &Event, bar: &mut Option<ProgressBar>) {
    match *event {
        Event::Start {
            target, at, total, ..
        } => {
            show(event);
            *bar = Some(progress_bar(target, total, at));
        }
        Event::Progress { received, .. } => {
            if let Some(bar) = bar {
                bar.set_position(received);
            }
        }
        Event::Received { .. } => {
            if let Some(bar) = bar.take() {
                bar.finish_and_clear();
            }
            show(event);
        }
        _ => show(event),
    }
}

/// Prints what happened: on standard output, or standard error for a mirror that failed.
fn show(event: &Event) {
    match *event {
        Event::NotUsed { path, why } => {
            say!("{}: {why}; not using it", path.display())
        }
        Event::Start {
            target,
            url,
            how,
            at,
            ..
        } => {
            let target = target.display();
            match how {
                Start::Fresh => say!("{target}: downloading {url}"),
                Start::Resumed => {
                    say!("{target}: resuming at byte {at} from {url}")
                }
                Start::NotResumable => say!(
                    "{target}: {url} does not resume downloads; downloading the whole file"
                ),
            }
        }
        Event::Progress { .. } => {}
        Event::Received { target, received } => {
            say!("{}: {received} bytes received", target.display())
        }
        Event::AlreadyComplete { target } => {
            say!("{}: the partial download is complete", target.display())
        }
        Event::ResumedBad { target, why } => say!(
            "{}: the resumed download does not verify ({why}); downloading it again from the start",
            target.display()
        ),
        Event::MirrorFailed { failure } => {
            note!("warning: {failure}; trying the next mirror")
        }
    }
}

/// A byte counter on standard error when it is a terminal; hidden otherwise.
fn progress_bar(path: &Path, total: Option<u64>, position: u64) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total.unwrap_or(0));
    let template = if total.is_some() {
        "{msg} {bar:30} {bytes}/{total_bytes}, {bytes_per_sec}, about {eta} left"
    } else {
        "{msg} {bytes}, {bytes_per_sec}"
    };
    bar.set_style(
        ProgressStyle::with_template(template).expect("a valid template"),
    );
    bar.set_message(
        path.file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
    );
    bar.set_position(position);
    bar
}
