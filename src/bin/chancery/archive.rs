//! `chancery export` and `chancery import`: the whole ledger to and from an archive (SPEC §14).

use crate::checkpoint::{stored_checkpoints, verified};
use crate::report::{self, Out, Progress};
use crate::{files, open_reader, CliError};
use chancery::archive::{self, ArchiveAuditError};
use chancery::{CheckpointLog, FileCheckpointLog, FileStore};
use serde_json::json;
use std::path::Path;

/// An archive verification failure as the CLI reports it.
pub fn archive_error(path: &Path, e: ArchiveAuditError) -> CliError {
    match e {
        ArchiveAuditError::Archive(archive::ArchiveError::Io(io)) => CliError::io(path, io),
        // Not an archive at all (its header does not parse), or one of another format: the
        // wrong file, a usage error; damage after a good header is a finding.
        ArchiveAuditError::Archive(
            e @ (archive::ArchiveError::OldFormat { .. }
            | archive::ArchiveError::Malformed { item: "header", .. }),
        ) => CliError::usage(format!(
            "{}: not an archive of this version: {e}",
            path.display()
        )),
        ArchiveAuditError::Sink(s) => CliError::usage(format!("import failed: {s}")),
        other => CliError::invalid(format!("{}: {other}", path.display())),
    }
}

/// Writes the archive to `FILE.partial` (removing a stale one of an earlier, killed export
/// first), fsyncs it, renames it to `FILE` (refusing an existing file unless `--force`) and
/// fsyncs the directory; on any error the partial file is removed.
pub fn export(store: &Path, file: &Path, out: &Out) -> Result<u8, CliError> {
    let mode = files::output(files::Mode::NEW);
    files::check_writable(file, mode)?;
    if is_partial(file) {
        return Err(CliError::usage(format!(
            "{}: an archive's name may not end in .partial (that is an export in progress)",
            file.display()
        )));
    }
    // Checkpoints first, then the entries: every kept checkpoint is then covered (SPEC §14).
    let stored = stored_checkpoints(store)?;
    let ledger = open_reader(store)?;
    let notes = verified(store, &ledger, stored)?;
    // `.FILE.partial-PID`, one per process; partial files of killed exports of the same FILE
    // are removed under a lock, so a running export's file is never touched.
    let lock = files::lock_beside(file, "export")?;
    files::remove_leftovers(file, "partial")?;
    drop(lock);
    let tmp = files::temp_beside(file, "partial");
    let written = (|| {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| CliError::io(&tmp, e))?;
        let progress = Progress::entries("exporting", ledger.len());
        let written = archive::export(&ledger, &notes, std::io::BufWriter::new(f), |n| {
            progress.set_entries(n)
        });
        progress.finish();
        written
            .map_err(|e| CliError::usage(format!("{}: {e}", tmp.display())))?
            .into_inner()
            .map_err(|e| CliError::io(&tmp, e.into_error()))?
            .sync_all()
            .map_err(|e| CliError::io(&tmp, e))?;
        files::place(&tmp, file, mode)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    out.print(
        &format!(
            "exported {} entries and {} checkpoints to {}",
            ledger.len(),
            notes.len(),
            file.display()
        ),
        json!({
            "entries": ledger.len(),
            "checkpoints": notes.len(),
            "archive": file.display().to_string(),
        }),
    );
    Ok(0)
}

/// Whether `path` names an export in progress (`….partial` or `.NAME.partial-PID`), which is
/// never read or written as an archive.
pub fn is_partial(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "partial")
        || path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains(".partial-"))
}

/// `import FILE`: creates the store from an archive, verifying everything it reads; a damaged
/// archive leaves nothing written.
pub fn import(store: &Path, file: &Path, out: &Out) -> Result<u8, CliError> {
    if store.exists()
        && std::fs::read_dir(store)
            .map_err(|e| CliError::io(store, e))?
            .next()
            .is_some()
    {
        return Err(CliError::usage(format!(
            "{} is not empty; import creates a new store",
            store.display()
        )));
    }
    if is_partial(file) {
        return Err(CliError::usage(format!(
            "{}: an unfinished export (.partial) is not an archive",
            file.display()
        )));
    }
    let started = std::time::Instant::now();
    if file.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a directory, not an archive",
            file.display()
        )));
    }
    let input = std::fs::File::open(file).map_err(|e| CliError::io(file, e))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    // Everything is written to a temporary directory beside the store (`.NAME.import-PID`,
    // under the lock `init` takes, which also guards the removal of killed runs' leftovers)
    // and moved into place only once the whole archive verified, refusing a store another
    // process created meanwhile.
    let parent = files::parent(store).to_owned();
    std::fs::create_dir_all(&parent).map_err(|e| CliError::io(&parent, e))?;
    let _lock = files::lock_beside(store, "init")?;
    files::remove_leftovers(store, "import")?;
    let tmp = files::temp_beside(store, "import");
    let imported = (|| {
        let mut fs = FileStore::open(&tmp)?;
        let progress = Progress::bytes("importing", size);
        let reader = std::io::BufReader::with_capacity(1 << 20, input);
        let result = archive::import(reader, &mut fs, |n| progress.set_entries(n));
        progress.finish();
        let report = result.map_err(|e| archive_error(file, e))?;
        drop(fs);
        // The archive's verified checkpoints are kept in the new store, as `checkpoint` keeps
        // them.
        // In size order (an archive may list them in any), so the log's last is its largest.
        if !report.notes.is_empty() {
            let mut notes: Vec<(u64, &String)> = report
                .checkpoints
                .iter()
                .map(|cp| cp.size)
                .zip(&report.notes)
                .collect();
            notes.sort_by_key(|(size, _)| *size);
            let mut log = FileCheckpointLog::open(&tmp)?;
            let mut last: Option<&str> = None;
            for (_, note) in notes {
                log.keep_checkpoint(note, last)?;
                last = Some(note);
            }
        }
        Ok::<_, CliError>(report)
    })();
    let report = match imported {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let placed = (|| {
        if store.exists() {
            // Empty (checked above); `remove_dir` refuses it if something appeared meanwhile.
            std::fs::remove_dir(store).map_err(|e| CliError::io(store, e))?;
        }
        files::rename_noreplace(&tmp, store, false)?;
        files::sync_dir(&parent)
    })();
    if let Err(e) = placed {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    report::Summary::of(&report.header.origin, &report.state, report.trailer.root)
        .with_checkpoints(report.checkpoints.len())
        .print(
            &format!("imported into {}", store.display()),
            started.elapsed(),
            out,
        );
    Ok(0)
}
