//! Writing files so that a crash, a full disk or a second process never leaves a half-written
//! or silently replaced one: every file is written under a temporary name in its directory,
//! fsynced, renamed into place (refusing an existing file unless `--force`), and the directory
//! fsynced.

use crate::CliError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How a file is written.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// Replace an existing file (`--force`); otherwise an existing file is refused.
    pub force: bool,
    /// Readable by its owner only (0600): secret keys, credentials, presentations.
    pub private: bool,
    /// `--force` would replace it (an output file, not a key or credential file).
    pub forcible: bool,
}

impl Mode {
    /// A public file (0644 less the umask), never replacing one.
    pub const NEW: Mode = Mode {
        force: false,
        private: false,
        forcible: false,
    };
    /// A private file (0600), never replacing one.
    pub const PRIVATE: Mode = Mode {
        force: false,
        private: true,
        forcible: false,
    };
}

/// `dir/.NAME.SUFFIX-PID`: a temporary name beside `path` that no other process uses.
pub fn temp_beside(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "chancery".into());
    path.with_file_name(format!(".{name}.{suffix}-{}", std::process::id()))
}

/// The directory holding `path` (`.` for a bare file name).
pub fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Refuses `path` early if it exists and may not be replaced, so a command fails before it
/// records or signs anything.
pub fn check_writable(path: &Path, mode: Mode) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a directory",
            path.display()
        )));
    }
    if !mode.force && path.symlink_metadata().is_ok() {
        return Err(exists(path, mode.forcible));
    }
    Ok(())
}

fn exists(path: &Path, forcible: bool) -> CliError {
    CliError::usage(format!(
        "{} already exists; not overwriting it{}",
        path.display(),
        if forcible {
            " (give --force to replace it)"
        } else {
            ""
        }
    ))
}

/// Writes `bytes` to `path` atomically and durably (see the module docs).
pub fn write(path: &Path, bytes: &[u8], mode: Mode) -> Result<(), CliError> {
    check_writable(path, mode)?;
    remove_dead_temps(path);
    let tmp = temp_beside(path, "tmp");
    let _ = std::fs::remove_file(&tmp);
    let result = write_temp(&tmp, bytes, mode.private).and_then(|()| place(&tmp, path, mode));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Creates `tmp` (never an existing file) with `bytes`, synced.
fn write_temp(tmp: &Path, bytes: &[u8], private: bool) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    if private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    let mut f = options.open(tmp).map_err(|e| CliError::io(tmp, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| CliError::io(tmp, e))
}

/// Renames the synced file `tmp` to `path` (refusing an existing `path` unless `force`, even
/// if another process creates it meanwhile) and syncs the directory.
pub fn place(tmp: &Path, path: &Path, mode: Mode) -> Result<(), CliError> {
    if mode.force {
        std::fs::rename(tmp, path).map_err(|e| CliError::io(path, e))?;
    } else {
        rename_noreplace(tmp, path, mode.forcible)?;
    }
    sync_dir(parent(path))
}

/// Renames `from` to `to`, refusing an existing `to` (file or directory, even an empty one)
/// atomically: `renameat2(RENAME_NOREPLACE)`.
pub fn rename_noreplace(from: &Path, to: &Path, forcible: bool) -> Result<(), CliError> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(e) if e == rustix::io::Errno::EXIST => Err(exists(to, forcible)),
        // A filesystem without RENAME_NOREPLACE: a hard link refuses an existing name just as
        // atomically (files); a directory is renamed after a check, which the callers make
        // under a lock.
        Err(e) if e == rustix::io::Errno::INVAL && !from.is_dir() => {
            std::fs::hard_link(from, to).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    exists(to, forcible)
                } else {
                    CliError::io(to, e)
                }
            })?;
            std::fs::remove_file(from).map_err(|e| CliError::io(from, e))
        }
        Err(e) if e == rustix::io::Errno::INVAL => {
            if to.symlink_metadata().is_ok() {
                return Err(exists(to, forcible));
            }
            std::fs::rename(from, to).map_err(|e| CliError::io(to, e))
        }
        Err(e) => Err(CliError::io(to, e.into())),
    }
}

/// Removes `.NAME.tmp-PID` files beside `path` left by writes whose process is gone (killed
/// mid-write): they may hold secret material. A live process's file is left alone.
fn remove_dead_temps(path: &Path) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(parent(path)) else {
        return;
    };
    for e in entries.flatten() {
        let file_name = e.file_name();
        let n = file_name.to_string_lossy();
        let Some(pid) = n.strip_prefix(&prefix) else {
            continue;
        };
        if !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// fsyncs a directory, so a rename or a new file in it survives a crash.
pub fn sync_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| CliError::io(dir, e))
}

/// Reads a file the user named, with one clear line if it is missing or a directory.
pub fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a directory, not a file",
            path.display()
        )));
    }
    std::fs::read(path).map_err(|e| CliError::io(path, e))
}

/// Reads a file of at most `max` bytes: a larger one is refused unread (its size from its
/// metadata; a file that grows meanwhile is cut at `max + 1` bytes and refused too).
pub fn read_at_most(path: &Path, max: usize) -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    let too_large = || {
        CliError::usage(format!(
            "{} is too large: at most {max} bytes are read",
            path.display()
        ))
    };
    let meta = std::fs::metadata(path).map_err(|e| CliError::io(path, e))?;
    if meta.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a directory, not a file",
            path.display()
        )));
    }
    // A pipe or a device would block the open or never end: only regular files are read.
    if !meta.is_file() {
        return Err(CliError::usage(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    if meta.len() > max as u64 {
        return Err(too_large());
    }
    let mut out = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max as u64 + 1).read_to_end(&mut out))
        .map_err(|e| CliError::io(path, e))?;
    if out.len() > max {
        return Err(too_large());
    }
    Ok(out)
}

/// Whether `--force` was given, for this process.
static FORCE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Records `--force`.
pub fn set_force(force: bool) {
    let _ = FORCE.set(force);
}

/// The mode for an output file the user named: `mode`, replacing an existing file if
/// `--force` was given.
pub fn output(mode: Mode) -> Mode {
    Mode {
        force: FORCE.get().copied().unwrap_or(false),
        forcible: true,
        ..mode
    }
}

/// An exclusive lock on `dir/.NAME.WHAT.lock` beside `path`, held until the file is dropped:
/// serialises the commands that create `path` (two `init`s of one store).
pub fn lock_beside(path: &Path, what: &str) -> Result<std::fs::File, CliError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "chancery".into());
    let lock = path.with_file_name(format!(".{name}.{what}.lock"));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .map_err(|e| CliError::io(&lock, e))?;
    f.lock().map_err(|e| CliError::io(&lock, e))?;
    Ok(f)
}

/// Removes what killed runs left beside `path` (`.NAME.WHAT-PID` files or directories); call it
/// under [`lock_beside`] for the same `what`, so no live run's work is removed.
pub fn remove_leftovers(path: &Path, what: &str) -> Result<(), CliError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "chancery".into());
    let prefix = format!(".{name}.{what}-");
    let dir = parent(path);
    let entries = std::fs::read_dir(dir).map_err(|e| CliError::io(dir, e))?;
    for e in entries.flatten() {
        let file_name = e.file_name();
        let n = file_name.to_string_lossy();
        if n.strip_prefix(&prefix)
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        {
            let p = e.path();
            let removed = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
            removed.map_err(|err| CliError::io(&p, err))?;
        }
    }
    Ok(())
}
