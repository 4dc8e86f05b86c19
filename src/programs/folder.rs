//! A folder of files that belong together, replaced as one: the four IDX
//! files of a data set and their `SHA256SUMS` are either all the old ones
//! or all the new ones, never a mix.
//!
//! A [`Folder`] is built in a hidden temporary folder beside the target
//! (`.NAME.XXXXXX.tmp`, so on the same file system), which receives the new
//! files and then every other entry of the target (files by hard link,
//! symbolic links as links), and is then swapped with the target in one
//! step (Linux's `renameat2` with `RENAME_EXCHANGE`; where the file system
//! cannot, two renames a moment apart). The old folder is then deleted. A
//! run that fails or is interrupted before the swap leaves the target as it
//! was. One killed outright (`kill -9`, Ctrl-C) leaves its hidden folder
//! beside it, which the next run removes: each run holds a lock (`flock`) on
//! its own, so no run removes a living one's.
//!
//! Everything is checked when the folder is planned, before any work: the
//! target is a folder or new; an entry the run replaces is a regular file or
//! a symbolic link, not read-only (unless `--force`), not one of the inputs;
//! the other entries are files or links that can be carried over; the
//! folder is not read-only (unless `--force`) nor a mount point; a
//! temporary folder can be made beside it.

use std::collections::HashMap;
use std::fs::{self, Permissions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::{Builder, TempDir};

use super::console::Hold;
use super::output::{
    FileId, NewFolders, OutputError, Problem, folder_of, read_only,
    still_running,
};
use crate::data::read::file_kind;

/// A folder whose files a run replaces together; see the module's
/// documentation.
#[derive(Debug)]
pub struct Folder {
    /// The flag, for messages.
    what: String,
    /// The folder as the user gave it.
    given: PathBuf,
    /// The folder that will be replaced (symbolic links followed).
    target: PathBuf,
    /// Where the new folder is built.
    staging: TempDir,
    /// A lock on `staging` while this run lives, so that no other run takes
    /// it for the leftover of a killed one.
    _lock: Option<fs::File>,
    /// The files this run writes, and the permissions of the old ones.
    names: HashMap<String, Option<Permissions>>,
    /// The permissions of the old folder, if there is one.
    old: Option<Permissions>,
    /// The folders made above the target, removed again on failure.
    created: NewFolders,
    /// A failed output does not end the program before the swap.
    _hold: Hold,
}

impl Folder {
    /// Plans replacing the files `names` in the folder `path` (the `what`
    /// flag's), keeping its other entries. `inputs` are the files the
    /// program reads, which no output may be; `force` allows replacing
    /// read-only files and a read-only folder.
    pub fn plan(
        what: &str,
        path: &Path,
        names: &[&str],
        inputs: &[PathBuf],
        force: bool,
    ) -> Result<Self, OutputError> {
        let (target, created) = locate(what, path)?;
        let mut names: HashMap<String, Option<Permissions>> =
            names.iter().map(|n| (n.to_string(), None)).collect();
        let checks = Checks {
            what,
            path,
            force,
            inputs: inputs
                .iter()
                .filter_map(|p| Some((p.clone(), FileId::of(p)?)))
                .collect(),
        };
        let old = match fs::metadata(&target) {
            Ok(folder) => {
                checks.replaceable(&target, &folder)?;
                checks.entries(&target, &mut names)?;
                Some(folder.permissions())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(checks.inspect(e)),
        };
        remove_leftovers(&target);
        let (staging, _lock) = staging_beside(&target).map_err(|source| {
            OutputError::new(
                what,
                path,
                Problem::FolderNotWritable {
                    folder: folder_of(&target).to_path_buf(),
                    source,
                },
            )
        })?;
        Ok(Self {
            what: what.to_string(),
            given: path.to_path_buf(),
            target,
            staging,
            _lock,
            names,
            old,
            created,
            _hold: Hold::new(),
        })
    }

    /// Writes the planned file `name` of the new folder; an old file of that
    /// name keeps its permissions.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.given.join(name);
        still_running(&self.what, &path)?;
        let failed = |source| {
            OutputError::new(&self.what, &path, Problem::Write(source))
        };
        let permissions = self.names.get(name).ok_or_else(|| {
            failed(io::Error::other("not one of the planned files"))
        })?;
        let file = self.staging.path().join(name);
        let mut out = fs::File::create_new(&file).map_err(failed)?;
        out.write_all(bytes).map_err(failed)?;
        if let Some(permissions) = permissions {
            out.set_permissions(permissions.clone()).map_err(failed)?;
        }
        out.sync_all().map_err(failed)
    }

    /// Carries the old folder's other entries into the new one and swaps
    /// the two: from here on the target holds every new file. The old
    /// folder is then deleted.
    pub fn commit(self) -> Result<(), OutputError> {
        still_running(&self.what, &self.given)?;
        let failed = |source| {
            OutputError::new(&self.what, &self.given, Problem::Write(source))
        };
        let staging = self.staging.path();
        if let Some(permissions) = &self.old {
            for entry in fs::read_dir(&self.target).map_err(failed)? {
                let entry = entry.map_err(failed)?;
                let name = entry.file_name();
                if !self.names.contains_key(&*name.to_string_lossy()) {
                    carry(&entry.path(), &staging.join(&name))
                        .map_err(failed)?;
                }
            }
            fs::set_permissions(staging, permissions.clone())
                .map_err(failed)?;
        }
        sync_folder(staging).map_err(failed)?;
        let Self {
            staging,
            target,
            created,
            old,
            ..
        } = self;
        if old.is_some() {
            // The old folder now stands where the new one was built, and
            // goes when `staging` is dropped.
            exchange(staging.path(), &target).map_err(failed)?;
        } else {
            fs::rename(staging.path(), &target).map_err(failed)?;
            let _ = staging.keep();
        }
        created.keep();
        sync_folder(folder_of(&target)).map_err(failed)
    }
}

/// The checks of an existing folder to be replaced, `path` of the `what`
/// flag.
struct Checks<'a> {
    what: &'a str,
    path: &'a Path,
    force: bool,
    /// The program's inputs, which no output may be.
    inputs: Vec<(PathBuf, FileId)>,
}

impl Checks<'_> {
    /// Refuses a folder that cannot be replaced: a read-only one without
    /// `force`, or a mount point (on another file system than its parent).
    fn replaceable(
        &self,
        target: &Path,
        folder: &fs::Metadata,
    ) -> Result<(), OutputError> {
        if !self.force && read_only(target, folder) {
            return Err(OutputError::new(
                self.what,
                self.path,
                Problem::ReadOnlyFolder,
            ));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let parent =
                fs::metadata(folder_of(target)).map_err(|e| self.inspect(e))?;
            if folder.dev() != parent.dev() {
                return Err(OutputError::new(
                    self.what,
                    self.path,
                    Problem::MountPoint,
                ));
            }
        }
        Ok(())
    }

    /// Checks every entry of `target`: those the run replaces (`names`,
    /// whose old permissions are noted) and those it carries over.
    fn entries(
        &self,
        target: &Path,
        names: &mut HashMap<String, Option<Permissions>>,
    ) -> Result<(), OutputError> {
        for entry in fs::read_dir(target).map_err(|e| self.inspect(e))? {
            let entry = entry.map_err(|e| self.inspect(e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry.file_type().map_err(|e| self.inspect(e))?;
            match names.get_mut(&name) {
                Some(permissions) if kind.is_file() => {
                    *permissions = Some(self.output(&name, &entry.path())?);
                }
                // A link is replaced by the file; what it leads to stays.
                _ if kind.is_symlink() || kind.is_file() => {}
                replaced => {
                    let metadata =
                        entry.metadata().map_err(|e| self.inspect(e))?;
                    let kind = file_kind(&metadata);
                    return Err(match replaced {
                        Some(_) => OutputError::new(
                            self.what,
                            &self.path.join(&name),
                            Problem::NotRegular(kind),
                        ),
                        None => OutputError::new(
                            self.what,
                            self.path,
                            Problem::NotCarried { entry: name, kind },
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Checks the regular file `found` that the output `name` will replace
    /// and returns its permissions, which the new file keeps.
    fn output(
        &self,
        name: &str,
        found: &Path,
    ) -> Result<Permissions, OutputError> {
        let shown = self.path.join(name);
        let metadata = fs::metadata(found).map_err(|e| self.inspect(e))?;
        if let Some(id) = FileId::of(found) {
            if let Some((input, _)) =
                self.inputs.iter().find(|(_, i)| id.same(i))
            {
                return Err(OutputError::new(
                    self.what,
                    &shown,
                    Problem::IsInput(input.clone()),
                ));
            }
        }
        if !self.force && read_only(found, &metadata) {
            return Err(OutputError::new(self.what, &shown, Problem::ReadOnly));
        }
        Ok(metadata.permissions())
    }

    fn inspect(&self, source: io::Error) -> OutputError {
        OutputError::new(self.what, self.path, Problem::Inspect(source))
    }
}

/// The folder `path` names (symbolic links followed), which must be a
/// folder or not exist yet; the folders above it are made if missing.
fn locate(
    what: &str,
    path: &Path,
) -> Result<(PathBuf, NewFolders), OutputError> {
    let inspect =
        |source| OutputError::new(what, path, Problem::Inspect(source));
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            let target = fs::canonicalize(path).map_err(&inspect)?;
            if target.parent().is_none() {
                return Err(OutputError::new(what, path, Problem::MountPoint));
            }
            let created = NewFolders::create(what, folder_of(&target))?;
            return Ok((target, created));
        }
        Ok(_) => {
            return Err(OutputError::new(
                what,
                path,
                Problem::NotAFolder(path.to_path_buf()),
            ));
        }
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(inspect(e));
        }
        Err(e) if fs::symlink_metadata(path).is_ok() => {
            return Err(OutputError::new(what, path, Problem::BrokenLink(e)));
        }
        Err(_) => {}
    }
    // A new folder: made by the swap, below the folders made here.
    let absolute = std::path::absolute(path).map_err(&inspect)?;
    let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name())
    else {
        return Err(OutputError::new(what, path, Problem::NoFileName));
    };
    let created = NewFolders::create(what, parent)?;
    let parent = fs::canonicalize(parent).map_err(&inspect)?;
    Ok((parent.join(name), created))
}

/// The prefix and suffix of the hidden folders in which `target`'s
/// replacement is built.
fn staging_name(target: &Path) -> (String, &'static str) {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    (format!(".{name}."), ".tmp")
}

/// A new hidden folder beside `target`, for building its replacement, and
/// the lock this run holds on it (where the system has locks).
fn staging_beside(target: &Path) -> io::Result<(TempDir, Option<fs::File>)> {
    let (prefix, suffix) = staging_name(target);
    let mut builder = Builder::new();
    builder.prefix(&prefix).suffix(suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // As a new folder gets them: 0777 less the umask.
        builder.permissions(Permissions::from_mode(0o777));
    }
    let staging = builder.tempdir_in(folder_of(target))?;
    let lock = lock(staging.path(), true)?;
    Ok((staging, lock))
}

/// Removes the hidden folders that runs killed outright (`kill -9`,
/// Ctrl-C) left beside `target`: those that no living run holds locked.
/// Whatever cannot be removed is left, as it was.
fn remove_leftovers(target: &Path) {
    let (prefix, suffix) = staging_name(target);
    let Ok(entries) = fs::read_dir(folder_of(target)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && name.starts_with(&prefix) && name.ends_with(suffix) {
            let path = entry.path();
            if let Ok(Some(_held)) = lock(&path, false) {
                let _ = fs::remove_dir_all(&path);
            }
        }
    }
}

/// An exclusive advisory lock (`flock`) on the folder `path`, held until
/// the file returned is dropped; with `wait`, waits for it, else `None` if
/// another process holds it. `None` where the system has no such locks.
fn lock(path: &Path, wait: bool) -> io::Result<Option<fs::File>> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let folder = fs::File::open(path)?;
        let how = if wait {
            libc::LOCK_EX
        } else {
            libc::LOCK_EX | libc::LOCK_NB
        };
        // SAFETY: flock only reads the descriptor, which `folder` keeps open.
        if unsafe { libc::flock(folder.as_raw_fd(), how) } == 0 {
            return Ok(Some(folder));
        }
        let error = io::Error::last_os_error();
        if !wait && error.kind() == io::ErrorKind::WouldBlock {
            return Ok(None);
        }
        Err(error)
    }
    #[cfg(not(unix))]
    {
        let _ = (path, wait);
        Ok(None)
    }
}

/// Puts the entry `from` at `to` in the new folder: a file by a hard link
/// (a copy where links are not allowed), a symbolic link as a link.
fn carry(from: &Path, to: &Path) -> io::Result<()> {
    let kind = fs::symlink_metadata(from)?.file_type();
    if kind.is_symlink() {
        #[cfg(unix)]
        return std::os::unix::fs::symlink(fs::read_link(from)?, to);
        #[cfg(not(unix))]
        return fs::copy(from, to).map(drop);
    }
    if fs::hard_link(from, to).is_err() {
        fs::copy(from, to)?;
    }
    Ok(())
}

/// Flushes a folder's entries to disk, so that a crash cannot lose them.
fn sync_folder(folder: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(folder)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

/// Swaps the folders `a` and `b` in one step where the system can (Linux),
/// else by two renames through a third name.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| {
            CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other)
        };
        let (ca, cb) = (c(a)?, c(b)?);
        // SAFETY: both paths are NUL-terminated strings that outlive the call.
        let done = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if done == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        // Other errors are real; these say the file system cannot swap.
        if !matches!(error.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
            return Err(error);
        }
    }
    let aside = a.with_extension("old");
    fs::rename(b, &aside)?;
    fs::rename(a, b)?;
    fs::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder holding a folder `data` of `files`, each `(name,
    /// text)`, and that folder's path.
    fn old_folder(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let scratch = tempfile::tempdir().unwrap();
        let out = scratch.path().join("data");
        fs::create_dir(&out).unwrap();
        for (name, text) in files {
            fs::write(out.join(name), text).unwrap();
        }
        (scratch, out)
    }

    #[test]
    fn a_folder_is_replaced_with_its_other_files_kept() {
        let (scratch, out) = old_folder(&[
            ("a", "old a"),
            ("b", "old b"),
            ("README.md", "kept"),
        ]);
        let folder =
            Folder::plan("--out", &out, &["a", "b"], &[], false).unwrap();
        folder.write("a", b"new a").unwrap();
        folder.write("b", b"new b").unwrap();
        // Until the swap, the old folder is untouched.
        assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "old a");
        folder.commit().unwrap();
        assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "new a");
        assert_eq!(fs::read_to_string(out.join("b")).unwrap(), "new b");
        assert_eq!(fs::read_to_string(out.join("README.md")).unwrap(), "kept");
        // Nothing else is left beside it.
        assert_eq!(fs::read_dir(scratch.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_given_up_before_the_swap_is_left_as_it_was() {
        let (scratch, out) = old_folder(&[("a", "old a")]);
        let folder =
            Folder::plan("--out", &out, &["a", "b"], &[], false).unwrap();
        folder.write("a", b"new a").unwrap();
        drop(folder);
        assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "old a");
        assert_eq!(fs::read_dir(scratch.path()).unwrap().count(), 1);
        assert_eq!(fs::read_dir(&out).unwrap().count(), 1);
    }

    #[test]
    fn a_new_folder_is_made_with_the_folders_above_it() {
        let scratch = tempfile::tempdir().unwrap();
        let out = scratch.path().join("x").join("data");
        let folder = Folder::plan("--out", &out, &["a"], &[], false).unwrap();
        folder.write("a", b"new").unwrap();
        folder.commit().unwrap();
        assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "new");
        let failed = scratch.path().join("y").join("data");
        drop(Folder::plan("--out", &failed, &["a"], &[], false).unwrap());
        assert!(!scratch.path().join("y").exists());
    }

    #[test]
    fn a_folder_inside_is_refused_since_it_cannot_be_carried() {
        let scratch = tempfile::tempdir().unwrap();
        fs::create_dir(scratch.path().join("inner")).unwrap();
        let error = Folder::plan("--out", scratch.path(), &["a"], &[], false)
            .unwrap_err()
            .to_string();
        assert!(error.contains("holds inner, a directory"), "{error}");
    }
}
