//! `fetch_mnist` as a user meets it, with no network: a tiny HTTP/1.1 server on 127.0.0.1
//! serves small gzip IDX files made here, and the real program downloads them.

mod common;

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use neural_network::data::checksum::hex_sha256;
use neural_network::data::{
    IMAGES_MAGIC, IdxDataSet, LABELS_MAGIC, TEST_IMAGES, TEST_LABELS,
    TRAIN_IMAGES, TRAIN_LABELS, encode_idx,
};

const NAMES: [&str; 4] = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS];

/// A small data set in the four files' format: 4×4 images, labels 0 and 1 in turn.
struct Files {
    /// Decompressed IDX content by name (without .gz).
    content: HashMap<&'static str, Vec<u8>>,
}

impl Files {
    fn new(seed: u8) -> Self {
        let mut content = HashMap::new();
        for (images, labels, count) in [
            (TRAIN_IMAGES, TRAIN_LABELS, 40),
            (TEST_IMAGES, TEST_LABELS, 10),
        ] {
            let pixels: Vec<u8> = (0..count * 16)
                .map(|i| ((i * 37 + seed as usize * 11) % 256) as u8)
                .collect();
            let label_bytes: Vec<u8> =
                (0..count).map(|i| (i % 2) as u8).collect();
            content.insert(
                images,
                encode_idx(IMAGES_MAGIC, &[count, 4, 4], &pixels),
            );
            content.insert(
                labels,
                encode_idx(LABELS_MAGIC, &[count], &label_bytes),
            );
        }
        Self { content }
    }

    /// The gzip files a mirror serves, by URL path under `prefix`.
    fn served(&self, prefix: &str) -> HashMap<String, Vec<u8>> {
        self.content
            .iter()
            .map(|(name, bytes)| (format!("/{prefix}{name}.gz"), gzip(bytes)))
            .collect()
    }

    fn gz(&self, name: &str) -> Vec<u8> {
        gzip(&self.content[name])
    }

    /// A SHA256SUMS file of the decompressed content, written to `dir`.
    fn sums_file(&self, dir: &Path) -> PathBuf {
        let mut text = String::from("# test sums\n");
        for name in NAMES {
            text.push_str(&format!(
                "{}  {name}\n",
                hex_sha256(&self.content[name])
            ));
        }
        let path = dir.join("SHA256SUMS.test");
        fs::write(&path, text).unwrap();
        path
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// How the test server misbehaves, if at all.
#[derive(Debug, Clone, Copy)]
struct Behaviour {
    /// Whether `Range` requests get a 206 (else the whole file, 200).
    honour_range: bool,
    /// Close the connection after this many bytes of the body, as a network cut would.
    cut_after: Option<usize>,
    /// Announce this Content-Length instead of the body's.
    claim_length: Option<u64>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            honour_range: true,
            cut_after: None,
            claim_length: None,
        }
    }
}

/// One request the server saw.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    range: Option<String>,
}

/// A tiny HTTP/1.1 server on 127.0.0.1: GET only, one request per connection, `Range:
/// bytes=N-` honoured (unless told to ignore it). It serves at most 100 connections and
/// stops after 60 s at the latest, or when dropped.
struct Server {
    port: u16,
    log: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(files: HashMap<String, Vec<u8>>) -> Self {
        Self::start_with(files, Behaviour::default())
    }

    fn start_with(
        files: HashMap<String, Vec<u8>>,
        behaviour: Behaviour,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_log, thread_stop) = (Arc::clone(&log), Arc::clone(&stop));
        let thread = thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut served = 0;
            while !thread_stop.load(Ordering::SeqCst)
                && Instant::now() < deadline
                && served < 100
            {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        if let Some(seen) = serve(stream, &files, behaviour) {
                            thread_log.lock().unwrap().push(seen);
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            port,
            log,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn requests(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    fn requests_for(&self, name: &str) -> Vec<Seen> {
        let suffix = format!("/{name}.gz");
        self.requests()
            .into_iter()
            .filter(|r| r.path.ends_with(&suffix))
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answers one request on `stream`; returns what was asked.
fn serve(
    mut stream: TcpStream,
    files: &HashMap<String, Vec<u8>>,
    behaviour: Behaviour,
) -> Option<Seen> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.lines();
    let path = lines.next()?.split_whitespace().nth(1)?.to_string();
    let range = lines.find_map(|l| {
        let (key, value) = l.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case("range")
            .then(|| value.trim().to_string())
    });
    let seen = Seen {
        path: path.clone(),
        range: range.clone(),
    };
    let start: Option<usize> = range
        .as_deref()
        .filter(|_| behaviour.honour_range)
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse().ok());
    let (status, headers, body): (&str, String, &[u8]) =
        match (files.get(&path), start) {
            (None, _) => ("404 Not Found", String::new(), b"not here"),
            (Some(bytes), Some(start)) if start >= bytes.len() => (
                "416 Range Not Satisfiable",
                format!("Content-Range: bytes */{}\r\n", bytes.len()),
                b"",
            ),
            (Some(bytes), Some(start)) => (
                "206 Partial Content",
                format!(
                    "Content-Range: bytes {start}-{}/{}\r\n",
                    bytes.len() - 1,
                    bytes.len()
                ),
                &bytes[start..],
            ),
            (Some(bytes), None) => ("200 OK", String::new(), bytes.as_slice()),
        };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n",
        behaviour.claim_length.unwrap_or(body.len() as u64)
    );
    let _ = stream.write_all(response.as_bytes());
    let sent = behaviour
        .cut_after
        .map_or(body, |n| &body[..n.min(body.len())]);
    let _ = stream.write_all(sent);
    Some(seen)
}

/// Runs `fetch_mnist` with `args`, with no proxy from the environment in the way.
fn fetch(args: &[&str]) -> Output {
    fetch_command(args).output().expect("the program starts")
}

/// The command that runs `fetch_mnist` with `args`, with no proxy from the environment.
fn fetch_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fetch_mnist"));
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        command.env_remove(var);
    }
    command.args(args);
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `fetch_mnist` from `mirrors` with the sums of `files` into `out`.
fn fetch_from(mirrors: &[String], files: &Files, out: &Path) -> Output {
    // Beside the output directory, in the first folder that exists.
    let beside = out.ancestors().skip(1).find(|p| p.is_dir()).unwrap();
    let sums = files.sums_file(beside);
    let mut args = vec![
        "--sums".to_string(),
        sums.display().to_string(),
        "--out".to_string(),
        out.display().to_string(),
    ];
    for mirror in mirrors {
        args.push("--mirror".to_string());
        args.push(mirror.clone());
    }
    fetch(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// Asserts that `out` holds exactly the four files of `files`, gzip as served, nothing
/// partial, and that the main program's loader reads them.
fn assert_downloaded(out: &Path, files: &Files) {
    for name in NAMES {
        let path = out.join(format!("{name}.gz"));
        assert_eq!(
            fs::read(&path).unwrap(),
            files.gz(name),
            "{}",
            path.display()
        );
    }
    let leftovers: Vec<_> = fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let data =
        IdxDataSet::load(out).expect("the main program can read the directory");
    assert_eq!((data.train.len(), data.test.len()), (40, 10));
    assert_eq!((data.train.rows, data.train.cols), (4, 4));
}

#[test]
fn downloads_and_verifies_the_four_files_for_the_main_program() {
    let files = Files::new(1);
    // The mirror's URL has a path and no trailing slash, as a user may type it.
    let server = Server::start(files.served("mnist/"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new").join("mnist");
    let stdout = succeeded(&fetch_from(
        &[format!("{}mnist", server.url())],
        &files,
        &out,
    ));

    assert_downloaded(&out, &files);
    assert_eq!(
        stdout.matches("SHA-256 verified, saved").count(),
        4,
        "{stdout}"
    );
    assert!(
        stdout.contains("bytes received"),
        "progress in bytes: {stdout}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 4, "{requests:?}");
    assert!(requests.iter().all(|r| r.range.is_none()), "{requests:?}");
    // The checksums it verified against are kept beside the files.
    assert_eq!(
        fs::read_to_string(out.join("SHA256SUMS"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .count(),
        4
    );

    // The main program trains on the directory.
    let train = Command::new(env!("CARGO_BIN_EXE_train"))
        .args(["--data-dir", out.to_str().unwrap(), "--epochs", "1"])
        .output()
        .unwrap();
    assert!(train.status.success(), "{}", text(&train.stderr));
    assert!(text(&train.stdout).contains("Training set: 40 images"));
}

#[test]
fn resumes_a_partial_download_with_a_range_request() {
    let files = Files::new(2);
    let server = Server::start(files.served(""));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let whole = files.gz(TRAIN_IMAGES);
    let half = whole.len() / 2;
    fs::write(
        out.join(format!("{TRAIN_IMAGES}.gz.partial")),
        &whole[..half],
    )
    .unwrap();

    let stdout = succeeded(&fetch_from(&[server.url()], &files, &out));

    assert_downloaded(&out, &files);
    let requests = server.requests_for(TRAIN_IMAGES);
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(
        requests[0].range.as_deref(),
        Some(&*format!("bytes={half}-"))
    );
    assert!(
        stdout.contains(&format!("resuming at byte {half}")),
        "{stdout}"
    );
}

#[test]
fn a_download_cut_off_keeps_its_partial_file_and_the_next_run_resumes_it() {
    let files = Files::new(13);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let whole = files.gz(TRAIN_IMAGES);
    let cut = whole.len() / 3;
    let flaky = Server::start_with(
        files.served(""),
        Behaviour {
            cut_after: Some(cut),
            ..Behaviour::default()
        },
    );

    let output = fetch_from(&[flaky.url()], &files, &out);

    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("cannot download from any mirror")
            && stderr.contains("--data-dir DIR"),
        "{stderr}"
    );
    let partial = out.join(format!("{TRAIN_IMAGES}.gz.partial"));
    assert_eq!(fs::read(&partial).unwrap(), &whole[..cut]);
    assert!(!out.join(format!("{TRAIN_IMAGES}.gz")).exists());

    let server = Server::start(files.served(""));
    succeeded(&fetch_from(&[server.url()], &files, &out));
    assert_downloaded(&out, &files);
    let requests = server.requests_for(TRAIN_IMAGES);
    assert_eq!(
        requests[0].range.as_deref(),
        Some(&*format!("bytes={cut}-"))
    );
}

#[test]
fn a_server_that_ignores_the_range_sends_the_whole_file_again() {
    let files = Files::new(3);
    let server = Server::start_with(
        files.served(""),
        Behaviour {
            honour_range: false,
            ..Behaviour::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let whole = files.gz(TEST_LABELS);
    fs::write(
        out.join(format!("{TEST_LABELS}.gz.partial")),
        &whole[..whole.len() / 2],
    )
    .unwrap();

    succeeded(&fetch_from(&[server.url()], &files, &out));

    assert_downloaded(&out, &files);
    let requests = server.requests_for(TEST_LABELS);
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(requests[0].range.is_some());
}

#[test]
fn a_complete_partial_file_is_verified_after_a_416() {
    let files = Files::new(4);
    let server = Server::start(files.served(""));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let whole = files.gz(TRAIN_LABELS);
    fs::write(out.join(format!("{TRAIN_LABELS}.gz.partial")), &whole).unwrap();

    let stdout = succeeded(&fetch_from(&[server.url()], &files, &out));

    assert_downloaded(&out, &files);
    let requests = server.requests_for(TRAIN_LABELS);
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(
        requests[0].range.as_deref(),
        Some(&*format!("bytes={}-", whole.len()))
    );
    assert!(stdout.contains("partial download is complete"), "{stdout}");
}

#[test]
fn a_stale_partial_file_is_downloaded_again_from_the_start() {
    let files = Files::new(5);
    let server = Server::start(files.served(""));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    // The start of another file: resuming after it gives a file that does not verify.
    let other = Files::new(6).gz(TEST_IMAGES);
    fs::write(
        out.join(format!("{TEST_IMAGES}.gz.partial")),
        &other[..other.len() / 2],
    )
    .unwrap();

    let stdout = succeeded(&fetch_from(&[server.url()], &files, &out));

    assert_downloaded(&out, &files);
    let requests = server.requests_for(TEST_IMAGES);
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests[0].range.is_some() && requests[1].range.is_none());
    assert!(
        stdout.contains("does not verify")
            && stdout.contains("again from the start"),
        "{stdout}"
    );
}

#[test]
fn a_mirror_without_the_file_or_with_a_corrupt_one_falls_through_to_the_next() {
    let files = Files::new(7);
    let empty = Server::start(HashMap::new());
    let mut corrupt_files = files.served("");
    // Valid gzip, a valid IDX file of labels, wrong content.
    corrupt_files.insert(format!("/{TRAIN_LABELS}.gz"), files.gz(TEST_LABELS));
    let corrupt = Server::start(corrupt_files);
    let good = Server::start(files.served(""));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");

    let output =
        fetch_from(&[empty.url(), corrupt.url(), good.url()], &files, &out);
    succeeded(&output);

    assert_downloaded(&out, &files);
    assert_eq!(empty.requests().len(), 4);
    assert_eq!(corrupt.requests().len(), 4);
    assert_eq!(
        good.requests().len(),
        1,
        "only the corrupt file came from here"
    );
    let stderr = text(&output.stderr);
    assert!(stderr.contains("HTTP status 404"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{TRAIN_LABELS}.gz.partial: the SHA-256 of its content is"
        )),
        "{stderr}"
    );
}

#[test]
fn corrupt_content_everywhere_is_a_clear_error_and_lands_nothing() {
    let files = Files::new(9);
    let mut served = files.served("");
    // Not gzip at all (an HTML error page, say).
    served.insert(format!("/{TRAIN_IMAGES}.gz"), b"<html>gone</html>".to_vec());
    let server = Server::start(served);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");

    let output = fetch_from(&[server.url()], &files, &out);

    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: {TRAIN_IMAGES}.gz: no mirror served a verified file"
        )) && stderr.contains("not gzip data")
            && stderr.contains("--data-dir DIR"),
        "{stderr}"
    );
    assert!(
        !out.exists(),
        "no final file, no partial file, and no empty folder"
    );
}

#[test]
fn a_file_with_the_right_checksum_but_of_the_wrong_kind_never_lands() {
    let files = Files::new(10);
    let mut served = files.served("");
    // The labels served as the test images, with sums that vouch for them: the magic
    // number still tells.
    served.insert(format!("/{TEST_IMAGES}.gz"), files.gz(TEST_LABELS));
    let server = Server::start(served);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sums = dir.path().join("SHA256SUMS.wrong");
    let mut text_sums = String::new();
    for name in NAMES {
        let source = if name == TEST_IMAGES {
            TEST_LABELS
        } else {
            name
        };
        text_sums.push_str(&format!(
            "{}  {name}\n",
            hex_sha256(&files.content[source])
        ));
    }
    fs::write(&sums, text_sums).unwrap();

    let output = fetch(&[
        "--sums",
        sums.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--mirror",
        &server.url(),
    ]);

    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("wrong magic number"), "{stderr}");
    assert!(!out.join(format!("{TEST_IMAGES}.gz")).exists());
    assert!(!out.join(format!("{TEST_IMAGES}.gz.partial")).exists());
    // The files before it did land, verified, and a rerun will skip them.
    assert!(out.join(format!("{TRAIN_IMAGES}.gz")).exists());
}

#[test]
fn files_already_present_and_verified_are_skipped() {
    let files = Files::new(11);
    let server = Server::start(files.served(""));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    succeeded(&fetch_from(&[server.url()], &files, &out));
    assert_eq!(server.requests().len(), 4);

    // One file damaged since: only it is downloaded again.
    fs::write(out.join(format!("{TEST_LABELS}.gz")), gzip(b"damaged")).unwrap();
    let stdout = succeeded(&fetch_from(&[server.url()], &files, &out));

    assert_eq!(
        stdout
            .matches("already present and verified, skipped")
            .count(),
        3,
        "{stdout}"
    );
    assert!(stdout.contains("not using it"), "{stdout}");
    let requests = server.requests();
    assert_eq!(requests.len(), 5, "{requests:?}");
    assert!(requests[4].path.ends_with(&format!("{TEST_LABELS}.gz")));
    assert_downloaded(&out, &files);

    // Uncompressed files count too: the main program reads them as well.
    fs::remove_file(out.join(format!("{TRAIN_IMAGES}.gz"))).unwrap();
    fs::write(out.join(TRAIN_IMAGES), &files.content[TRAIN_IMAGES]).unwrap();
    let stdout = succeeded(&fetch_from(&[server.url()], &files, &out));
    assert_eq!(stdout.matches("skipped").count(), 4, "{stdout}");
    assert_eq!(server.requests().len(), 5);
}

#[test]
fn an_unreachable_mirror_fails_fast_with_the_data_dir_advice() {
    let files = Files::new(12);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let started = Instant::now();

    let output = fetch_from(&["http://127.0.0.1:1/".to_string()], &files, &out);

    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    for needle in [
        "error: train-images-idx3-ubyte.gz: cannot download from any mirror",
        "http://127.0.0.1:1/",
        "without internet, put the four files in a directory and pass --data-dir DIR",
    ] {
        assert!(stderr.contains(needle), "{needle:?} in {stderr}");
    }
    assert!(!stderr.contains("panicked"));
    assert!(
        !out.exists(),
        "the folder made for the run is removed again"
    );
}

#[test]
fn a_sums_file_without_one_of_the_files_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let sums = dir.path().join("SHA256SUMS");
    fs::write(&sums, format!("{}  {TRAIN_IMAGES}\n", "0".repeat(64))).unwrap();
    let output = fetch(&[
        "--sums",
        sums.to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
        "--mirror",
        "http://127.0.0.1:1/",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("no checksum for {TRAIN_LABELS}")),
        "{stderr}"
    );
}

#[test]
fn a_served_gzip_bomb_is_refused_after_the_size_its_header_declares() {
    let files = Files::new(14);
    let mut served = files.served("");
    // MNIST's header for 60,000 images, then 6 GiB of zeros: 96 gzip members of 64 MiB
    // each, 6 MB on the wire.
    let mut bomb = gzip(&encode_idx(IMAGES_MAGIC, &[60_000, 28, 28], &[]));
    let zeros = gzip(&vec![0; 64 << 20]);
    for _ in 0..96 {
        bomb.extend_from_slice(&zeros);
    }
    served.insert(format!("/{TRAIN_IMAGES}.gz"), bomb);
    let server = Server::start(served);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sums = files.sums_file(dir.path());
    let run = common::measure_command(fetch_command(&[
        "--sums",
        sums.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--mirror",
        &server.url(),
    ]));
    eprintln!("served bomb: {:.3} s", run.elapsed.as_secs_f64());
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("no mirror served a verified file")
            && run.stderr.contains("longer than its header says"),
        "{}",
        run.stderr
    );
    assert!(run.elapsed < Duration::from_secs(5), "{run:?}");
    assert!(
        !out.exists(),
        "nothing landed, no partial file, no empty folder"
    );
}

#[test]
fn a_body_announced_longer_than_any_idx_file_is_refused_unread() {
    let files = Files::new(15);
    let server = Server::start_with(
        files.served(""),
        Behaviour {
            claim_length: Some(5 << 30),
            ..Behaviour::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = fetch_from(&[server.url()], &files, &out);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("the body is longer than")
            && stderr.contains("more than any IDX file"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn an_out_that_is_a_file_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mnist");
    fs::write(&out, "a file").unwrap();
    let output = fetch(&[
        "--out",
        out.to_str().unwrap(),
        "--mirror",
        "http://127.0.0.1:1/",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "--out {0}: {0} is not a folder",
            out.display()
        )),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&out).unwrap(), "a file");
}

#[test]
fn a_failed_run_removes_the_folders_it_made_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a").join("b").join("mnist");
    let output =
        fetch_from(&["http://127.0.0.1:1/".to_string()], &Files::new(16), &out);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        !dir.path().join("a").exists(),
        "a/b/mnist was made for the run"
    );
    // The sums file made by the test stays where it was.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn where_a_file_would_land_is_checked_before_anything_is_downloaded() {
    use std::os::unix::fs::PermissionsExt;
    let files = Files::new(17);
    let server = Server::start(files.served(""));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    // A directory where a file would land.
    fs::create_dir(out.join(format!("{TEST_IMAGES}.gz"))).unwrap();
    let output = fetch_from(&[server.url()], &files, &out);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains(&format!(
            "--out {}: is a directory, not a regular file",
            out.join(format!("{TEST_IMAGES}.gz")).display()
        )),
        "{}",
        text(&output.stderr)
    );
    assert!(server.requests().is_empty(), "nothing downloaded");
    fs::remove_dir(out.join(format!("{TEST_IMAGES}.gz"))).unwrap();

    // A read-only file that does not verify: replaced only with --force.
    let stale = out.join(format!("{TEST_LABELS}.gz"));
    fs::write(&stale, gzip(b"old")).unwrap();
    fs::set_permissions(&stale, fs::Permissions::from_mode(0o444)).unwrap();
    let output = fetch_from(&[server.url()], &files, &out);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("the file is read-only: pass --force"),
        "{}",
        text(&output.stderr)
    );
    assert!(server.requests().is_empty(), "nothing downloaded");
    assert_eq!(fs::read(&stale).unwrap(), gzip(b"old"));

    let sums = files.sums_file(dir.path());
    let output = fetch(&[
        "--sums",
        sums.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--mirror",
        &server.url(),
        "--force",
    ]);
    succeeded(&output);
    assert_downloaded(&out, &files);
}

#[test]
fn a_partial_file_that_is_not_a_regular_file_is_never_written_through() {
    let files = Files::new(18);
    let server = Server::start(files.served(""));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let victim = dir.path().join("victim");
    fs::write(&victim, "precious").unwrap();
    let partial = out.join(format!("{TRAIN_IMAGES}.gz.partial"));
    std::os::unix::fs::symlink(&victim, &partial).unwrap();
    let output = fetch_from(&[server.url()], &files, &out);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr)
            .contains("is not a regular file, so no download is written to it"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn sums_read_from_the_output_folder_are_left_as_they_are() {
    let files = Files::new(19);
    let server = Server::start(files.served(""));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let sums = files.sums_file(dir.path());
    let mut text_sums = fs::read_to_string(&sums).unwrap();
    text_sums.push_str(&format!("{}  another-file\n", "0".repeat(64)));
    fs::write(out.join("SHA256SUMS"), &text_sums).unwrap();
    let output = fetch(&[
        "--sums",
        out.join("SHA256SUMS").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--mirror",
        &server.url(),
    ]);
    succeeded(&output);
    assert_eq!(
        fs::read_to_string(out.join("SHA256SUMS")).unwrap(),
        text_sums
    );
}
