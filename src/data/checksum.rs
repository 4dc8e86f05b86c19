//! SHA-256 checksums: how the data files are verified.
//!
//! A `SHA256SUMS` file lists one file per line as `sha256sum` writes them: 64 hexadecimal
//! digits, two spaces (or a space and `*` for binary mode), the file's name. Lines that
//! start with `#` are comments. The data sets' sums are of the *decompressed* IDX files,
//! since two gzip compressors give different bytes for the same content.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

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
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
