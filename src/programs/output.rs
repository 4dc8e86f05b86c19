//! Writing the programs' files so that no run can destroy another file.
//!
//! A program names everything it will write in an [`Outputs`] plan before it
//! does any work: each path must be a regular file or not exist yet, in a
//! folder it can write to; not a directory, device, FIFO or socket; not
//! read-only unless the user passed `--force`; not one of the program's input
//! files; and no two outputs may share a file. A bad path is refused then, in
//! one line that names the flag and the file, rather than after a long run.
//!
//! Every file is then written with [`write_atomically`]: into a uniquely
//! named temporary file in the same folder, flushed, and renamed over the
//! target only when complete. The temporary file is removed on every failure
//! path, so a failed run leaves nothing behind and the previous file intact.
//! A symbolic link is followed: its target is replaced, the link stays.
//!
//! Once standard output or error has failed, no file is written any more
//! (see [`console`]): the run has failed, and its files must not look like
//! the result of a run that succeeded.

use std::ffi::OsString;
use std::fs::{self, Metadata, Permissions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::{Builder, NamedTempFile};

use super::console::{self, Hold, StreamFailed};
use crate::data::read::file_kind;
use thiserror::Error;

/// Why an output path cannot be written: `what` names the flag (or the
/// file's role) so that the message says which argument to change, `path`
/// is the path as given, and `problem` what is wrong with it.
#[derive(Debug, Error)]
#[error("{what} {}: {problem}", path.display())]
pub struct OutputError {
    pub what: String,
    pub path: PathBuf,
    #[source]
    pub problem: Problem,
}

impl OutputError {
    /// The error `problem` of the path `path` that `what` named.
    pub fn new(what: &str, path: &Path, problem: Problem) -> OutputError {
        let (what, path) = (what.to_string(), path.to_path_buf());
        OutputError {
            what,
            path,
            problem,
        }
    }
}

/// What is wrong with an output path, said after the flag and the path.
#[derive(Debug, Error)]
pub enum Problem {
    /// The path ends in `/`, or is `.` or `..`.
    #[error("names a directory, not a file: give a file name inside it")]
    NoFileName,
    /// The folder the file would go in does not exist.
    #[error(
        "the folder {} does not exist: create it or give another path",
        .0.display()
    )]
    NoFolder(PathBuf),
    /// Part of the path that must be a folder is something else.
    #[error(
        "{} is not a folder: give a folder, or a path inside one",
        .0.display()
    )]
    NotAFolder(PathBuf),
    /// A folder for the outputs cannot be created.
    #[error("cannot create the folder: {0}")]
    CreateFolder(#[source] io::Error),
    /// No file can be created in the folder.
    #[error(
        "cannot create a file in {} ({source}): give a path in a folder you can write to",
        folder.display()
    )]
    FolderNotWritable { folder: PathBuf, source: io::Error },
    /// Something other than a regular file is there.
    #[error(
        "is a {0}, not a regular file, and is never replaced: give the path of a regular file or of a new one"
    )]
    NotRegular(&'static str),
    /// A symbolic link that leads nowhere (to nothing, or in a loop).
    #[error(
        "is a symbolic link that leads to no file ({0}): give the path of a regular file or of a new one"
    )]
    BrokenLink(#[source] io::Error),
    /// An existing folder without write permission, to be replaced as a
    /// whole.
    #[error(
        "the folder is read-only: pass --force to replace its files, or give another folder"
    )]
    ReadOnlyFolder,
    /// A folder to be replaced as a whole holds something that cannot be
    /// carried over into the new one.
    #[error(
        "holds {entry}, a {kind}: the folder is replaced as a whole, which carries over only \
         files and symbolic links: move {entry} elsewhere, or give another folder"
    )]
    NotCarried { entry: String, kind: &'static str },
    /// A folder to be replaced as a whole is a mount point.
    #[error(
        "is a mount point, which cannot be replaced as a whole: give a folder inside it"
    )]
    MountPoint,
    /// An existing file without write permission.
    #[error(
        "the file is read-only: pass --force to replace it, or give another path"
    )]
    ReadOnly,
    /// The output is one of the files the program reads.
    #[error(
        "is the input file {}, which writing would destroy: give another path",
        .0.display()
    )]
    IsInput(PathBuf),
    /// Two outputs would go to the same file: this one and the one named by
    /// the flag (or role) it holds.
    #[error("is also named by {0}: give each its own file")]
    Shared(String),
    /// The path cannot be looked at (permission denied on a folder, say).
    #[error("cannot inspect the path: {0}")]
    Inspect(#[source] io::Error),
    /// Writing failed after the checks (the disk filled up, say).
    #[error("cannot write: {0}")]
    Write(#[source] io::Error),
    /// Standard output or error failed earlier, so the run has failed and
    /// writes no file.
    #[error("not written: {0}")]
    RunFailed(#[source] StreamFailed),
}

/// An output path that passed the checks.
#[derive(Debug)]
struct Planned {
    /// The flag or role, for messages.
    what: String,
    /// The path as the user gave it.
    given: PathBuf,
    /// The file that will be written: symbolic links followed, folder
    /// made absolute.
    resolved: PathBuf,
    /// The file already there, if any, to tell hard links apart.
    existing: Option<FileId>,
}

/// The files a program will write, each checked before any work is done.
/// While the plan is alive, a failed or closed standard output does not end
/// the program before its files are written ([`console::Hold`]).
#[derive(Debug, Default)]
pub struct Outputs {
    planned: Vec<Planned>,
    _hold: Option<Hold>,
}

impl Outputs {
    /// Checks every `(what, path)` in `outputs` against the rules in the
    /// module's documentation. `inputs` are the files the program reads,
    /// which no output may be; `force` allows replacing read-only files.
    pub fn plan(
        outputs: &[(&str, &Path)],
        inputs: &[PathBuf],
        force: bool,
    ) -> Result<Self, OutputError> {
        let inputs: Vec<(&PathBuf, FileId)> = inputs
            .iter()
            .filter_map(|p| Some((p, FileId::of(p)?)))
            .collect();
        let mut planned: Vec<Planned> = Vec::new();
        for &(what, path) in outputs {
            let refused = |problem| Err(OutputError::new(what, path, problem));
            let (resolved, metadata) = inspect(what, path)?;
            probe_folder(what, path, &resolved)?;
            let existing = FileId::of(&resolved);
            let same = |other: &FileId| {
                existing.as_ref().is_some_and(|e| e.same(other))
            };
            if let Some((input, _)) = inputs.iter().find(|(_, i)| same(i)) {
                return refused(Problem::IsInput(input.to_path_buf()));
            }
            if let Some(first) = planned.iter().find(|p| {
                p.resolved == resolved || p.existing.as_ref().is_some_and(same)
            }) {
                return refused(Problem::Shared(first.what.clone()));
            }
            if !force && metadata.is_some_and(|m| read_only(&resolved, &m)) {
                return refused(Problem::ReadOnly);
            }
            planned.push(Planned {
                what: what.to_string(),
                given: path.to_path_buf(),
                resolved,
                existing,
            });
        }
        let _hold = (!planned.is_empty()).then(Hold::new);
        Ok(Self { planned, _hold })
    }

    /// Writes `bytes` to the planned output `path` (as given to
    /// [`Outputs::plan`]) with [`write_atomically`].
    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
        write_as(self.what(path), path, |file| file.write_all(bytes))
    }

    /// Moves the finished file `from` (in the same folder) over the planned
    /// output `path`, after checking again what is there.
    pub fn place(&self, from: &Path, path: &Path) -> Result<(), OutputError> {
        let what = self.what(path);
        still_running(what, path)?;
        let (resolved, _) = inspect(what, path)?;
        fs::rename(from, &resolved).map_err(|source| {
            OutputError::new(what, path, Problem::Write(source))
        })
    }

    /// The flag or role `path` was planned under.
    fn what(&self, path: &Path) -> &str {
        self.planned
            .iter()
            .find(|p| p.given == path)
            .map_or("output", |p| p.what.as_str())
    }
}

/// The folders a run created for its outputs: removed again when dropped, if
/// they are still empty, unless [`NewFolders::keep`] was called. So a run that
/// fails leaves no empty folder behind.
#[derive(Debug)]
#[must_use = "dropping it at once removes the folders again"]
pub struct NewFolders {
    /// Outermost first.
    created: Vec<PathBuf>,
    /// A failed output does not end the program before they are removed.
    _hold: Hold,
}

impl NewFolders {
    /// Creates the folder `path` (the `what` flag's) and any missing folder
    /// above it. Something other than a folder at `path` is refused.
    pub fn create(what: &str, path: &Path) -> Result<Self, OutputError> {
        if fs::metadata(path).is_ok_and(|m| !m.is_dir()) {
            return Err(OutputError::new(
                what,
                path,
                Problem::NotAFolder(path.to_path_buf()),
            ));
        }
        let mut created: Vec<PathBuf> = path
            .ancestors()
            .filter(|p| !p.as_os_str().is_empty())
            .take_while(|p| fs::symlink_metadata(p).is_err())
            .map(Path::to_path_buf)
            .collect();
        created.reverse();
        let folders = Self {
            created,
            _hold: Hold::new(),
        };
        fs::create_dir_all(path).map_err(|source| {
            OutputError::new(what, path, Problem::CreateFolder(source))
        })?;
        Ok(folders)
    }

    /// Keeps the folders: the run succeeded.
    pub fn keep(mut self) {
        self.created.clear();
    }
}

impl Drop for NewFolders {
    fn drop(&mut self) {
        for folder in self.created.iter().rev() {
            // Only an empty folder is removed; a folder that holds something
            // (put there by another program meanwhile, say) stays.
            let _ = fs::remove_dir(folder);
        }
    }
}

/// Writes `bytes` to `path` through a uniquely named temporary file in the
/// same folder, renamed over `path` only once it is complete and flushed to
/// disk. A symbolic link at `path` is followed; anything there but a regular
/// file is refused, and an existing file keeps its permissions. On any
/// failure the temporary file is removed and `path` is left as it was.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_as("output", path, |file| file.write_all(bytes))
        .map_err(io::Error::other)
}

/// [`write_atomically`] with `fill` writing the content, and `what` naming
/// the output in errors.
fn write_as(
    what: &str,
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> Result<(), OutputError> {
    still_running(what, path)?;
    let (resolved, existing) = inspect(what, path)?;
    let failed = |source| OutputError::new(what, path, Problem::Write(source));
    let mut temporary = temporary_in(&resolved).map_err(failed)?;
    fill(temporary.as_file_mut()).map_err(failed)?;
    let file = temporary.as_file();
    file.sync_all().map_err(failed)?;
    if let Some(existing) = existing {
        file.set_permissions(existing.permissions())
            .map_err(failed)?;
    }
    // On failure the error holds the temporary file, which is deleted when
    // the error is dropped.
    temporary
        .persist(&resolved)
        .map(drop)
        .map_err(|e| failed(e.error))
}

/// Refuses to write the `what` output `path` once the run has failed by a
/// failed write to standard output or error ([`console::check`]).
pub(super) fn still_running(
    what: &str,
    path: &Path,
) -> Result<(), OutputError> {
    console::check().map_err(|source| {
        OutputError::new(what, path, Problem::RunFailed(source))
    })
}

/// A new, uniquely named, hidden temporary file beside `target`, with the
/// permissions a new file gets (`0666` less the umask) rather than the
/// `0600` of temporary files.
fn temporary_in(target: &Path) -> io::Result<NamedTempFile> {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let prefix = format!(".{name}.");
    let mut builder = Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(Permissions::from_mode(0o666));
    }
    // tempfile adds the temporary name to its errors; the folder is what
    // the messages name.
    builder.tempfile_in(folder_of(target)).map_err(without_path)
}

/// One of tempfile's errors without the ` at path "…"` that it appends:
/// the temporary name means nothing to the user.
fn without_path(error: io::Error) -> io::Error {
    let text = error.to_string();
    match text.split_once(" at path ") {
        Some((system, _)) => io::Error::new(error.kind(), system),
        None => error,
    }
}

/// The folder a file is in: its parent, or `.` for a bare name.
pub(super) fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Where `path` leads and what is there: the file to write (symbolic links
/// followed, folder canonical) and the metadata of the regular file already
/// there, if any. Refuses paths that name no file, missing folders and
/// anything but a regular file.
fn inspect(
    what: &str,
    path: &Path,
) -> Result<(PathBuf, Option<Metadata>), OutputError> {
    let inspect_error =
        |source| OutputError::new(what, path, Problem::Inspect(source));
    let mut resolved = real_folder(what, path)?.join(file_name(what, path)?);
    let leaf = match fs::symlink_metadata(&resolved) {
        Ok(leaf) => leaf,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok((resolved, None));
        }
        Err(source) => return Err(inspect_error(source)),
    };
    if leaf.file_type().is_symlink() {
        resolved = fs::canonicalize(&resolved).map_err(|source| {
            OutputError::new(what, path, Problem::BrokenLink(source))
        })?;
    }
    let metadata = fs::metadata(&resolved).map_err(inspect_error)?;
    if !metadata.is_file() {
        return Err(OutputError::new(
            what,
            path,
            Problem::NotRegular(file_kind(&metadata)),
        ));
    }
    Ok((resolved, Some(metadata)))
}

/// The name of the file `path` names; a path that ends in `/` or `..` names
/// none.
fn file_name(what: &str, path: &Path) -> Result<OsString, OutputError> {
    match path.file_name() {
        Some(name) if !path.as_os_str().to_string_lossy().ends_with('/') => {
            Ok(name.to_owned())
        }
        _ => Err(OutputError::new(what, path, Problem::NoFileName)),
    }
}

/// The folder `path` is in, canonical: it must exist and be a folder.
fn real_folder(what: &str, path: &Path) -> Result<PathBuf, OutputError> {
    let folder = folder_of(path);
    let refused = |problem| Err(OutputError::new(what, path, problem));
    match fs::canonicalize(folder) {
        Ok(real) if real.is_dir() => Ok(real),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            refused(Problem::NoFolder(folder.to_path_buf()))
        }
        Err(source) if source.kind() != io::ErrorKind::NotADirectory => {
            refused(Problem::Inspect(source))
        }
        // Something that is not a folder, or a path through a file.
        _ => refused(Problem::NotAFolder(folder.to_path_buf())),
    }
}

/// Creates and at once deletes a temporary file beside `resolved`: the
/// surest test that the folder takes new files (permissions, a read-only
/// file system, a full disk's inodes).
fn probe_folder(
    what: &str,
    path: &Path,
    resolved: &Path,
) -> Result<(), OutputError> {
    temporary_in(resolved).map(drop).map_err(|source| {
        OutputError::new(
            what,
            path,
            Problem::FolderNotWritable {
                folder: folder_of(resolved).to_path_buf(),
                source,
            },
        )
    })
}

/// Whether the existing file at `path` may not be written: no write
/// permission bit at all (which holds even for root), or none for us.
pub(super) fn read_only(path: &Path, metadata: &Metadata) -> bool {
    if metadata.permissions().readonly() {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes())
        else {
            return false;
        };
        // SAFETY: `access` reads the NUL-terminated path and nothing else.
        unsafe { libc::access(c_path.as_ptr(), libc::W_OK) != 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// A file's identity: the same for every name of one file, symbolic or hard
/// link (where the system has inode numbers; elsewhere its canonical path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FileId {
    canonical: PathBuf,
    #[cfg(unix)]
    inode: (u64, u64),
}

impl FileId {
    /// The identity of the existing file at `path`, if there is one.
    pub(super) fn of(path: &Path) -> Option<Self> {
        let canonical = fs::canonicalize(path).ok()?;
        #[cfg(unix)]
        let inode = {
            use std::os::unix::fs::MetadataExt;
            let metadata = fs::metadata(&canonical).ok()?;
            (metadata.dev(), metadata.ino())
        };
        Some(Self {
            canonical,
            #[cfg(unix)]
            inode,
        })
    }

    /// Whether two identities name one file.
    pub(super) fn same(&self, other: &Self) -> bool {
        #[cfg(unix)]
        if self.inode == other.inode {
            return true;
        }
        self.canonical == other.canonical
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder and the path `out.json` in it, holding "old" when
    /// `old` says so.
    fn scratch_file(old: bool) -> (tempfile::TempDir, PathBuf) {
        let scratch = tempfile::tempdir().unwrap();
        let path = scratch.path().join("out.json");
        if old {
            fs::write(&path, "old").unwrap();
        }
        (scratch, path)
    }

    /// `path` holds `contents` and is the only file in `folder`.
    #[track_caller]
    fn assert_alone(folder: &Path, path: &Path, contents: &str) {
        assert_eq!(fs::read_to_string(path).unwrap(), contents);
        assert_eq!(fs::read_dir(folder).unwrap().count(), 1);
    }

    /// The plan of one output, `path`, for `--save-weights`.
    fn planned(path: &Path) -> Outputs {
        Outputs::plan(&[("--save-weights", path)], &[], false).unwrap()
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_one() {
        let (scratch, path) = scratch_file(true);
        let error = write_as("--save-weights", &path, |file| {
            file.write_all(b"half")?;
            Err(io::Error::other("the disk is full"))
        })
        .unwrap_err();
        assert!(
            error.to_string().contains("--save-weights")
                && error.to_string().contains("the disk is full"),
            "{error}"
        );
        assert_alone(scratch.path(), &path, "old");
    }

    #[test]
    fn a_complete_write_replaces_the_file_and_leaves_nothing_else() {
        let (scratch, path) = scratch_file(true);
        let outputs = planned(&path);
        outputs.write(&path, b"new").unwrap();
        assert_alone(scratch.path(), &path, "new");
    }

    #[test]
    fn a_file_swapped_for_a_directory_after_planning_is_still_refused() {
        let (_scratch, path) = scratch_file(false);
        let outputs = planned(&path);
        fs::create_dir(&path).unwrap();
        let error = outputs.write(&path, b"new").unwrap_err();
        assert!(matches!(error.problem, Problem::NotRegular(_)), "{error}");
        assert!(path.is_dir());
    }

    #[test]
    fn new_folders_go_again_unless_kept() {
        let scratch = tempfile::tempdir().unwrap();
        let deep = scratch.path().join("a").join("b");
        drop(NewFolders::create("--out", &deep).unwrap());
        assert!(!scratch.path().join("a").exists());
        NewFolders::create("--out", &deep).unwrap().keep();
        assert!(deep.is_dir());
    }
}
