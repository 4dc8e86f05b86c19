//! Reading a directory of IDX files, each raw or gzip-compressed, into
//! labelled images.
//!
//! The cost of reading is bounded by what the files declare, not by what they
//! hold: [`read_idx`] reads the 16-byte header first and checks it (magic
//! number, sizes at most [`MAX_DATA_BYTES`](super::MAX_DATA_BYTES)), then
//! exactly the declared data through a limit of one byte more, so a file that
//! holds more (a gzip "bomb" of gigabytes of zeros, say) is refused after that
//! byte. A raw file's length is checked against its header before its data is
//! read at all.
//!
//! # Why not the `mnist` crate
//!
//! The `mnist` crate (0.6) reads only uncompressed files with fixed names,
//! insists on the counts of the full data set (60,000 / 10,000), and panics on
//! a bad file. We ship a gzip-compressed subset of MNIST, want any directory of
//! IDX files to work, and promise a clear error instead of a panic for every
//! bad file. `tests/mnist_oracle.rs` uses the `mnist` crate as an independent
//! check of this reader on the full MNIST instead.

use std::fs::{self, File, Metadata};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::bufread::GzDecoder;

use super::error::DataError;
use super::idx::{
    IMAGES_MAGIC, Idx, LABELS_MAGIC, ReadError, TEST_IMAGES, TEST_LABELS,
    TRAIN_IMAGES, TRAIN_LABELS, read_header, read_idx,
};
use super::images::LabelledImages;

/// The training and test parts of an IDX data set directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxDataSet {
    /// The `train-*` files.
    pub train: LabelledImages,
    /// The `t10k-*` files.
    pub test: LabelledImages,
}

impl IdxDataSet {
    /// Reads and checks the four IDX files of `dir`, each raw or gzip-compressed.
    pub fn load(dir: &Path) -> Result<Self, DataError> {
        IdxFiles::find(dir)?.load()
    }
}

/// The four files of a data directory, found but not read yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxFiles {
    /// The training images and labels, then the test images and labels.
    pub paths: [PathBuf; 4],
    /// Uncompressed files that are not read because a `.gz` file of the same
    /// name is beside them.
    pub unread: Vec<PathBuf>,
}

impl IdxFiles {
    /// Finds the four standard files in `dir`: `NAME.gz` if it is there, else
    /// `NAME`. An entry with one of those names that is not a regular file (a
    /// directory, a broken symbolic link, a FIFO) is an error that says so.
    pub fn find(dir: &Path) -> Result<Self, DataError> {
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(DataError::NotADirectory(dir.to_path_buf())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(DataError::MissingDir(dir.to_path_buf()));
            }
            Err(source) => {
                return Err(DataError::Read {
                    path: dir.to_path_buf(),
                    source,
                });
            }
        }
        let mut unread = Vec::new();
        let mut find = |name| {
            let (path, beside) = find_idx_file(dir, name)?;
            unread.extend(beside);
            Ok::<_, DataError>(path)
        };
        let paths = [
            find(TRAIN_IMAGES)?,
            find(TRAIN_LABELS)?,
            find(TEST_IMAGES)?,
            find(TEST_LABELS)?,
        ];
        Ok(Self { paths, unread })
    }

    /// Reads and checks the four files.
    pub fn load(&self) -> Result<IdxDataSet, DataError> {
        let [train_images, train_labels, test_images, test_labels] =
            &self.paths;
        Ok(IdxDataSet {
            train: LabelledImages::read(train_images, train_labels)?,
            test: LabelledImages::read(test_images, test_labels)?,
        })
    }
}

impl LabelledImages {
    /// Reads an image file and its label file and checks that they pair up.
    pub fn read(images: &Path, labels: &Path) -> Result<Self, DataError> {
        let image_file = read_idx_file(images, IMAGES_MAGIC)?;
        let label_file = read_idx_file(labels, LABELS_MAGIC)?;
        Self::pair(
            images.to_path_buf(),
            image_file,
            labels.to_path_buf(),
            label_file,
        )
    }
}

/// The path of `name.gz` in `dir`, or of `name` if there is no compressed
/// one, and the uncompressed file beside a compressed one (not read).
fn find_idx_file(
    dir: &Path,
    name: &'static str,
) -> Result<(PathBuf, Option<PathBuf>), DataError> {
    let gz = dir.join(format!("{name}.gz"));
    let raw = dir.join(name);
    match (regular_file(&gz), regular_file(&raw)) {
        (Ok(true), Ok(true)) => Ok((gz, Some(raw))),
        (Ok(true), _) => Ok((gz, None)),
        (_, Ok(true)) => Ok((raw, None)),
        (Err(e), _) | (Ok(false), Err(e)) => Err(e),
        (Ok(false), Ok(false)) => Err(DataError::MissingFile {
            dir: dir.to_path_buf(),
            name,
        }),
    }
}

/// Whether a regular file is at `path` (following symbolic links): `false`
/// if nothing is there, an error if something else is.
fn regular_file(path: &Path) -> Result<bool, DataError> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(source) => {
            return Err(DataError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
        Ok(_) => {}
    }
    match fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(true),
        Ok(m) => Err(DataError::NotAFile {
            path: path.to_path_buf(),
            kind: file_kind(&m),
        }),
        Err(source) => Err(DataError::BrokenLink {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// What kind of file system entry `metadata` describes, for messages:
/// "regular file", "directory", "device", …
pub fn file_kind(metadata: &Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_file() {
        return "regular file";
    }
    if kind.is_dir() {
        return "directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() || kind.is_block_device() {
            return "device";
        }
        if kind.is_fifo() {
            return "FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "socket";
        }
    }
    "special file"
}

/// Reads the IDX file at `path` with `magic`, raw or gzip-compressed, at a
/// cost bounded by what its header declares (see the module's documentation).
pub fn read_idx_file(path: &Path, magic: u32) -> Result<Idx, DataError> {
    let (reader, length) = open_idx(path)?;
    read_idx(reader, magic, length).map_err(|e| e.at(path))
}

/// The sizes the header of the IDX file at `path` declares (count, rows and
/// columns of images; count of labels), checked as [`read_idx_file`] checks
/// them, without reading the data: how a program learns what reading the
/// file will cost before it does.
pub fn read_idx_dims(path: &Path, magic: u32) -> Result<Vec<usize>, DataError> {
    let (mut reader, _) = open_idx(path)?;
    Ok(read_header(&mut reader, magic).map_err(|e| e.at(path))?.0)
}

/// The IDX file at `path` opened, decompressed if it is gzip data, and the
/// length on disk of a raw one (the most data it can hold).
fn open_idx(path: &Path) -> Result<(Box<dyn Read>, Option<u64>), DataError> {
    let error = |e| ReadError::Io(e).at(path);
    let file = File::open(path).map_err(error)?;
    let length = file.metadata().map_err(error)?.len();
    let mut reader = BufReader::new(file);
    Ok(if is_gzip(&mut reader).map_err(error)? {
        (Box::new(Gunzip::new(reader)), None)
    } else {
        (Box::new(reader), Some(length))
    })
}

impl ReadError {
    /// The error as a [`DataError`] that names the file at `path`.
    pub fn at(self, path: &Path) -> DataError {
        let path = path.to_path_buf();
        match self {
            Self::Format(source) => DataError::Format { path, source },
            Self::Io(source) if is_damage(&source) => {
                DataError::Gzip { path, source }
            }
            Self::Io(source) => DataError::Read { path, source },
        }
    }
}

/// Whether a decompression error means damaged gzip data rather than a
/// failed read from the disk.
fn is_damage(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::InvalidData
            | io::ErrorKind::InvalidInput
            | io::ErrorKind::UnexpectedEof
    )
}

/// Whether the stream starts with the gzip magic bytes `1f 8b` (nothing is
/// consumed): the same directory may hold raw and compressed IDX files.
pub fn is_gzip(reader: &mut impl BufRead) -> io::Result<bool> {
    Ok(reader.fill_buf()?.starts_with(&[0x1f, 0x8b]))
}

/// Gzip data decompressed as `gzip -d` does it: member after member, and
/// up to [`MAX_PADDING_BYTES`] zero bytes after the last member accepted as
/// padding (tape and disk images add them). Anything else after the
/// compressed data is an error, rather than silently ignored or taken for a
/// damaged header.
///
/// Why not flate2's `MultiGzDecoder`: it reads member after member too, but
/// takes whatever follows the last one for the start of another, so the
/// padding that gzip accepts fails as an "invalid gzip header", more than a
/// megabyte of zeros is not told apart from other bytes, and it does not say
/// where the last member ended, which the cap needs. With it, three tests of
/// `tests/hostile_inputs.rs` fail (padding, the cap, trailing bytes). This
/// loop of flate2's `GzDecoder` is what they need beyond it.
pub struct Gunzip<R: BufRead> {
    /// The member being decompressed; `None` once the data has ended.
    member: Option<GzDecoder<R>>,
}

impl<R: BufRead> Gunzip<R> {
    /// Decompresses `reader`, which starts with a gzip member.
    pub fn new(reader: R) -> Self {
        Self {
            member: Some(GzDecoder::new(reader)),
        }
    }
}

impl<R: BufRead> Read for Gunzip<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        while let Some(member) = &mut self.member {
            let n = member.read(buffer)?;
            if n > 0 || buffer.is_empty() {
                return Ok(n);
            }
            // This member has ended (its checksum verified): what follows?
            let mut rest = self.member.take().expect("a member").into_inner();
            match rest.fill_buf()?.first() {
                None => {}
                Some(0x1f) => self.member = Some(GzDecoder::new(rest)),
                Some(0) => skip_zeros(&mut rest)?,
                Some(_) => return Err(trailing_garbage()),
            }
        }
        Ok(0)
    }
}

/// The most zero padding accepted after the compressed data: more than any
/// real padding (tape blocks and disk sectors are kilobytes), and little
/// enough that a file padded to gigabytes is refused in milliseconds.
pub const MAX_PADDING_BYTES: u64 = 1 << 20;

/// Consumes zero bytes to the end of `reader`; any other byte, or more than
/// [`MAX_PADDING_BYTES`] of them, is an error.
fn skip_zeros(reader: &mut impl BufRead) -> io::Result<()> {
    let mut skipped = 0;
    loop {
        let bytes = reader.fill_buf()?;
        if bytes.is_empty() {
            return Ok(());
        }
        if bytes.iter().any(|&b| b != 0) {
            return Err(trailing_garbage());
        }
        let n = bytes.len();
        skipped += n as u64;
        if skipped > MAX_PADDING_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "after the end of the compressed data come more than \
                     {MAX_PADDING_BYTES} zero bytes, too many to be padding: \
                     is the file damaged?"
                ),
            ));
        }
        reader.consume(n);
    }
}

fn trailing_garbage() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "after the end of the compressed data come bytes that are neither gzip data nor zero padding",
    )
}
