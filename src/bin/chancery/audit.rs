//! `chancery audit`: re-check everything in the store, or in an archive, from genesis.

use crate::archive::{archive_error, is_partial};
use crate::checkpoint::{stored_checkpoints, verified};
use crate::common::set_zone;
use crate::report::{self, Out, Progress};
use crate::{files, CliError};
use chancery::archive;
use chancery::checkpoint;
use chancery::{FileStore, Ledger, SystemClock};
use serde_json::json;
use std::path::Path;

/// `audit`: runs [`audit`]; under `--json`, damage found is also reported on stdout.
pub fn run(
    store: &Path,
    archive: Option<&Path>,
    since: Option<&Path>,
    out: &Out,
) -> Result<u8, CliError> {
    let result = audit(store, archive, since, out);
    // Damage is the audit's finding: under --json it is the report on stdout too.
    if let Err(e) = &result {
        if e.code == 1 && out.is_json() {
            report::line(
                &json!({ "result": "damage found", "error": e.message, "exit": 1 }).to_string(),
            );
        }
    }
    result
}

fn audit(
    store: &Path,
    archive: Option<&Path>,
    since: Option<&Path>,
    out: &Out,
) -> Result<u8, CliError> {
    let since = since
        .map(|p| {
            let bytes = files::read(p)?;
            // Not a signed checkpoint at all is a usage error, not a mismatch of the ledger.
            checkpoint::Note::parse(&bytes)
                .map_err(|e| e.to_string())
                .and_then(|n| {
                    checkpoint::Checkpoint::parse_text(&n.text)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
                .map_err(|e| {
                    CliError::usage(format!("{}: not a signed checkpoint: {e}", p.display()))
                })?;
            Ok::<_, CliError>((p, bytes))
        })
        .transpose()?;
    if let Some(p) = archive.filter(|p| is_partial(p)) {
        return Err(CliError::usage(format!(
            "{}: an unfinished export (.partial) is not an archive",
            p.display()
        )));
    }
    // The time reported is that of the verification; the summary's status counts come after.
    let started = std::time::Instant::now();
    let check_since =
        |origin: &str, state: &chancery::State, tree: &chancery::merkle::MerkleTree| match &since {
            Some((path, bytes)) => chancery::ledger::check_checkpoint(bytes, origin, state, tree)
                .map(|_| ())
                .map_err(|e| {
                    CliError::invalid(format!(
                        "the ledger does not match the checkpoint in {}: {e}",
                        path.display()
                    ))
                }),
            None => Ok(()),
        };
    let (summary, elapsed) = match archive {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(|e| CliError::io(path, e))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let progress = Progress::bytes("auditing", size);
            let reader = std::io::BufReader::with_capacity(1 << 20, file);
            let result = archive::audit_archive(reader, |n| progress.set_entries(n));
            progress.finish();
            let report = result.map_err(|e| archive_error(path, e))?;
            check_since(&report.header.origin, &report.state, &report.tree)?;
            let elapsed = started.elapsed();
            let summary =
                report::Summary::of(&report.header.origin, &report.state, report.trailer.root)
                    .with_checkpoints(report.checkpoints.len());
            // The process ends next: free the replayed state (a gigabyte of small allocations
            // at a million entries) on another thread; the operating system reclaims what is
            // left at exit. The report holds no lock or file.
            let _ = std::thread::Builder::new().spawn(move || drop(report));
            (summary, elapsed)
        }
        None => {
            if !store.join("head").exists() {
                return Err(CliError::usage(format!("no ledger in {}", store.display())));
            }
            // Checkpoints first, then the head: every kept checkpoint is then covered.
            let stored = stored_checkpoints(store)?;
            // An index that cannot be used is not rebuilt by an audit (an index ahead of the
            // journal is evidence of lost entries): the journal is audited in memory instead.
            let usable = crate::common::integrity_key().filter(|key| {
                let why = FileStore::open_read_only_lazily(store)
                    .map_err(|e| e.to_string())
                    .and_then(|h| {
                        let index = store.join(crate::common::INDEX_FILE);
                        Ledger::check_index(&h, &index, key).map_err(|e| e.to_string())
                    })
                    .err();
                if let Some(why) = &why {
                    eprintln!("the index is not used ({why}): auditing the journal in memory");
                }
                why.is_none()
            });
            if usable.is_some() {
                // With the node's key: the journal replayed into a temporary index beside the
                // live one and compared with it row by row, in bounded memory (SPEC §12).
                let ledger = crate::common::open_reader(store)?;
                let report = ledger.audit()?;
                let kept = verified(store, &ledger, stored)?;
                check_since(ledger.origin(), ledger.state(), ledger.tree())?;
                let elapsed = started.elapsed();
                let summary = report::Summary::brief(
                    ledger.origin(),
                    report.entries,
                    report.root,
                    report.head,
                )
                .with_checkpoints(kept.len());
                drop(ledger);
                summary.print("audit passed", elapsed, out);
                return Ok(0);
            }
            let fs = FileStore::open_read_only(store)?;
            let progress = Progress::entries("auditing", chancery::Store::len(&fs));
            let ledger = Ledger::open_verified(report::Watched::new(fs, &progress), SystemClock);
            progress.finish();
            let ledger = ledger?;
            set_zone(ledger.state().policy().utc_offset);
            let kept = verified(store, &ledger, stored)?;
            check_since(ledger.origin(), ledger.state(), ledger.tree())?;
            let elapsed = started.elapsed();
            let root = ledger.tree_head().root;
            let summary = report::Summary::of(ledger.origin(), ledger.state(), root)
                .with_checkpoints(kept.len());
            // Dropped here, releasing the store and its files (the time reported is taken).
            drop(ledger);
            (summary, elapsed)
        }
    };
    summary.print("audit passed", elapsed, out);
    Ok(0)
}
