//! Downloads the four official MNIST files and verifies them: the full data set for the
//! main program's `--data-dir`.
//!
//! `cargo run --release --bin fetch_mnist -- --out mnist`
//!
//! Each file is fetched from the first mirror that serves it correctly (by default the
//! ones torchvision and TensorFlow use), into `NAME.gz.partial`, then verified and only
//! then renamed to `NAME.gz`: a file under its final name is always a verified one.
//!
//! - **What is verified** is the SHA-256 of the *decompressed* content, not of the gzip
//!   bytes, since two mirrors may compress the same content differently. The file must also
//!   parse as an IDX file of its kind (magic number and length), so a wrong file never lands.
//!   `--sums FILE` replaces the official checksums (SHA256SUMS format, like
//!   `data/SHA256SUMS`), for other data sets with the same file names, such as Fashion-MNIST.
//! - **Resuming:** an interrupted download leaves its `.partial` file; the next run asks
//!   for the rest with `Range: bytes=N-`. A server that ignores the range (200) sends the
//!   whole file again, which then replaces the partial one. If the resumed file fails
//!   verification (say, its start came from a mirror that compresses differently) it is
//!   downloaded once more from zero before the next mirror is tried.
//! - **Offline** it fails fast (DNS failure is immediate, connecting times out after 10 s)
//!   with one line that says what to do instead: put the files in a directory and pass
//!   `--data-dir DIR` to the main program.
//!
//! Files already present and verified are skipped, so running it again is cheap. At the
//! end it writes the checksums it verified against to `SHA256SUMS` in the output
//! directory, which makes that directory a valid `--from` for `mnist_subset`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressStyle};
use neural_network::data::checksum::{hex_sha256, parse_sums};
use neural_network::data::{
    IMAGES_MAGIC, LABELS_MAGIC, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES,
    TRAIN_LABELS, parse_idx, read_maybe_gzipped,
};
use neural_network::programs::cli::run_main;
use neural_network::programs::output::{temporary_path, write_atomically};

/// The mirrors torchvision (first) and TensorFlow (second) download MNIST from.
const DEFAULT_MIRRORS: [&str; 2] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
];

/// The SHA-256 of the decompressed official MNIST files, in the format `--sums` reads.
const OFFICIAL_SUMS: &str = "\
ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte
";

/// The four files, each with the IDX magic number its content must have.
const FILES: [(&str, u32); 4] = [
    (TRAIN_IMAGES, IMAGES_MAGIC),
    (TRAIN_LABELS, LABELS_MAGIC),
    (TEST_IMAGES, IMAGES_MAGIC),
    (TEST_LABELS, LABELS_MAGIC),
];

/// How long to wait for a connection (and for a name lookup) before giving up on a mirror.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a mirror may stay silent, before its response or in the middle of a body.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What to do without internet; every download failure ends with it.
const OFFLINE_ADVICE: &str = "put the four files in a directory and pass --data-dir DIR to the main program";

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
}

fn main() -> ExitCode {
    run_main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (sums_text, sums_origin) = match &args.sums {
        Some(path) => (
            fs::read_to_string(path).with_context(|| {
                format!("--sums: cannot read {}", path.display())
            })?,
            path.display().to_string(),
        ),
        None => (OFFICIAL_SUMS.to_string(), "the official sums".to_string()),
    };
    let sums = parse_sums(&sums_text)
        .map_err(|e| anyhow::anyhow!("{sums_origin}: {e}"))?;
    // Every checksum is looked up before anything is downloaded, so a sums file that
    // lacks one fails at once rather than after the first downloads.
    let wanted = FILES
        .iter()
        .map(|&(name, magic)| {
            let sha256 = sums.get(name).with_context(|| {
                format!(
                    "{sums_origin}: no checksum for {name} \
                     (a line `SHA256  {name}` with the SHA-256 of the decompressed file)"
                )
            })?;
            Ok(Wanted {
                name,
                magic,
                sha256,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mirrors: Vec<String> = if args.mirrors.is_empty() {
        DEFAULT_MIRRORS.iter().map(|m| m.to_string()).collect()
    } else {
        args.mirrors.clone()
    };
    fs::create_dir_all(&args.out).with_context(|| {
        format!("--out: cannot create {}", args.out.display())
    })?;

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_resolve(Some(CONNECT_TIMEOUT))
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(READ_TIMEOUT))
        .timeout_per_read(Some(READ_TIMEOUT))
        // A 404 or 416 is an answer to look at, not an error.
        .http_status_as_error(false)
        .build()
        .into();

    let mut out_sums = String::from(
        "# SHA-256 of the decompressed IDX files (check with: zcat FILE.gz | sha256sum)\n",
    );
    for file in &wanted {
        match file.present_in(&args.out) {
            Some(path) => println!(
                "{}: already present and verified, skipped",
                path.display()
            ),
            None => fetch(&agent, &mirrors, &args.out, file)?,
        }
        out_sums.push_str(&format!("{}  {}\n", file.sha256, file.name));
    }
    let sums_path = args.out.join("SHA256SUMS");
    write_atomically(&sums_path, out_sums.as_bytes())
        .with_context(|| format!("cannot write {}", sums_path.display()))?;
    println!(
        "All four files are in {} and verified. Train on them with: \
         cargo run --release -- --data-dir {}",
        args.out.display(),
        args.out.display()
    );
    Ok(())
}

/// One of the four files and what its content must be.
struct Wanted<'a> {
    /// The name without `.gz`, as in SHA256SUMS.
    name: &'a str,
    magic: u32,
    /// Lowercase hex SHA-256 of the decompressed content.
    sha256: &'a str,
}

impl Wanted<'_> {
    /// The name of the downloaded file.
    fn gz_name(&self) -> String {
        format!("{}.gz", self.name)
    }

    /// Checks decompressed content: its SHA-256, then that it parses as an IDX file of
    /// the expected kind (a checksum file for the wrong data set must not let a file of
    /// the wrong kind land).
    fn check(&self, content: &[u8]) -> Result<(), String> {
        let found = hex_sha256(content);
        if found != self.sha256 {
            return Err(format!(
                "SHA-256 of the content is {found}, expected {}: the file is damaged or not the right one",
                self.sha256
            ));
        }
        parse_idx(content, self.magic).map_err(|e| e.to_string())?;
        Ok(())
    }

    /// The file already in `dir` under its final name (`NAME.gz`, or `NAME` uncompressed,
    /// both of which the main program reads), if one is there and verifies.
    fn present_in(&self, dir: &Path) -> Option<PathBuf> {
        [dir.join(self.gz_name()), dir.join(self.name)]
            .into_iter()
            .filter(|p| p.is_file())
            .find(|p| {
                let verified = read_maybe_gzipped(p)
                    .map_err(|e| e.to_string())
                    .and_then(|content| self.check(&content));
                if let Err(e) = &verified {
                    println!("{}: {e}; not using it", p.display());
                }
                verified.is_ok()
            })
    }

    /// Checks a downloaded file, which must be gzip data.
    fn verify_download(&self, path: &Path) -> Result<(), String> {
        let raw = fs::read(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if !raw.starts_with(&[0x1f, 0x8b]) {
            return Err(format!(
                "not gzip data ({} bytes): the mirror sent something else",
                raw.len()
            ));
        }
        let mut content = Vec::new();
        MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut content)
            .map_err(|e| format!("corrupt gzip data: {e}"))?;
        self.check(&content)
    }
}

/// Why one try at one mirror did not give a verified file.
enum Failure {
    /// The mirror could not be reached or stopped answering: maybe there is no internet.
    Network(String),
    /// The mirror answered, but not with the file (an HTTP error, a bad file).
    Refused(String),
    /// Writing here failed: no other mirror will help.
    Local(anyhow::Error),
}

/// Downloads `file` into `dir` from the first mirror that serves it correctly.
fn fetch(
    agent: &ureq::Agent,
    mirrors: &[String],
    dir: &Path,
    file: &Wanted,
) -> anyhow::Result<()> {
    let target = dir.join(file.gz_name());
    let mut failures = Vec::new();
    let mut reached_one = false;
    for (i, mirror) in mirrors.iter().enumerate() {
        let url = file_url(mirror, &file.gz_name());
        match fetch_from(agent, &url, &target, file) {
            Ok(()) => {
                let partial = temporary_path(&target);
                fs::rename(&partial, &target).with_context(|| {
                    format!("cannot rename {} into place", partial.display())
                })?;
                println!("{}: SHA-256 verified, saved", target.display());
                return Ok(());
            }
            Err(Failure::Local(error)) => return Err(error),
            Err(Failure::Network(why)) => {
                failures.push(format!("{url}: {why}"))
            }
            Err(Failure::Refused(why)) => {
                reached_one = true;
                failures.push(format!("{url}: {why}"));
            }
        }
        if i + 1 < mirrors.len() {
            let failure = failures.last().expect("just pushed");
            eprintln!("warning: {failure}; trying the next mirror");
        }
    }
    let (what, advice) = if reached_one {
        (
            "no mirror served a verified file",
            "try another --mirror, or",
        )
    } else {
        (
            "cannot download from any mirror",
            "check the internet connection, or, without internet,",
        )
    };
    // The URLs tried name the mirrors; the line is whole without the warnings above.
    bail!(
        "{}: {what}: {}; {advice} {OFFLINE_ADVICE}",
        file.gz_name(),
        failures.join("; ")
    )
}

/// Downloads `target`'s partial file from one URL and verifies it, resuming what is
/// there; a resumed file that fails verification is downloaded once more from zero.
fn fetch_from(
    agent: &ureq::Agent,
    url: &str,
    target: &Path,
    file: &Wanted,
) -> Result<(), Failure> {
    let partial = temporary_path(target);
    loop {
        let resumed = download(agent, url, target)?;
        match file.verify_download(&partial) {
            Ok(()) => return Ok(()),
            Err(why) => {
                fs::remove_file(&partial)
                    .with_context(|| {
                        format!("cannot delete {}", partial.display())
                    })
                    .map_err(Failure::Local)?;
                if !resumed {
                    return Err(Failure::Refused(why));
                }
                println!(
                    "{}: the resumed download does not verify ({why}); downloading it again from the start",
                    target.display()
                );
            }
        }
    }
}

/// Brings the partial file of `target` up to the whole file from `url`, asking only for
/// the missing bytes when some are already there. Returns whether the file was resumed
/// (its start came from an earlier download).
fn download(
    agent: &ureq::Agent,
    url: &str,
    target: &Path,
) -> Result<bool, Failure> {
    let partial = temporary_path(target);
    let local = |e: io::Error| {
        Failure::Local(
            anyhow::Error::new(e)
                .context(format!("cannot write {}", partial.display())),
        )
    };
    let network = |e: ureq::Error| Failure::Network(one_line(&e.to_string()));
    loop {
        let offset = fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
        let mut request = agent.get(url);
        if offset > 0 {
            request = request.header("Range", format!("bytes={offset}-"));
        }
        let response = request.call().map_err(network)?;
        let content_range = response
            .headers()
            .get("content-range")
            .and_then(|v| v.to_str().ok());
        let reply = decide(offset, response.status().as_u16(), content_range);
        let mut writer = match reply {
            Reply::Append => {
                OpenOptions::new().append(true).create(true).open(&partial)
            }
            Reply::Whole => File::create(&partial),
            Reply::Complete => {
                println!(
                    "{}: the partial download is complete",
                    target.display()
                );
                return Ok(true);
            }
            Reply::StartOver => {
                fs::remove_file(&partial).map_err(local)?;
                continue;
            }
            Reply::Refused(status) => {
                return Err(Failure::Refused(format!("HTTP status {status}")));
            }
        }
        .map_err(local)?;
        let start = if reply == Reply::Append { offset } else { 0 };
        if start > 0 {
            println!(
                "{}: resuming at byte {start} from {url}",
                target.display()
            );
        } else if offset > 0 {
            println!(
                "{}: {url} does not resume downloads; downloading the whole file",
                target.display()
            );
        } else {
            println!("{}: downloading {url}", target.display());
        }
        let total = response.body().content_length().map(|n| start + n);
        let bar = progress_bar(target, total, start);
        let mut body = response.into_body().into_reader();
        let mut buffer = vec![0; 64 * 1024];
        let mut written = start;
        loop {
            let n = match body.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // What arrived so far stays in the partial file, for the next try to resume.
                Err(e) => {
                    bar.abandon();
                    return Err(Failure::Network(one_line(&e.to_string())));
                }
            };
            writer.write_all(&buffer[..n]).map_err(local)?;
            written += n as u64;
            bar.set_position(written);
        }
        writer.sync_all().map_err(local)?;
        bar.finish_and_clear();
        println!("{}: {written} bytes received", target.display());
        return Ok(start > 0);
    }
}

/// What a server's answer to a download means for the partial file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    /// 206 from the byte we asked for: append the body to the partial file.
    Append,
    /// 200: the body is the whole file, which replaces whatever the partial file holds.
    Whole,
    /// 416 and the file is as long as the partial one: it is all there, verify it.
    Complete,
    /// A range we cannot use (416 for another length, 206 from another byte): delete the
    /// partial file and ask for the whole file.
    StartOver,
    /// Any other status: this mirror does not have the file.
    Refused(u16),
}

/// Decides what to do with a response, given the `offset` bytes already in the partial
/// file (0: none, so no range was asked for), the response's status and its
/// `Content-Range` header. Kept apart from the I/O so that every case is tested.
fn decide(offset: u64, status: u16, content_range: Option<&str>) -> Reply {
    let range = content_range.and_then(parse_content_range);
    match status {
        200 => Reply::Whole,
        206 if range.is_some_and(|(start, _)| start == Some(offset)) => {
            Reply::Append
        }
        206 if offset > 0 => Reply::StartOver,
        416 if offset > 0
            && range.is_some_and(|(_, total)| total == Some(offset)) =>
        {
            Reply::Complete
        }
        416 if offset > 0 => Reply::StartOver,
        other => Reply::Refused(other),
    }
}

/// The first byte and the total length in a `Content-Range` value: `bytes 100-199/200`
/// gives `(Some(100), Some(200))`, `bytes */200` (in a 416) gives `(None, Some(200))`,
/// and `*` for the length gives `None` for it.
fn parse_content_range(value: &str) -> Option<(Option<u64>, Option<u64>)> {
    let (range, total) =
        value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let start = match range.trim() {
        "*" => None,
        r => Some(r.split_once('-')?.0.trim().parse().ok()?),
    };
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    Some((start, total))
}

/// Accepts an http or https URL: anything else would fail later as if the network were down.
fn parse_mirror(text: &str) -> Result<String, String> {
    if text.starts_with("http://") || text.starts_with("https://") {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not an http:// or https:// URL, like {}",
            DEFAULT_MIRRORS[0]
        ))
    }
}

/// The URL of `name` under `mirror`, whether or not the mirror ends with a slash.
fn file_url(mirror: &str, name: &str) -> String {
    format!("{}/{name}", mirror.trim_end_matches('/'))
}

/// A byte counter on standard error when it is a terminal; hidden otherwise, so that logs
/// and tests see only the lines printed on standard output.
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

/// Error text on one line, so the whole failure stays one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_sums_cover_the_four_files() {
        let sums = parse_sums(OFFICIAL_SUMS).unwrap();
        assert_eq!(sums.len(), 4);
        for (name, _) in FILES {
            assert_eq!(sums[name].len(), 64, "{name}");
        }
    }

    #[test]
    fn every_answer_to_a_download_has_its_meaning() {
        // No partial file: no range asked for.
        assert_eq!(decide(0, 200, None), Reply::Whole);
        assert_eq!(decide(0, 404, None), Reply::Refused(404));
        assert_eq!(decide(0, 416, Some("bytes */10")), Reply::Refused(416));
        // 100 bytes there, `Range: bytes=100-` asked for.
        assert_eq!(decide(100, 206, Some("bytes 100-199/200")), Reply::Append);
        assert_eq!(decide(100, 206, Some("bytes 100-199/*")), Reply::Append);
        assert_eq!(decide(100, 206, Some("bytes 0-199/200")), Reply::StartOver);
        assert_eq!(decide(100, 206, None), Reply::StartOver);
        assert_eq!(decide(100, 200, None), Reply::Whole);
        assert_eq!(decide(100, 416, Some("bytes */100")), Reply::Complete);
        assert_eq!(decide(100, 416, Some("bytes */50")), Reply::StartOver);
        assert_eq!(decide(100, 416, None), Reply::StartOver);
        assert_eq!(decide(100, 500, None), Reply::Refused(500));
    }

    #[test]
    fn content_ranges_are_parsed() {
        assert_eq!(
            parse_content_range("bytes 5-9/10"),
            Some((Some(5), Some(10)))
        );
        assert_eq!(parse_content_range("bytes */10"), Some((None, Some(10))));
        assert_eq!(parse_content_range("bytes 5-9/*"), Some((Some(5), None)));
        assert_eq!(parse_content_range("items 5-9/10"), None);
        assert_eq!(parse_content_range("bytes x-9/10"), None);
    }

    #[test]
    fn mirrors_are_http_urls() {
        assert!(parse_mirror("http://127.0.0.1:8000/").is_ok());
        assert!(parse_mirror(DEFAULT_MIRRORS[1]).is_ok());
        let error =
            parse_mirror("ossci-datasets.s3.amazonaws.com/mnist/").unwrap_err();
        assert!(error.contains("not an http:// or https:// URL"), "{error}");
    }

    #[test]
    fn mirrors_with_or_without_a_trailing_slash() {
        assert_eq!(file_url("http://h/m/", "f.gz"), "http://h/m/f.gz");
        assert_eq!(file_url("http://h/m", "f.gz"), "http://h/m/f.gz");
    }
}
