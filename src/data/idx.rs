//! The IDX format of MNIST's files, read from any stream of bytes and
//! written to bytes. This is the one parser of the format: files are read
//! through it by `read`, and the playground reads the bytes a page fetched.
//!
//! A 4-byte magic number `0x00 0x00 0x08 k` (`0x08`: unsigned bytes; `k`: the
//! number of dimensions), then `k` big-endian `u32` sizes, then the product
//! of the sizes in bytes, row-major. Images are `k = 3` (count, rows,
//! columns; magic 2051), labels `k = 1` (count; magic 2049).

use std::io::{self, Read};

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

/// Why reading an IDX stream failed: the bytes, or reading them.
#[derive(Debug)]
pub enum ReadError {
    /// The content is not a valid IDX file of the expected kind.
    Format(IdxError),
    /// Reading (or decompressing) failed.
    Io(io::Error),
}

/// Reads an IDX file of unsigned bytes with `magic` from `reader`: the header
/// first, then exactly the data it declares, so that the cost is bounded by
/// what the header says, never by what the stream holds. `length`, when
/// known (a raw file's size), is checked against the header before any data
/// is read.
pub fn read_idx(
    mut reader: impl Read,
    magic: u32,
    length: Option<u64>,
) -> Result<Idx, ReadError> {
    let (dims, expected) = read_header(&mut reader, magic)?;
    if let Some(length) = length {
        let held = length.saturating_sub(header_len(magic) as u64);
        check_length(expected, held).map_err(ReadError::Format)?;
    }
    // Memory is reserved for the declared size only up to 64 MiB (the full
    // MNIST's largest file is 47 MB), so that a header that lies costs no
    // more than the bytes that really arrive.
    let mut data = Vec::with_capacity(expected.min(1 << 26));
    reader
        .take(expected as u64 + 1)
        .read_to_end(&mut data)
        .map_err(ReadError::Io)?;
    check_length(expected, data.len() as u64).map_err(ReadError::Format)?;
    Ok(Idx { dims, data })
}

/// Parses the bytes of a whole IDX file of unsigned bytes with `magic`: what
/// [`read_idx`] reads from them.
pub fn parse_idx(bytes: &[u8], magic: u32) -> Result<Idx, IdxError> {
    read_idx(bytes, magic, Some(bytes.len() as u64)).map_err(|e| match e {
        ReadError::Format(e) => e,
        ReadError::Io(e) => unreachable!("reading a slice cannot fail: {e}"),
    })
}

/// The length of the header of an IDX file with `magic`: the magic number,
/// then one `u32` per dimension (the magic number's last byte).
fn header_len(magic: u32) -> usize {
    4 + 4 * (magic & 0xff) as usize
}

/// Reads and checks the header: the magic number first, so that a file of
/// another kind is named as such, then the sizes, which must declare at most
/// [`MAX_DATA_BYTES`]. Returns the sizes and the number of data bytes.
pub(super) fn read_header(
    reader: &mut impl Read,
    magic: u32,
) -> Result<(Vec<usize>, usize), ReadError> {
    let needed = header_len(magic);
    let mut header = vec![0; needed];
    let short =
        |found| ReadError::Format(IdxError::ShortHeader { found, needed });
    let found = read_up_to(reader, &mut header[..4])?;
    if found < 4 {
        return Err(short(found));
    }
    check_magic(
        u32::from_be_bytes([header[0], header[1], header[2], header[3]]),
        magic,
    )
    .map_err(ReadError::Format)?;
    let found = 4 + read_up_to(reader, &mut header[4..])?;
    if found < needed {
        return Err(short(found));
    }
    let raw: Vec<u32> = header[4..]
        .chunks_exact(4)
        .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    let bytes = raw.iter().map(|&d| u128::from(d)).product::<u128>();
    if bytes > MAX_DATA_BYTES as u128 {
        return Err(ReadError::Format(IdxError::TooLarge { dims: raw, bytes }));
    }
    Ok((raw.iter().map(|&d| d as usize).collect(), bytes as usize))
}

/// Checks a magic number against the expected one.
fn check_magic(found: u32, magic: u32) -> Result<(), IdxError> {
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

/// Checks that `found` bytes of data are the `expected` ones.
fn check_length(expected: usize, found: u64) -> Result<(), IdxError> {
    if found < expected as u64 {
        return Err(IdxError::Truncated {
            expected,
            found: found as usize,
        });
    }
    if found > expected as u64 {
        return Err(IdxError::Longer { expected });
    }
    Ok(())
}

/// Fills `buffer` from `reader` as far as the stream goes; returns how many
/// bytes it got.
fn read_up_to(
    reader: &mut impl Read,
    buffer: &mut [u8],
) -> Result<usize, ReadError> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
    Ok(filled)
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
