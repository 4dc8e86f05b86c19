//! Downloading the four official MNIST files and verifying them: the full
//! data set for the main program's `--data-dir` (feature `download`).
//!
//! Each file is fetched from the first mirror that serves it correctly (by
//! default the ones torchvision and TensorFlow use) into `NAME.gz.partial`,
//! then verified; the caller moves a verified file to its final name, so a
//! file under its final name is always a verified one. Nothing here prints:
//! what happens is reported through [`Event`]s.
//!
//! - **What is verified** is the SHA-256 of the *decompressed* content, not of
//!   the gzip bytes, since two mirrors may compress the same content
//!   differently, and the content must be an IDX file of its kind
//!   ([`read_verified`]). Reading is bounded as the loader's is: a served gzip
//!   bomb is refused after the size its header declares.
//! - **Bounded downloads:** a body longer than any IDX file of at most
//!   [`MAX_DATA_BYTES`] compresses to is refused, announced or not.
//! - **Resuming:** an interrupted download leaves its `.partial` file; the next
//!   run asks for the rest with `Range: bytes=N-`. A server that ignores the
//!   range (200) sends the whole file again, which then replaces the partial
//!   one. If the resumed file fails verification (say, its start came from a
//!   mirror that compresses differently) it is downloaded once more from zero
//!   before the next mirror is tried.
//! - **Offline** it fails fast (DNS failure is immediate, connecting times out
//!   after 10 s) with one line that says what to do instead.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

use super::checksum::read_verified;
use super::idx::{
    IMAGES_MAGIC, LABELS_MAGIC, MAX_DATA_BYTES, TEST_IMAGES, TEST_LABELS,
    TRAIN_IMAGES, TRAIN_LABELS,
};

/// The mirrors torchvision (first) and TensorFlow (second) download MNIST from.
pub const DEFAULT_MIRRORS: [&str; 2] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
];

/// The SHA-256 of the decompressed official MNIST files, in SHA256SUMS format.
pub const OFFICIAL_SUMS: &str = "\
ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte
";

/// The four files, each with the IDX magic number its content must have.
pub const FILES: [(&str, u32); 4] = [
    (TRAIN_IMAGES, IMAGES_MAGIC),
    (TRAIN_LABELS, LABELS_MAGIC),
    (TEST_IMAGES, IMAGES_MAGIC),
    (TEST_LABELS, LABELS_MAGIC),
];

/// The longest body accepted: gzip stores data that does not compress in
/// blocks of 64 KiB with 5 bytes of overhead each, so an IDX file of at most
/// [`MAX_DATA_BYTES`] never compresses to more than this.
pub const MAX_DOWNLOAD_BYTES: u64 = MAX_DATA_BYTES as u64 + (1 << 20);

/// How long to wait for a connection (and for a name lookup) before giving up on a mirror.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a mirror may stay silent, before its response or in the middle of a body.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What to do without internet; every download failure ends with it.
const OFFLINE_ADVICE: &str = "put the four files in a directory and pass --data-dir DIR to the main program";

/// Why the files could not be fetched.
#[derive(Debug, Error)]
pub enum DownloadError {
    /// The checksum list lacks one of the four files.
    #[error(
        "{origin}: no checksum for {name} (a line `SHA256  {name}` with the SHA-256 of the decompressed file)"
    )]
    NoChecksum { origin: String, name: &'static str },
    /// No mirror gave a verified file.
    #[error(
        "{name}: {}: {}; {} {OFFLINE_ADVICE}",
        if *reached { "no mirror served a verified file" } else { "cannot download from any mirror" },
        failures.join("; "),
        if *reached { "try another --mirror, or" } else { "check the internet connection, or, without internet," }
    )]
    NoMirror {
        /// The file's name (`NAME.gz`).
        name: String,
        /// One `URL: why` per mirror tried.
        failures: Vec<String>,
        /// Whether some mirror answered (else maybe there is no internet).
        reached: bool,
    },
    /// Writing here failed: no other mirror will help.
    #[error("{}: {why}", path.display())]
    Local { path: PathBuf, why: String },
}

/// One of the four files and what its content must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// The name without `.gz`, as in SHA256SUMS.
    pub name: &'static str,
    /// The IDX magic number of its content.
    pub magic: u32,
    /// Lowercase hex SHA-256 of the decompressed content.
    pub sha256: String,
}

impl Wanted {
    /// The four files with their checksums from `sums` (read from `origin`,
    /// named in errors); every checksum is looked up before anything is
    /// downloaded, so a list that lacks one fails at once.
    pub fn all(
        sums: &HashMap<String, String>,
        origin: &str,
    ) -> Result<Vec<Self>, DownloadError> {
        FILES
            .iter()
            .map(|&(name, magic)| {
                let sha256 = sums.get(name).ok_or_else(|| {
                    DownloadError::NoChecksum {
                        origin: origin.to_string(),
                        name,
                    }
                })?;
                Ok(Self {
                    name,
                    magic,
                    sha256: sha256.clone(),
                })
            })
            .collect()
    }

    /// The name of the downloaded file.
    pub fn gz_name(&self) -> String {
        format!("{}.gz", self.name)
    }

    /// Whether the file at `path` has the right content.
    pub fn verify(&self, path: &Path) -> Result<(), String> {
        read_verified(path, self.magic, &self.sha256)
            .map(drop)
            .map_err(|e| e.to_string())
    }

    /// The file already in `dir` under a final name (`NAME.gz`, or `NAME`
    /// uncompressed, both of which the main program reads), if one is there
    /// and verifies; each one there that does not verify is reported.
    pub fn present_in(
        &self,
        dir: &Path,
        on_event: &mut dyn FnMut(Event),
    ) -> Option<PathBuf> {
        [dir.join(self.gz_name()), dir.join(self.name)]
            .into_iter()
            .filter(|p| p.is_file())
            .find(|p| match self.verify(p) {
                Ok(()) => true,
                Err(why) => {
                    on_event(Event::NotUsed { path: p, why: &why });
                    false
                }
            })
    }
}

/// What a download is doing, for the caller to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A file already there does not verify and is not used.
    NotUsed { path: &'a Path, why: &'a str },
    /// A body starts arriving for `target`: from its start, or appended to the
    /// `at` bytes already in the partial file.
    Start {
        target: &'a Path,
        url: &'a str,
        how: Start,
        at: u64,
        total: Option<u64>,
    },
    /// `received` bytes of `target` are in its partial file.
    Progress { target: &'a Path, received: u64 },
    /// The body has ended after `received` bytes in all.
    Received { target: &'a Path, received: u64 },
    /// The server says the partial file already holds the whole file.
    AlreadyComplete { target: &'a Path },
    /// A resumed file does not verify; it is downloaded again from the start.
    ResumedBad { target: &'a Path, why: &'a str },
    /// One mirror failed; the next one is tried.
    MirrorFailed { failure: &'a str },
}

/// How a body relates to the partial file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Nothing was there: a fresh download.
    Fresh,
    /// Appended to what was there.
    Resumed,
    /// Something was there, but the server sends the whole file again.
    NotResumable,
}

/// Downloads files from a list of mirrors.
pub struct Downloader {
    agent: ureq::Agent,
    mirrors: Vec<String>,
}

impl Downloader {
    /// A downloader that tries `mirrors` in order (the default ones if empty).
    pub fn new(mirrors: &[String]) -> Self {
        let mirrors = if mirrors.is_empty() {
            DEFAULT_MIRRORS.iter().map(|m| m.to_string()).collect()
        } else {
            mirrors.to_vec()
        };
        let agent = ureq::Agent::config_builder()
            .timeout_resolve(Some(CONNECT_TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_recv_response(Some(READ_TIMEOUT))
            .timeout_per_read(Some(READ_TIMEOUT))
            // A 404 or 416 is an answer to look at, not an error.
            .http_status_as_error(false)
            .build()
            .into();
        Self { agent, mirrors }
    }

    /// Downloads `file` for `target` (`dir/NAME.gz`) into its partial file
    /// from the first mirror that serves it verified, and returns the partial
    /// file's path: verified, for the caller to move to `target`.
    pub fn fetch(
        &self,
        target: &Path,
        file: &Wanted,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<PathBuf, DownloadError> {
        let mut failures = Vec::new();
        let mut reached = false;
        for (i, mirror) in self.mirrors.iter().enumerate() {
            let url = file_url(mirror, &file.gz_name());
            match self.fetch_from(&url, target, file, on_event) {
                Ok(()) => return Ok(partial_path(target)),
                Err(Failure::Local(error)) => return Err(error),
                Err(Failure::Network(why)) => {
                    failures.push(format!("{url}: {why}"))
                }
                Err(Failure::Refused(why)) => {
                    reached = true;
                    failures.push(format!("{url}: {why}"));
                }
            }
            if i + 1 < self.mirrors.len() {
                let failure = failures.last().expect("just pushed");
                on_event(Event::MirrorFailed { failure });
            }
        }
        Err(DownloadError::NoMirror {
            name: file.gz_name(),
            failures,
            reached,
        })
    }

    /// Downloads `target`'s partial file from one URL and verifies it, resuming what is
    /// there; a resumed file that fails verification is downloaded once more from zero.
    fn fetch_from(
        &self,
        url: &str,
        target: &Path,
        file: &Wanted,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<(), Failure> {
        let partial = partial_path(target);
        loop {
            let resumed = self.download(url, target, on_event)?;
            let why = match verify_download(file, &partial) {
                Ok(()) => return Ok(()),
                Err(why) => why,
            };
            fs::remove_file(&partial).map_err(|e| local(&partial, e))?;
            if !resumed {
                return Err(Failure::Refused(why));
            }
            on_event(Event::ResumedBad { target, why: &why });
        }
    }

    /// Brings the partial file of `target` up to the whole file from `url`, asking only
    /// for the missing bytes when some are already there. Returns whether the file was
    /// resumed (its start came from an earlier download).
    fn download(
        &self,
        url: &str,
        target: &Path,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<bool, Failure> {
        let partial = partial_path(target);
        let network =
            |e: ureq::Error| Failure::Network(one_line(&e.to_string()));
        loop {
            let offset = partial_length(&partial)?;
            let mut request = self.agent.get(url);
            if offset > 0 {
                request = request.header("Range", format!("bytes={offset}-"));
            }
            let response = request.call().map_err(network)?;
            let content_range = response
                .headers()
                .get("content-range")
                .and_then(|v| v.to_str().ok());
            let reply =
                decide(offset, response.status().as_u16(), content_range);
            let (start, how) = match reply {
                Reply::Append => (offset, Start::Resumed),
                Reply::Whole if offset > 0 => (0, Start::NotResumable),
                Reply::Whole => (0, Start::Fresh),
                Reply::Complete => {
                    on_event(Event::AlreadyComplete { target });
                    return Ok(true);
                }
                Reply::StartOver => {
                    fs::remove_file(&partial)
                        .map_err(|e| local(&partial, e))?;
                    continue;
                }
                Reply::Refused(status) => {
                    return Err(Failure::Refused(format!(
                        "HTTP status {status}"
                    )));
                }
            };
            let total = response.body().content_length().map(|n| start + n);
            if total.is_some_and(|t| t > MAX_DOWNLOAD_BYTES) {
                return Err(Failure::Refused(too_long()));
            }
            let opened = if start > 0 {
                OpenOptions::new().append(true).open(&partial)
            } else {
                File::create(&partial)
            };
            let mut writer = opened.map_err(|e| local(&partial, e))?;
            on_event(Event::Start {
                target,
                url,
                how,
                at: start,
                total,
            });
            let mut body = response.into_body().into_reader();
            let mut buffer = vec![0; 64 * 1024];
            let mut received = start;
            loop {
                let n = match body.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                        continue;
                    }
                    // What arrived so far stays in the partial file, for the next try to
                    // resume.
                    Err(e) => {
                        return Err(Failure::Network(one_line(&e.to_string())));
                    }
                };
                received += n as u64;
                if received > MAX_DOWNLOAD_BYTES {
                    fs::remove_file(&partial)
                        .map_err(|e| local(&partial, e))?;
                    return Err(Failure::Refused(too_long()));
                }
                writer
                    .write_all(&buffer[..n])
                    .map_err(|e| local(&partial, e))?;
                on_event(Event::Progress { target, received });
            }
            writer.sync_all().map_err(|e| local(&partial, e))?;
            on_event(Event::Received { target, received });
            return Ok(start > 0);
        }
    }
}

/// The message for a body longer than [`MAX_DOWNLOAD_BYTES`].
fn too_long() -> String {
    format!(
        "the body is longer than {MAX_DOWNLOAD_BYTES} bytes, more than any IDX file of \
         at most {MAX_DATA_BYTES} bytes compresses to"
    )
}

/// Why one try at one mirror did not give a verified file.
enum Failure {
    /// The mirror could not be reached or stopped answering: maybe there is no internet.
    Network(String),
    /// The mirror answered, but not with the file (an HTTP error, a bad file).
    Refused(String),
    /// Writing here failed: no other mirror will help.
    Local(DownloadError),
}

/// A failure to write or delete `path`.
fn local(path: &Path, error: io::Error) -> Failure {
    Failure::Local(DownloadError::Local {
        path: path.to_path_buf(),
        why: format!("cannot write: {error}"),
    })
}

/// The file a download of `target` is written to until it is verified:
/// `target` + `.partial`.
pub fn partial_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// How many bytes the partial file holds (0 if there is none). Anything there
/// but a regular file (a symbolic link to somewhere else, a directory) is an
/// error: a download is never written through it.
fn partial_length(partial: &Path) -> Result<u64, Failure> {
    match fs::symlink_metadata(partial) {
        Ok(m) if m.is_file() => Ok(m.len()),
        Ok(_) => Err(Failure::Local(DownloadError::Local {
            path: partial.to_path_buf(),
            why: "is not a regular file, so no download is written to it: remove it".to_string(),
        })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(local(partial, e)),
    }
}

/// Checks a downloaded file, which must be gzip data with the right content.
fn verify_download(file: &Wanted, path: &Path) -> Result<(), String> {
    let mut start = [0; 2];
    let got = File::open(path)
        .and_then(|mut f| f.read(&mut start))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if got < 2 || start != [0x1f, 0x8b] {
        let length = fs::metadata(path).map_or(0, |m| m.len());
        return Err(format!(
            "not gzip data ({length} bytes): the mirror sent something else"
        ));
    }
    file.verify(path)
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
pub fn parse_mirror(text: &str) -> Result<String, String> {
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

/// Error text on one line, so the whole failure stays one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::checksum::parse_sums;
    use super::*;

    #[test]
    fn the_official_sums_cover_the_four_files() {
        let sums = parse_sums(OFFICIAL_SUMS).unwrap();
        let wanted = Wanted::all(&sums, "official").unwrap();
        assert_eq!(wanted.len(), 4);
        assert!(wanted.iter().all(|w| w.sha256.len() == 64));
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
