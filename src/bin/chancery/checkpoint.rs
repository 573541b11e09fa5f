//! Signed checkpoints: signing, keeping and checking them; `chancery checkpoint` and `prove`.

use crate::report::Out;
use crate::{files, keyfile, open, open_reader, query, CliError, Signer};
use chancery::checkpoint;
use chancery::{
    CheckpointLog, FileCheckpointLog, FileStore, Ledger, SecretKey, SignCheckpointError,
};
use serde_json::json;
use std::path::Path;

/// Signs a checkpoint of the ledger as it is with `signer`'s key and keeps it in the store's
/// checkpoint log (`Ledger::sign_checkpoint`: refused unless the key signs checkpoints now and
/// the ledger still holds the last checkpoint kept).
pub fn sign_checkpoint(
    store: &Path,
    ledger: &Ledger<FileStore>,
    key: &SecretKey,
    signer: &Signer,
) -> Result<chancery::ledger::SignedCheckpoint, CliError> {
    let mut log = FileCheckpointLog::open(store)?;
    ledger.sign_checkpoint(key, &mut log).map_err(|e| match e {
        SignCheckpointError::NotACheckpointKey => CliError::usage(format!(
            "{} does not sign this ledger's checkpoints now (an active operator key does, or a \
             root key while the ledger has none)",
            signer.signer.display()
        )),
        SignCheckpointError::Storage(s) => CliError::from(s),
        SignCheckpointError::Origin(e) => CliError::usage(e.to_string()),
        other => CliError::invalid(format!("{other} ({})", log.path().display())),
    })
}

/// The checkpoints kept in the store's checkpoint log, oldest first. Read them before opening
/// the ledger: every one is then covered by the entries read.
pub fn stored_checkpoints(store: &Path) -> Result<Vec<String>, CliError> {
    Ok(FileCheckpointLog::open_read_only(store)?.checkpoints()?)
}

/// The kept checkpoints, each checked against the ledger (a failure is damage).
pub fn verified<S: chancery::Store>(
    store: &Path,
    ledger: &Ledger<S>,
    stored: Vec<String>,
) -> Result<Vec<String>, CliError> {
    stored
        .into_iter()
        .enumerate()
        .map(|(i, note)| {
            ledger
                .check_kept_checkpoint(note.as_bytes())
                .map(|_| note)
                .map_err(|e| {
                    CliError::invalid(format!(
                        "{}, checkpoint {}: {e}",
                        store.join(FileCheckpointLog::FILE).display(),
                        i + 1
                    ))
                })
        })
        .collect()
}

/// `checkpoint`: signs and keeps a checkpoint (also written to `file`, if given) and prints it
/// with its verifier key.
pub fn run(store: &Path, signer: &Signer, file: Option<&Path>, out: &Out) -> Result<u8, CliError> {
    if let Some(f) = file {
        files::check_writable(f, files::output(files::Mode::NEW))?;
    }
    let ledger = open(store)?;
    let key = keyfile::read_secret(&signer.signer)?;
    let signed = sign_checkpoint(store, &ledger, &key, signer)?;
    let (note, cp) = (signed.note, signed.checkpoint);
    let path = store.join(FileCheckpointLog::FILE);
    if let Some(f) = file {
        files::write(f, note.as_bytes(), files::output(files::Mode::NEW))?;
    }
    let vkey = checkpoint::NoteVerifier::new(&cp.origin, &key.public_key())
        .map(|v| v.to_vkey())
        .map_err(|e| CliError::usage(format!("verifier key: {e}")))?;
    out.print(
        &format!("{}\nverifier key: {vkey}", note.trim_end()),
        json!({
            "origin": cp.origin,
            "size": cp.size,
            "root": cp.root.to_hex(),
            "note": note,
            "vkey": vkey,
            "file": path.display().to_string(),
        }),
    );
    Ok(0)
}

/// `prove inclusion|consistency`, against the ledger, with the size of the latest kept
/// checkpoint (each kept one checked against the ledger) as the default tree size.
pub fn prove(store: &Path, command: query::ProveCommand, out: &Out) -> Result<u8, CliError> {
    let stored = stored_checkpoints(store)?;
    let ledger = open_reader(store)?;
    let latest = verified(store, &ledger, stored)?
        .last()
        .and_then(|n| checkpoint::Note::parse(n.as_bytes()).ok())
        .and_then(|n| checkpoint::Checkpoint::parse_text(&n.text).ok())
        .map(|c| c.size);
    query::prove(&ledger, latest, command, out)
}
