//! The IDX format of MNIST's files, read from and written to bytes.
//!
//! A 4-byte magic number `0x00 0x00 0x08 k` (`0x08`: unsigned bytes; `k`: the
//! number of dimensions), then `k` big-endian `u32` sizes, then the product
//! of the sizes in bytes, row-major. Images are `k = 3` (count, rows,
//! columns; magic 2051), labels `k = 1` (count; magic 2049).

use thiserror::Error;

/// The standard file names of the four IDX files; each may also carry a `.gz` suffix.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// See [`TRAIN_IMAGES`].
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// See [`TRAIN_IMAGES`].
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// See [`TRAIN_IMAGES`].
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// The magic number of an IDX file of unsigned bytes with three dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// The magic number of an IDX file of unsigned bytes with one dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// What is wrong with the bytes of an IDX file, independent of where they came from.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdxError {
    /// Fewer bytes than the header needs.
    #[error(
        "too short for an IDX header: {found} bytes, the header needs {needed}"
    )]
    ShortHeader { found: usize, needed: usize },
    /// The magic number is not the one of the expected kind of file.
    #[error(
        "wrong magic number {found:#010x}, expected {expected:#010x} for IDX {kind}: is this the right file?"
    )]
    Magic {
        found: u32,
        expected: u32,
        kind: &'static str,
    },
    /// The sizes in the header multiply to more than this machine can address.
    #[error("the header's sizes {dims:?} are too large to be real")]
    Overflow { dims: Vec<u32> },
    /// The data after the header is shorter or longer than the header promises.
    #[error("the header promises {expected} bytes of data but the file holds {found}: the file is {}", if found < expected { "truncated" } else { "longer than its header says" })]
    Length { expected: usize, found: usize },
}

/// The sizes and bytes of a parsed IDX file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    /// The size of each dimension, outermost first.
    pub dims: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<u8>,
}

/// Parses the bytes of an IDX file of unsigned bytes with `magic` (which fixes the number
/// of dimensions), checking the header against the length of the data exactly.
pub fn parse_idx(bytes: &[u8], magic: u32) -> Result<Idx, IdxError> {
    let ndims = (magic & 0xff) as usize;
    let needed = 4 + 4 * ndims;
    let short = || IdxError::ShortHeader {
        found: bytes.len(),
        needed,
    };
    let word = |i: usize| -> Option<u32> {
        Some(u32::from_be_bytes(
            bytes.get(4 * i..4 * i + 4)?.try_into().ok()?,
        ))
    };
    let found = word(0).ok_or_else(short)?;
    if found != magic {
        let kind = if magic == IMAGES_MAGIC {
            "images"
        } else {
            "labels"
        };
        return Err(IdxError::Magic {
            found,
            expected: magic,
            kind,
        });
    }
    if bytes.len() < needed {
        return Err(short());
    }
    let raw: Vec<u32> = (1..=ndims).filter_map(word).collect();
    let expected = raw
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
        .ok_or_else(|| IdxError::Overflow { dims: raw.clone() })?;
    let data = &bytes[needed..];
    if data.len() != expected {
        return Err(IdxError::Length {
            expected,
            found: data.len(),
        });
    }
    Ok(Idx {
        dims: raw.iter().map(|&d| d as usize).collect(),
        data: data.to_vec(),
    })
}

/// The bytes of an IDX file of unsigned bytes: the inverse of [`parse_idx`].
pub fn encode_idx(magic: u32, dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(4 + 4 * dims.len() + data.len());
    bytes.extend_from_slice(&magic.to_be_bytes());
    for &d in dims {
        bytes.extend_from_slice(&(d as u32).to_be_bytes());
    }
    bytes.extend_from_slice(data);
    bytes
}
