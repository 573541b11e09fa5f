//! What every command uses: opening the ledger (integrity key, time zone), recording statements.

use crate::report::Out;
use crate::{keyfile, CliError, Signer};
use chancery::{
    Actor, Event, FileStore, Ledger, SignedStatement, StorageError, SystemClock, Timestamp,
    UtcOffset,
};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Opens the ledger in the store as its writer (every entry and signature re-checked); times
/// are typed and shown in its civil time zone from now on.
pub fn open(store: &Path) -> Result<Ledger<FileStore>, CliError> {
    open_with(store, true)
}

/// Opens the ledger in the store for reading only: no lock is taken and nothing is written, so
/// it runs beside a writer; it sees the ledger as of the committed head when it opens. With an
/// integrity key and no usable index (none yet, damaged, of another key), the reader takes the
/// writer's role for the time it builds one, if no writer holds the store; else it replays.
pub fn open_reader(store: &Path) -> Result<Ledger<FileStore>, CliError> {
    open_with(store, false)
}

fn open_with(store: &Path, writer: bool) -> Result<Ledger<FileStore>, CliError> {
    if !store.join("head").exists() {
        return Err(CliError::usage(format!(
            "no ledger in {} (run `chancery init` or pass --store)",
            store.display()
        )));
    }
    let ledger = match INTEGRITY_KEY.get().cloned().flatten() {
        // With the node's key, the persistent index beside the journal (SPEC §12): the state
        // is read from it instead of replaying the journal.
        Some(key) => {
            let index = store.join(INDEX_FILE);
            // The index holds the state: the journal is not walked at open either (SPEC §12).
            let mut handle = if writer {
                FileStore::open_lazily(store)?
            } else {
                FileStore::open_read_only_lazily(store)?
            };
            let unusable = if writer {
                None
            } else {
                Ledger::check_index(&handle, &index, &key).err()
            };
            if let Some(why) = unusable {
                match FileStore::open_lazily(store) {
                    Ok(w) => {
                        eprintln!(
                            "building the index {} from the journal (once): {why}",
                            index.display()
                        );
                        handle = w;
                    }
                    // A writer holds the store: it keeps the index; this reader replays.
                    Err(StorageError::Locked(_)) => eprintln!(
                        "the index {} is not used ({why}); a writer holds the store: \
                         replaying the journal",
                        index.display()
                    ),
                    Err(e) => return Err(e.into()),
                }
            }
            open_indexed(store, handle, SystemClock, key)?
        }
        None if writer => Ledger::open(FileStore::open(store)?, SystemClock)?,
        None => Ledger::open(FileStore::open_read_only(store)?, SystemClock)?,
    };
    set_zone(ledger.state().policy().utc_offset);
    Ok(ledger)
}

/// The ledger in `store` through its persistent index at `store/index.redb` under `key`
/// (SPEC §12), over `handle` (a lazily opened handle on that store), keeping its integrity
/// record: how every command with `--integrity-key`, and the demo, open it.
pub fn open_indexed(
    store: &Path,
    handle: FileStore,
    clock: impl chancery::Clock + 'static,
    key: chancery::IntegrityKey,
) -> Result<Ledger<FileStore>, CliError> {
    let journal = store.to_owned();
    let mut ledger = Ledger::open_indexed(
        handle,
        clock,
        &store.join(INDEX_FILE),
        key.clone(),
        move || FileStore::open_read_only(&journal),
    )?;
    ledger.keep_integrity(key);
    Ok(ledger)
}

/// The integrity key this process was given, if any.
pub fn integrity_key() -> Option<chancery::IntegrityKey> {
    INTEGRITY_KEY.get().cloned().flatten()
}

/// The persistent index's file in the store directory.
pub const INDEX_FILE: &str = "index.redb";

/// The integrity key of this process, if one was given.
static INTEGRITY_KEY: std::sync::OnceLock<Option<chancery::IntegrityKey>> =
    std::sync::OnceLock::new();

/// Reads the integrity key file, which must lie outside the store directory (whoever can write
/// the store must not be able to read the key).
pub fn init_integrity_key(file: Option<PathBuf>, store: &Path) -> Result<(), CliError> {
    let Some(file) = file else {
        let _ = INTEGRITY_KEY.set(None);
        return Ok(());
    };
    let text = std::fs::read_to_string(&file).map_err(|e| CliError::io(&file, e))?;
    let key = chancery::IntegrityKey::from_hex(&text)
        .map_err(|e| CliError::usage(format!("{}: {e}", file.display())))?;
    let inside = match (file.canonicalize(), store.canonicalize()) {
        (Ok(f), Ok(s)) => f.starts_with(s),
        _ => false,
    };
    if inside {
        return Err(CliError::usage(format!(
            "the integrity key {} lies inside the store {}: keep it where the store's writers \
             cannot read it",
            file.display(),
            store.display()
        )));
    }
    let _ = INTEGRITY_KEY.set(Some(key));
    Ok(())
}

/// The civil time zone of the ledger this process opened (before one is open: `+08:00`).
static ZONE: std::sync::OnceLock<UtcOffset> = std::sync::OnceLock::new();

/// Sets the civil time zone of the ledger this process opened (the first one set stays).
pub fn set_zone(zone: UtcOffset) {
    let _ = ZONE.set(zone);
}

/// The civil time zone times are typed and shown in.
pub fn zone() -> UtcOffset {
    ZONE.get().copied().unwrap_or_default()
}

/// A time as people read it: RFC 3339 in the ledger's zone, with its offset.
pub fn show(t: Timestamp) -> String {
    zone().format(t)
}

/// The signer's actor for this ledger.
pub fn actor(ledger: &Ledger<FileStore>, signer: &Signer) -> Result<Actor, CliError> {
    let key = keyfile::read_secret(&signer.signer)?;
    Ok(Actor::new(ledger.origin(), key))
}

/// Signs `event` as `signer`, appends it and prints the receipt.
pub fn record(
    ledger: &mut Ledger<FileStore>,
    signer: &Signer,
    event: Event,
    out: &Out,
) -> Result<u8, CliError> {
    record_with(ledger, signer, event, out, &[])
}

/// As [`record`], with extra facts printed after the receipt (see [`append`]).
pub fn record_with(
    ledger: &mut Ledger<FileStore>,
    signer: &Signer,
    event: Event,
    out: &Out,
    extra: &[(&str, &str, String)],
) -> Result<u8, CliError> {
    let actor = actor(ledger, signer)?;
    let statement = actor.sign(event, ledger.now());
    append(ledger, statement, out, extra)
}

/// The id of what a statement creates, as `--print id` prints it: the new license version,
/// authority, license type, seal, policy or case, or the consent's statement id; for other
/// events the entry's sequence number.
fn created_id(statement: &SignedStatement, seq: u64) -> String {
    let event = &statement.statement().event;
    if let Some(v) = event.new_version() {
        return v.id.to_string();
    }
    match event {
        Event::AuthorityRegistered(r) => r.code.clone(),
        Event::LicenseTypeDefined { code, .. } => code.clone(),
        Event::SealRegistered(r)
        | Event::SealRemade {
            registration: r, ..
        } => r.es_id.clone(),
        Event::AutoSealPolicyGranted(p) => p.id.clone(),
        Event::CaseOpened(c) => c.case.clone(),
        Event::UseAuthorized(_) => statement.id().to_string(),
        _ => seq.to_string(),
    }
}

/// Appends a signed statement and prints the receipt, with `extra` facts (text line and JSON
/// field) after it.
pub fn append(
    ledger: &mut Ledger<FileStore>,
    statement: SignedStatement,
    out: &Out,
    extra: &[(&str, &str, String)],
) -> Result<u8, CliError> {
    let kind = statement.statement().event.kind();
    let r = ledger.append(statement.clone())?;
    let id = created_id(&statement, r.seq);
    let mut text = match r.resubmission {
        None => format!(
            "recorded {kind} as entry {} at {} (entry hash {})",
            r.seq,
            show(r.ledger_time),
            r.entry_hash
        ),
        Some(effect) => format!(
            "{kind} was already recorded as entry {} at {} (entry hash {}): nothing new \
             recorded; its effect now: {effect}",
            r.seq,
            show(r.ledger_time),
            r.entry_hash
        ),
    };
    let mut value = json!({
        "event": kind,
        "id": id,
        "seq": r.seq,
        "ledger_time": show(r.ledger_time),
        "entry_hash": r.entry_hash.to_hex(),
        "resubmission": r.resubmission.map(|e| e.to_string()),
    });
    for (label, key, v) in extra {
        text.push_str(&format!("\n{label} {v}"));
        value[*key] = json!(v);
    }
    out.created(&id, &text, value);
    Ok(0)
}
