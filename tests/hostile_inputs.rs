//! Data files that are damaged, huge or hostile cost the main program little: the header
//! is read first and the data is read only up to the size it declares, so each of these
//! ends in well under a second, within the 200 MB that `common::measure` allows, with a
//! one-line error that names the file and exit code 1. The huge files are made here
//! (sparse, or gzip of zeros), never committed.

mod common;

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::files::{
    append, bundled_copy, gzip, set_length, temp_dir, zeros_member,
};
use common::{Measured, measure, snapshot};
use neural_network::data::{
    IMAGES_MAGIC, LABELS_MAGIC, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES,
    TRAIN_LABELS, encode_idx,
};

const TRAIN: &str = env!("CARGO_BIN_EXE_train");

/// The longest any of these runs may take (they take a few tens of milliseconds; the
/// margin is for a busy machine running the tests in parallel, in a debug build).
const TIME_CEILING: Duration = Duration::from_secs(3);

/// Runs the main program on `dir` and checks a quick, small, one-line refusal that
/// contains each of `expected`, with nothing in `dir` changed.
#[track_caller]
fn refused(dir: &Path, expected: &[&str]) -> Measured {
    let before = snapshot(dir);
    let run = measure(TRAIN, &["--data-dir", dir.to_str().unwrap()]);
    eprintln!("{expected:?}: {:.3} s", run.elapsed.as_secs_f64());
    run.assert_refused(expected);
    assert!(run.elapsed < TIME_CEILING, "{run:?}");
    assert_eq!(snapshot(dir), before);
    run
}

/// Checks [`refused`] on a copy of the bundled data in which `damage` has changed the
/// entry `file` (it is given the entry's path), with an error that names the file and
/// says `message`.
#[track_caller]
fn refused_when_damaged(file: &str, damage: impl FnOnce(&Path), message: &str) {
    let dir = bundled_copy();
    damage(&dir.path().join(file));
    refused(dir.path(), &[file, message]);
}

/// Runs the main program on `dir` for one epoch and checks that it succeeds and prints
/// `expected`.
#[track_caller]
fn accepted(dir: &Path, expected: &str) {
    let run = measure(
        TRAIN,
        &["--data-dir", dir.to_str().unwrap(), "--epochs", "1"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains(expected), "{}", run.stdout);
}

/// The name of the compressed file of the data file `name`, as the bundled data holds
/// it.
fn gz(name: &str) -> String {
    format!("{name}.gz")
}

/// Replaces the bundled compressed file beside `path` (`path` with `.gz`) with a raw file
/// at `path` of `bytes`, followed by zeros up to `length` bytes (a sparse file: no disk
/// space is used).
fn sparse_file(path: &Path, bytes: &[u8], length: u64) {
    let mut compressed = path.as_os_str().to_owned();
    compressed.push(".gz");
    fs::remove_file(compressed).unwrap();
    let mut file = File::create(path).unwrap();
    file.write_all(bytes).unwrap();
    file.set_len(length).unwrap();
}

/// A gzip file of `header` then 6 GiB of zeros, 6 MB on disk: a member holding the
/// header, then 96 members of 64 MiB of zeros each (gzip decompresses concatenated
/// members as one stream).
fn gzip_bomb(path: &Path, header: &[u8]) {
    let mut file = File::create(path).unwrap();
    file.write_all(&gzip(header)).unwrap();
    for _ in 0..96 {
        file.write_all(zeros_member()).unwrap();
    }
}

/// The header of MNIST's training images: 60,000 images of 28×28 pixels.
fn mnist_images_header() -> Vec<u8> {
    encode_idx(IMAGES_MAGIC, &[60_000, 28, 28], &[])
}

#[test]
fn a_sparse_file_of_two_gigabytes_is_refused_at_its_header() {
    refused_when_damaged(
        TRAIN_IMAGES,
        |path| sparse_file(path, &[], 2 << 30),
        "wrong magic number 0x00000000",
    );
}

#[test]
fn a_raw_file_longer_than_its_header_says_is_refused_unread() {
    refused_when_damaged(
        TRAIN_IMAGES,
        |path| sparse_file(path, &mnist_images_header(), 2 << 30),
        "longer than its header says",
    );
}

#[test]
fn a_gzip_bomb_of_zeros_is_refused_at_its_header() {
    refused_when_damaged(
        &gz(TRAIN_IMAGES),
        |path| gzip_bomb(path, &[]),
        "wrong magic number 0x00000000",
    );
}

#[test]
fn a_gzip_bomb_behind_a_valid_header_is_refused_after_the_declared_size() {
    // It reads the 47 MB the header declares, and one byte more.
    refused_when_damaged(
        &gz(TRAIN_IMAGES),
        |path| gzip_bomb(path, &mnist_images_header()),
        "longer than its header says",
    );
}

#[test]
fn the_memory_limit_of_these_tests_is_real() {
    // A header that declares the full ceiling of 1 GiB, over a bomb that supplies it,
    // with the memory budget raised out of the way: the reader goes on to the declared
    // size, past the limit `measure` sets, and fails to allocate. This is the cost a
    // file may declare, and the test's limit catches it. (Within the budget the run is
    // refused before it reads: tests/every_program.rs.)
    let dir = bundled_copy();
    let ceiling = encode_idx(IMAGES_MAGIC, &[16_384, 256, 256], &[]);
    gzip_bomb(&dir.path().join(gz(TRAIN_IMAGES)), &ceiling);
    let run = measure(
        TRAIN,
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--max-memory",
            "1TB",
        ],
    );
    run.assert_refused(&[&format!(
        "{TRAIN_IMAGES}.gz: cannot read: out of memory"
    )]);
}

#[test]
fn a_header_declaring_more_than_the_ceiling_is_refused_before_allocating() {
    let huge = encode_idx(IMAGES_MAGIC, &[100_000, 1000, 1000], &[]);
    refused_when_damaged(
        &gz(TRAIN_IMAGES),
        |path| fs::write(path, gzip(&huge)).unwrap(),
        "declare 100000000000 bytes of data, more than the 1073741824",
    );
}

#[test]
fn zero_bytes_after_the_gzip_data_are_accepted_as_gzip_accepts_them() {
    let dir = bundled_copy();
    let path = dir.path().join(gz(TEST_LABELS));
    append(&path, &[0; 4096]);
    if Command::new("gzip").arg("--version").output().is_ok() {
        // gzip itself: "decompression OK, trailing zero bytes ignored".
        let gzip = Command::new("gzip").arg("-t").arg(&path).output().unwrap();
        assert!(gzip.status.success(), "{gzip:?}");
    }
    accepted(dir.path(), "Test set: 2115 images");
}

/// A gzip file followed by a quarter of a gigabyte of zeros (sparse: no disk
/// space) is not read to its end: past a megabyte, zeros are not padding, so
/// any length of them costs the same few milliseconds.
#[test]
fn a_long_run_of_zeros_after_the_gzip_data_is_refused_quickly() {
    refused_when_damaged(
        &gz(TRAIN_IMAGES),
        |path| set_length(path, |length| length + (256 << 20)),
        "more than 1048576 zero bytes, too many to be padding",
    );
}

#[test]
fn other_bytes_after_the_gzip_data_are_refused_as_such() {
    refused_when_damaged(
        &gz(TEST_LABELS),
        |path| append(path, b"appended"),
        "damaged gzip data (after the end of the compressed data come bytes that are \
         neither gzip data nor zero padding)",
    );
}

#[test]
fn entries_named_like_data_files_that_are_not_files_are_named_as_what_they_are()
{
    /// What the entry is, how to make it, what the error says.
    type Case = (&'static str, fn(&Path), &'static str);
    let cases: [Case; 4] = [
        (
            "directory",
            |p| fs::create_dir(p).unwrap(),
            "is a directory, not a regular file",
        ),
        (
            "dangling link",
            |p| symlink("nowhere", p).unwrap(),
            "is a symbolic link that leads to no file (No such file or directory",
        ),
        (
            "link loop",
            |p| symlink(p.file_name().unwrap(), p).unwrap(),
            "is a symbolic link that leads to no file (Too many levels of symbolic links",
        ),
        (
            "FIFO",
            |p| {
                assert!(
                    Command::new("mkfifo").arg(p).status().unwrap().success()
                )
            },
            "is a FIFO (named pipe), not a regular file",
        ),
    ];
    for (what, make, expected) in cases {
        eprintln!("{what}");
        let replace = |path: &Path| {
            fs::remove_file(path).unwrap();
            make(path);
        };
        refused_when_damaged(&gz(TRAIN_LABELS), replace, expected);
    }
}

#[test]
fn images_of_no_pixels_are_refused_naming_the_file() {
    let dir = temp_dir();
    for (images, labels) in
        [(TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)]
    {
        let path = dir.path().join(images);
        fs::write(&path, encode_idx(IMAGES_MAGIC, &[4, 0, 28], &[])).unwrap();
        fs::write(
            dir.path().join(labels),
            encode_idx(LABELS_MAGIC, &[4], &[0, 1, 0, 1]),
        )
        .unwrap();
    }
    refused(
        dir.path(),
        &[
            TRAIN_IMAGES,
            "the images are 0×28 pixels: an image needs at least one pixel",
        ],
    );
}

#[test]
fn which_of_two_files_of_one_name_is_read_is_said() {
    let dir = bundled_copy();
    let raw = dir.path().join(TEST_LABELS);
    fs::write(&raw, b"not read").unwrap();
    accepted(
        dir.path(),
        &format!(
            "Note: {} is not read: the .gz file of the same name beside it is",
            raw.display()
        ),
    );
    assert!(dir.path().join(gz(TEST_LABELS)).exists());
}
