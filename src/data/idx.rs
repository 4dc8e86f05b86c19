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

/// The most data an IDX file may declare, in bytes (1 GiB): twenty times the
/// largest MNIST file (47 MB), and more than the largest EMNIST file (547 MB).
/// A header that declares more is refused before anything is allocated, so a
/// damaged or hostile header cannot make the reader ask for gigabytes.
pub const MAX_DATA_BYTES: usize = 1 << 30;

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
    /// The sizes in the header multiply to more than [`MAX_DATA_BYTES`].
    #[error(
        "the header's sizes {dims:?} declare {bytes} bytes of data, more than the {MAX_DATA_BYTES} \
         this reader accepts: the header is damaged, or this is not an IDX file of MNIST's kind"
    )]
    TooLarge { dims: Vec<u32>, bytes: u128 },
    /// The data after the header is shorter than the header promises.
    #[error(
        "the header promises {expected} bytes of data but the file holds only {found}: the file is truncated"
    )]
    Truncated { expected: usize, found: usize },
    /// There is more data after the header than it promises.
    #[error(
        "the file holds more than the {expected} bytes of data its header promises: it is longer than its header says"
    )]
    Longer { expected: usize },
}

/// The sizes and bytes of a parsed IDX file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    /// The size of each dimension, outermost first.
    pub dims: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<u8>,
}

/// The length of the header of an IDX file with `magic`: the magic number,
/// then one `u32` per dimension (the magic number's last byte).
pub fn header_len(magic: u32) -> usize {
    4 + 4 * (magic & 0xff) as usize
}

/// Checks the first four bytes of an IDX file against `magic`.
pub fn check_magic(found: u32, magic: u32) -> Result<(), IdxError> {
    if found == magic {
        return Ok(());
    }
    let kind = if magic == IMAGES_MAGIC {
        "images"
    } else {
        "labels"
    };
    Err(IdxError::Magic {
        found,
        expected: magic,
        kind,
    })
}

/// The sizes in a header whose magic number has been checked (`header` is
/// [`header_len`] bytes long), and the number of data bytes they declare,
/// which must not exceed [`MAX_DATA_BYTES`].
pub fn declared_sizes(header: &[u8]) -> Result<(Vec<usize>, usize), IdxError> {
    let raw: Vec<u32> = header[4..]
        .chunks_exact(4)
        .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    let bytes = raw.iter().map(|&d| u128::from(d)).product::<u128>();
    if bytes > MAX_DATA_BYTES as u128 {
        return Err(IdxError::TooLarge { dims: raw, bytes });
    }
    Ok((raw.iter().map(|&d| d as usize).collect(), bytes as usize))
}

/// Parses the bytes of an IDX file of unsigned bytes with `magic` (which fixes the number
/// of dimensions), checking the header against the length of the data exactly.
pub fn parse_idx(bytes: &[u8], magic: u32) -> Result<Idx, IdxError> {
    let needed = header_len(magic);
    let short = || IdxError::ShortHeader {
        found: bytes.len(),
        needed,
    };
    let found = bytes.get(..4).ok_or_else(short)?;
    check_magic(
        u32::from_be_bytes([found[0], found[1], found[2], found[3]]),
        magic,
    )?;
    let header = bytes.get(..needed).ok_or_else(short)?;
    let (dims, expected) = declared_sizes(header)?;
    let data = &bytes[needed..];
    if data.len() < expected {
        return Err(IdxError::Truncated {
            expected,
            found: data.len(),
        });
    }
    if data.len() > expected {
        return Err(IdxError::Longer { expected });
    }
    Ok(Idx {
        dims,
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
