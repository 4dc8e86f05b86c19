//! Files and folders for the tests: the shipped data, copies of it to break,
//! small IDX data sets, gzip, and fresh folders.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use flate2::Compression;
use flate2::write::GzEncoder;
use neural_network::data::{
    IMAGES_MAGIC, LABELS_MAGIC, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES,
    TRAIN_LABELS, encode_idx,
};
use tempfile::TempDir;

/// The repository's root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The text of the repository's file at `path`, such as
/// `book/outputs/train.txt`.
pub fn read_text(path: &str) -> String {
    fs::read_to_string(root().join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The data the repository ships, which the programs read by default.
pub fn bundled() -> PathBuf {
    root().join("data")
}

/// A fresh temporary folder, removed when the test ends.
pub fn temp_dir() -> TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// A fresh, empty folder `name` in the target's folder for test files: kept
/// after the test, so that what a failed test wrote can be looked at.
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// A copy of the shipped data in a fresh temporary folder, for breaking one
/// file at a time.
pub fn bundled_copy() -> TempDir {
    let dir = temp_dir();
    for entry in fs::read_dir(bundled()).expect("the shipped data") {
        let from = entry.expect("a readable entry").path();
        if from.is_file() {
            fs::copy(&from, dir.path().join(from.file_name().unwrap()))
                .expect("a copy");
        }
    }
    dir
}

/// Appends `bytes` to the file at `path`.
pub fn append(path: &Path, bytes: &[u8]) {
    fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(bytes))
        .unwrap_or_else(|e| panic!("cannot append to {}: {e}", path.display()));
}

/// Sets the length of the file at `path` to what `length` gives for its
/// length: cut short, or longer by zeros (a sparse file: no disk space).
pub fn set_length(path: &Path, length: impl FnOnce(u64) -> u64) {
    fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|file| file.set_len(length(file.metadata()?.len())))
        .unwrap_or_else(|e| panic!("cannot resize {}: {e}", path.display()));
}

/// One gzip member of `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// How many zeros [`zeros_member`] inflates to: 64 MiB.
pub const ZEROS: usize = 64 << 20;

/// One gzip member of [`ZEROS`] zero bytes, compressed once for all the
/// tests of a binary: about 64 KB that inflate a thousandfold, the brick of
/// the huge inputs that must be refused before they are read.
pub fn zeros_member() -> &'static [u8] {
    static MEMBER: OnceLock<Vec<u8>> = OnceLock::new();
    MEMBER.get_or_init(|| gzip(&vec![0; ZEROS]))
}

/// Writes the four IDX files of a data directory into `dir`, raw or
/// gzip-compressed (`NAME.gz`): the same images (`count × rows × cols`
/// bytes, image after image) and labels in the training and the test set.
pub fn write_idx_set(
    dir: &Path,
    [rows, cols]: [usize; 2],
    pixels: &[u8],
    labels: &[u8],
    compressed: bool,
) {
    let count = labels.len();
    assert_eq!(pixels.len(), count * rows * cols, "one image per label");
    let write = |name: &str, bytes: Vec<u8>| {
        let (path, bytes) = if compressed {
            (dir.join(format!("{name}.gz")), gzip(&bytes))
        } else {
            (dir.join(name), bytes)
        };
        fs::write(&path, bytes)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    };
    for (images, label_file) in
        [(TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)]
    {
        write(
            images,
            encode_idx(IMAGES_MAGIC, &[count, rows, cols], pixels),
        );
        write(label_file, encode_idx(LABELS_MAGIC, &[count], labels));
    }
}
