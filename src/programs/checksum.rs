//! SHA-256 checksums: how `mnist_subset` verifies the files it reads, and
//! the tests the shipped ones. Training never needs them, so they stand with
//! the programs, not in the data layer.
//!
//! A `SHA256SUMS` file lists one file per line as `sha256sum` writes them: 64 hexadecimal
//! digits, two spaces (or a space and `*` for binary mode), the file's name. Lines that
//! start with `#` are comments. The data sets' sums are of the *decompressed* IDX files,
//! since two gzip compressors give different bytes for the same content.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::data::idx::{Idx, encode_idx};
use crate::data::{DataError, read_idx_file};

/// The largest SHA256SUMS file read: a list of a few files' sums is a few hundred bytes.
pub const MAX_SUMS_BYTES: u64 = 1 << 20;

/// Reads and parses the SHA256SUMS file at `path` (see [`parse_sums`]); the
/// error names the file. A file larger than [`MAX_SUMS_BYTES`] is refused
/// unread.
pub fn read_sums(path: &Path) -> Result<HashMap<String, String>, String> {
    let mut text = String::new();
    File::open(path)
        .and_then(|f| f.take(MAX_SUMS_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    if text.len() as u64 > MAX_SUMS_BYTES {
        return Err(format!(
            "{}: larger than {MAX_SUMS_BYTES} bytes, so not a SHA256SUMS file",
            path.display()
        ));
    }
    parse_sums(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads the IDX file at `path` (raw or gzip-compressed, at the bounded cost
/// of [`read_idx_file`]) and checks that its decompressed content has the
/// SHA-256 `expected` (64 hexadecimal digits). A file that verifies is the
/// right file and a valid IDX file of its kind, so a checksum list for
/// another data set cannot let a file of the wrong kind through.
pub fn read_verified(
    path: &Path,
    magic: u32,
    expected: &str,
) -> Result<Idx, DataError> {
    let idx = read_idx_file(path, magic)?;
    let found = content_sha256(magic, &idx);
    if !found.eq_ignore_ascii_case(expected) {
        return Err(DataError::Checksum {
            path: path.to_path_buf(),
            found,
            expected: expected.to_string(),
        });
    }
    Ok(idx)
}

/// The SHA-256 of the decompressed file that `idx` was read from: its header
/// (`magic` and sizes) and its data, hashed without copying the data.
pub fn content_sha256(magic: u32, idx: &Idx) -> String {
    let header = encode_idx(magic, &idx.dims, &[]);
    hex(Sha256::new()
        .chain_update(header)
        .chain_update(&idx.data)
        .finalize())
}

/// Reads a SHA256SUMS file (`HASH  NAME` lines, as `sha256sum` writes them; `#` starts a
/// comment line) into lowercase hashes by name. A malformed line is an error naming its
/// line number rather than a line silently skipped, since a skipped line would show up
/// later as a confusing "no checksum for" error.
pub fn parse_sums(text: &str) -> Result<HashMap<String, String>, String> {
    let mut sums = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| format!("line {}: {why}: {line:?}", number + 1);
        let (hash, name) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad("expected `SHA256  NAME`"))?;
        // sha256sum marks files read in binary mode with `*` before the name.
        let name = name.trim_start().trim_start_matches('*');
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("not a SHA-256 (64 hexadecimal digits)"));
        }
        if name.is_empty() {
            return Err(bad("no file name after the hash"));
        }
        sums.insert(name.to_string(), hash.to_ascii_lowercase());
    }
    Ok(sums)
}

/// The SHA-256 of `bytes` as 64 lowercase hexadecimal digits, as `sha256sum` prints it.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex(Sha256::digest(bytes))
}

/// A digest as lowercase hexadecimal digits.
fn hex(digest: impl AsRef<[u8]>) -> String {
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_files_are_read_like_sha256sum_writes_them() {
        let hash = "AB".repeat(32);
        let text = format!("# comment\n\n{hash}  a\n{}  *b\n", "0".repeat(64));
        let sums = parse_sums(&text).unwrap();
        assert_eq!(sums["a"], "ab".repeat(32), "hashes are lowercased");
        assert_eq!(
            sums["b"],
            "0".repeat(64),
            "binary-mode `*` is not part of the name"
        );
        // The bundled data/SHA256SUMS is in the same format.
        let bundled = include_str!("../../data/SHA256SUMS");
        assert_eq!(parse_sums(bundled).unwrap().len(), 4);
    }

    #[test]
    fn malformed_sums_lines_are_errors_with_their_line_number() {
        let error = parse_sums("# ok\nnot-a-hash  a\n").unwrap_err();
        assert!(error.starts_with("line 2: not a SHA-256"), "{error}");
        let error = parse_sums(&"0".repeat(64)).unwrap_err();
        assert!(error.contains("expected `SHA256  NAME`"), "{error}");
    }

    #[test]
    fn hashes_read_like_sha256sum_prints_them() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
